/// How long a value stays in the cache, given per call.
///
/// Django's `timeout` argument: `DEFAULT_TIMEOUT` is ``default``, `None` is ``never``, and a number
/// of seconds is ``seconds(_:)``, written as a plain literal:
///
/// ```swift
/// cache.set("a", 1)                   // the configuration's timeout (300 s unless configured)
/// cache.set("b", 2, timeout: 30)      // 30 seconds
/// cache.set("c", 3, timeout: 0.5)     // half a second
/// cache.set("d", 4, timeout: .never)  // until deleted, culled or cleared
/// cache.set("e", 5, timeout: 0)       // not kept: any value under "e" is removed
/// ```
public enum CacheTimeout: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The cache configuration's ``CacheConfiguration/timeout``.
    case `default`
    /// The entry never expires (Django's `None`).
    case never
    /// The entry expires after this many seconds. Zero or a negative number means the value is not
    /// kept at all (as in Django, where such an entry is expired at once). `.infinity` means
    /// ``never``; `.nan` is treated as zero (not kept), since no deadline can be derived from it.
    case seconds(Double)

    public init(integerLiteral value: Int) {
        self = .seconds(Double(value))
    }

    public init(floatLiteral value: Double) {
        self = .seconds(value)
    }
}
