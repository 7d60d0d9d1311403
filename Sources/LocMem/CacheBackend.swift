/// A cache, wherever its entries live: Django's cache API (`BaseCache`) as `async throws`
/// requirements, so that code written against `some CacheBackend` runs on ``LocMemCache`` (one
/// process) or on a cache server (`RedisCache` in `LocMemRedis`, shared by processes and machines)
/// by configuration only — Django's `CACHES["default"]["BACKEND"]`.
///
/// ```swift
/// func greeting(from cache: some CacheBackend) async throws -> String {
///     try await cache.getOrSet("greeting", timeout: .default, version: nil) { "hello" }
/// }
/// try await greeting(from: try LocMemCache(location: "app"))
/// try await greeting(from: try await RedisCache(url: "redis://127.0.0.1:6379/0"))
/// ```
///
/// Values are `Codable & Sendable`: a server stores bytes, so what is cached must be encodable.
/// The semantics are ``LocMemCache``'s (see there): a missing, expired or differently-typed entry is
/// a miss; `timeout: 0` does not keep the value; `incr` of a missing key throws
/// ``CacheError/keyNotFound(_:)``. Every requirement but `getOrSet` (which also rethrows its
/// loader's error) throws only ``CacheError``; a server backend adds the failures of a network:
/// ``CacheError/connectionFailed(_:)`` and the other server cases.
///
/// The requirements take every argument (protocol requirements cannot have defaults, and
/// defaulted `async` overloads in a protocol extension would win over ``LocMemCache``'s synchronous
/// methods in `async` code, forcing `await` on existing callers). Concrete types offer the defaults;
/// generic code passes `timeout: .default` and `version: nil`.
///
/// - Note: Conforming types are `Sendable` and every requirement is safe to call concurrently.
public protocol CacheBackend: Sendable {
    /// The final key stored for `key` (Django's `make_key`): prefix, version and key function applied.
    func makeKey(_ key: String, version: Int?) -> String

    /// The live value of `key` if it is a `V`, else `nil`. Django's `get`.
    func get<V: Codable & Sendable>(_ key: String, as type: V.Type, version: Int?) async throws(CacheError) -> V?

    /// The live values of `keys` that are `V`s, keyed by the caller's keys. Django's `get_many`.
    func getMany<V: Codable & Sendable>(_ keys: [String], as type: V.Type, version: Int?) async throws(CacheError)
        -> [String: V]

    /// Stores `value` under `key`; a timeout of 0 or less removes the key. Django's `set`.
    func set<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout, version: Int?
    ) async throws(CacheError)

    /// Stores `value` only if `key` is absent; `true` if it was. Django's `add`.
    func add<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout, version: Int?
    ) async throws(CacheError) -> Bool

    /// Gives a live key a new expiry; `true` if it was live. Django's `touch`.
    func touch(_ key: String, timeout: CacheTimeout, version: Int?) async throws(CacheError) -> Bool

    /// Removes `key`; `true` if a live value was removed. Django's `delete`.
    func delete(_ key: String, version: Int?) async throws(CacheError) -> Bool

    /// Whether `key` holds a live value. Django's `has_key`.
    func hasKey(_ key: String, version: Int?) async throws(CacheError) -> Bool

    /// Adds `delta` to the integer under `key`, atomically; the new value. Django's `incr`.
    func incr(_ key: String, by delta: Int, version: Int?) async throws(CacheError) -> Int

    /// Subtracts `delta` from the integer under `key`, atomically; the new value. Django's `decr`.
    func decr(_ key: String, by delta: Int, version: Int?) async throws(CacheError) -> Int

    /// Stores every value; the keys that could not be stored. Django's `set_many`.
    func setMany<V: Codable & Sendable>(
        _ values: [String: V], timeout: CacheTimeout, version: Int?
    ) async throws(CacheError) -> [String]

    /// Removes every key. Django's `delete_many`.
    func deleteMany(_ keys: [String], version: Int?) async throws(CacheError)

    /// The value under `key`, or `makeValue()`'s result, stored and returned. Django's `get_or_set`,
    /// single-flight within the process.
    func getOrSet<V: Codable & Sendable>(
        _ key: String, timeout: CacheTimeout, version: Int?, default makeValue: @Sendable () async throws -> V
    ) async throws -> V

    /// Moves the value of `key` to `version + delta`; the new version. Django's `incr_version`.
    func incrVersion(_ key: String, by delta: Int, version: Int?) async throws(CacheError) -> Int

    /// Moves the value of `key` to `version - delta`; the new version. Django's `decr_version`.
    func decrVersion(_ key: String, by delta: Int, version: Int?) async throws(CacheError) -> Int

    /// Removes this cache's entries. Django's `clear` (see each backend for which entries).
    func clear() async throws(CacheError)

    /// Releases what the cache holds open (connections). Django's `close`.
    func close() async
}

// MARK: - Helpers for backends in this package

extension CacheConfiguration {
    /// Django's `make_key` under this configuration: the key function (or the default
    /// `"\(prefix):\(version):\(key)"`) applied with `version`, or the configured version when `nil`.
    package func finalKey(_ key: String, version: Int?) -> String {
        let version = version ?? self.version
        if let customKeyFunction {
            return customKeyFunction(key, keyPrefix, version)
        }
        return CacheConfiguration.defaultKey(key, prefix: keyPrefix, version: version)
    }

    /// Whether keys are made by Django's default `"\(prefix):\(version):\(key)"` (no key function given).
    package var usesDefaultKeyFunction: Bool { customKeyFunction == nil }

    /// Throws ``CacheError/invalidConfiguration(field:reason:)`` for the fields every backend uses
    /// (the default timeout).
    package func validateForBackend() throws(CacheError) {
        try validate()
    }
}

extension CacheKeyWarning {
    /// Django's `validate_key` for `finalKey`: the memcached-portability warnings it deserves.
    package static func portabilityWarnings(for finalKey: String) -> [CacheKeyWarning] {
        warnings(for: finalKey)
    }
}
