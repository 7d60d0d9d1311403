/// The settings of one ``LocMemCache``: Django's `CACHES` entry (`TIMEOUT`, `OPTIONS`,
/// `KEY_PREFIX`, `VERSION`, `KEY_FUNCTION`).
///
/// ```swift
/// let cache = try LocMemCache(
///     location: "books",
///     configuration: CacheConfiguration(timeout: 60, maxEntries: 10_000, keyPrefix: "bookstore")
/// )
/// ```
///
/// The values are checked when a cache is created: an invalid one makes
/// ``LocMemCache/init(location:configuration:clock:)`` throw
/// ``CacheError/invalidConfiguration(field:reason:)``.
public struct CacheConfiguration: Sendable {
    /// Builds the final key from the caller's key, the prefix and the version.
    public typealias KeyFunction = @Sendable (_ key: String, _ prefix: String, _ version: Int) -> String

    /// The default timeout in seconds for operations given ``CacheTimeout/default``: 300 unless
    /// set; `nil` means entries never expire; `0` means values are not kept. Must be finite and
    /// not negative.
    public var timeout: Double?
    /// The most entries the shared store may hold before an insert culls (Django's
    /// `MAX_ENTRIES`). Default 300; at least 1.
    public var maxEntries: Int
    /// The fraction of entries culled when the store is full: `count / cullFrequency` of the
    /// least recently used, at least one; 0 empties the store (Django's `CULL_FREQUENCY`).
    /// Default 3; not negative.
    public var cullFrequency: Int
    /// Prepended to every key by the default key function (Django's `KEY_PREFIX`).
    public var keyPrefix: String
    /// The version used when an operation is given none (Django's `VERSION`). Default 1.
    public var version: Int
    /// Builds final keys; default ``defaultKeyFunction`` (`"prefix:version:key"`).
    public var keyFunction: KeyFunction {
        get { customKeyFunction ?? CacheConfiguration.defaultKeyFunction }
        set { customKeyFunction = newValue }
    }
    /// The key function given by the user; `nil` selects the built-in default, which the cache
    /// runs without a closure call or string interpolation.
    private(set) var customKeyFunction: KeyFunction?
    /// Receives every ``CacheKeyWarning``; when `nil`, warnings are logged through swift-log at
    /// `.warning`. Called on the thread of the operation, never while the cache holds a lock.
    public var onKeyWarning: (@Sendable (CacheKeyWarning) -> Void)?

    /// A configuration with Django's defaults for every field not given.
    ///
    /// Nothing is checked here; ``LocMemCache/init(location:configuration:clock:)`` validates.
    public init(
        timeout: Double? = 300,
        maxEntries: Int = 300,
        cullFrequency: Int = 3,
        keyPrefix: String = "",
        version: Int = 1,
        keyFunction: KeyFunction? = nil,
        onKeyWarning: (@Sendable (CacheKeyWarning) -> Void)? = nil
    ) {
        self.timeout = timeout
        self.maxEntries = maxEntries
        self.cullFrequency = cullFrequency
        self.keyPrefix = keyPrefix
        self.version = version
        self.customKeyFunction = keyFunction
        self.onKeyWarning = onKeyWarning
    }

    /// Django's `default_key_func`: `"\(prefix):\(version):\(key)"`.
    public static let defaultKeyFunction: KeyFunction = { key, prefix, version in
        defaultKey(key, prefix: prefix, version: version)
    }

    /// `"\(prefix):\(version):\(key)"`, written straight into the string's storage: one
    /// allocation at most (none when the result fits a small string, 15 UTF-8 bytes).
    ///
    /// - Complexity: O(*n*) in the lengths of prefix and key.
    @inline(__always)
    static func defaultKey(_ key: String, prefix: String, version: Int) -> String {
        let count = prefix.utf8.count + KeyBytes.decimalLength(of: version) + key.utf8.count + 2
        return String(unsafeUninitializedCapacity: count) { output in
            guard let base = output.baseAddress else { return 0 }
            return KeyBytes.writeDefaultKey(prefix: prefix, version: version, key: key, to: UnsafeMutableRawPointer(base))
        }
    }

    /// Throws the first invalid field, by name.
    func validate() throws(CacheError) {
        if let timeout {
            if !timeout.isFinite {
                throw .invalidConfiguration(field: "timeout", reason: "must be finite, got \(timeout)")
            }
            if timeout < 0 {
                throw .invalidConfiguration(field: "timeout", reason: "must not be negative, got \(timeout)")
            }
        }
        if maxEntries < 1 {
            throw .invalidConfiguration(field: "maxEntries", reason: "must be at least 1, got \(maxEntries)")
        }
        if cullFrequency < 0 {
            throw .invalidConfiguration(field: "cullFrequency", reason: "must not be negative, got \(cullFrequency)")
        }
    }
}
