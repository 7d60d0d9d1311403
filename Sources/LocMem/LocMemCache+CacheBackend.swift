/// `LocMemCache` is a ``CacheBackend`` as it is: its synchronous, non-throwing (or
/// `throws(CacheError)`) methods satisfy the `async throws` requirements, so code written against
/// `some CacheBackend` runs on it with no network and no serialization (values are kept as Swift
/// values, as always), and its own callers keep calling it without `await`.
extension LocMemCache: CacheBackend {}
