import Logging

/// A per-process, thread-safe, in-memory cache: Django's `LocMemCache` in Swift.
///
/// ```swift
/// let cache = try LocMemCache(location: "unique-snowflake")
/// cache.set("greeting", "hello", timeout: 30)
/// let greeting: String? = cache.get("greeting")          // "hello"
/// let answer = cache.getOrSet("answer", timeout: .never) { 42 }
/// ```
///
/// Entries live in the memory of this process only: they are not shared with other processes and
/// are gone after a restart. Where several processes must see one cache, use a cache server
/// (Redis, Memcached); the API here mirrors Django's, so code written against it moves over.
///
/// Caches created with the same `location` share one store, as Django's do: a value set through
/// one is visible through the other (with the same prefix, version and key function). Each
/// instance applies its own configuration; `maxEntries`, culling and ``clear()`` act on the whole
/// store.
///
/// **Recency and culling.** `get`, `set`, `add` (when it stores), `incr`/`decr` and `getOrSet`
/// make a key the most recently used; `touch` and `hasKey` do not. When the store holds
/// `maxEntries` entries, inserting a new key first removes `count / cullFrequency` of the least
/// recently used (at least one), or all of them when `cullFrequency` is 0. Unlike Django, which can
/// grow past the limit, the store never holds more than `maxEntries`.
///
/// **Expiry.** An entry expires when its deadline is reached (`deadline <= now`) on the cache's
/// ``CacheClock``; an expired entry behaves as absent and is removed when an operation meets it.
///
/// **Recency under concurrency.** Least-recently-used order is exact for the operations of one
/// thread. Uses by several threads are ordered by a Lamport clock (see the README's "Thread-safety
/// and performance"): a thread's uses in the order it made them; writes of a shard (one of 16, by
/// key hash) in the order its lock admitted them; and any use after a use by another thread that
/// was followed by 64 more of that thread's recency stamps. Closer uses by different threads may be
/// ordered either way. A task that resumes on another thread between two uses counts as two
/// threads.
///
/// - Note: Every method is thread-safe. Operations on one key are atomic; multi-key operations
///   (`getMany`, `setMany`, `deleteMany`, `incrVersion`) are sequences of single-key operations,
///   as in Django. A `get` of a live key allocates nothing. On a shard that is mostly read it takes
///   no lock and writes only the entry it read (when its recency stamp changes) and memory of its
///   own thread, so hits scale with cores, on different keys and on one hot key alike; on a shard
///   that was written recently it takes the shard's lock, until enough reads have passed.
public final class LocMemCache: Sendable {
    /// The store's name: caches with the same location share entries.
    public let location: String
    /// This instance's settings (prefix, version, key function, limits, default timeout).
    public let configuration: CacheConfiguration
    let clock: ExpiryClock
    let store: Store
    let limits: Store.Limits
    private let logger: Logger
    /// `"\(prefix):\(version):"` at the configured version, ready for reads to append keys to
    /// (``InlineKey``); `nil` when the prefix is too long for that.
    private let keyHead: InlineKey?
    /// Whether the prefix holds a character memcached rejects: then so does every final key.
    private let prefixIsUnportable: Bool

    /// Creates a cache on the store named `location`, creating the store if it is new.
    ///
    /// - Parameters:
    ///   - location: The store's name (Django's `LOCATION`). The empty string is a valid name.
    ///   - configuration: Timeout, limits, key prefix, version, key function, warning handler.
    ///   - clock: The time source for expiry; ``ManualClock`` in tests.
    /// - Throws: ``CacheError/invalidConfiguration(field:reason:)`` naming the first invalid field.
    public init(
        location: String = "",
        configuration: CacheConfiguration = .init(),
        clock: any CacheClock = MonotonicClock()
    ) throws(CacheError) {
        try configuration.validate()
        self.location = location
        self.configuration = configuration
        self.clock = ExpiryClock(clock)
        self.store = Store.named(location)
        self.limits = Store.Limits(maxEntries: configuration.maxEntries, cullFrequency: configuration.cullFrequency)
        self.logger = Logger(label: "LocMem")
        self.keyHead = InlineKey(prefix: configuration.keyPrefix, version: configuration.version)
        self.prefixIsUnportable = CacheKeyWarning.containsUnportableByte(configuration.keyPrefix)
    }

    // MARK: - Keys

    /// The final key stored for `key`: the key function applied to the key, the prefix and the
    /// version (the configuration's when `version` is `nil`).
    ///
    /// Django's `make_key`. With the default key function: `"\(prefix):\(version):\(key)"`.
    public func makeKey(_ key: String, version: Int? = nil) -> String {
        let version = version ?? configuration.version
        if let keyFunction = configuration.customKeyFunction {
            return keyFunction(key, configuration.keyPrefix, version)
        }
        return CacheConfiguration.defaultKey(key, prefix: configuration.keyPrefix, version: version)
    }

    /// `makeKey` plus Django's `validate_key`: reports memcached-unportable keys.
    func makeValidatedKey(_ key: String, version: Int?) -> String {
        let finalKey = makeKey(key, version: version)
        let warnings = CacheKeyWarning.warnings(for: finalKey)
        if !warnings.isEmpty { report(warnings) }
        return finalKey
    }

    private func report(_ warnings: [CacheKeyWarning]) {
        for warning in warnings {
            if let handler = configuration.onKeyWarning {
                handler(warning)
            } else {
                logger.warning("\(warning.message)")
            }
        }
    }

    // MARK: - Time

    /// The deadline for an entry written now with `timeout`; `nil` when the value is not to be kept.
    func deadline(for timeout: CacheTimeout, now: Double) -> Double? {
        let seconds: Double
        switch timeout {
        case .never:
            return .infinity
        case .default:
            guard let configured = configuration.timeout else { return .infinity }
            seconds = configured
        case .seconds(let value):
            seconds = value
        }
        if seconds.isNaN || seconds <= 0 { return nil }
        if seconds == .infinity { return .infinity }
        return now + seconds
    }

    // MARK: - Single keys

    /// The value stored under `key`, if it is live and a `V`.
    ///
    /// Django's `get`. A missing or expired key, or a value of another type, is a miss (`nil`).
    /// A stored `Optional.none` is a hit: `get(k, as: Int?.self)` returns `.some(nil)`. A hit makes
    /// the key the most recently used.
    ///
    /// - Complexity: O(1), plus building and checking the key (O(key length)).
    @inlinable
    public func get<V>(_ key: String, as type: V.Type = V.self, version: Int? = nil) -> V? {
        // Inlinable so that the cast below is specialized for the caller's concrete type.
        var result: V?
        _read(key, version: version) { value in
            result = LocMemCache._cast(value, to: V.self)
            return result != nil
        }
        return result
    }

    /// `stored.pointee as? V`, read in place, with a fast path for the common case of a value
    /// stored as exactly `V`: its payload is copied straight out of the existential container,
    /// without copying the container or calling the runtime's general cast.
    ///
    /// The fast path relies on the layout of an opaque existential container, which the Swift ABI
    /// fixes (docs/ABI/TypeLayout.rst): a three-word buffer, then the type's metadata. A value of
    /// at most three words, word-aligned and bitwise takable lies in the buffer; any other in a heap
    /// box the buffer's first word points to, after the box's two-word header rounded up to the
    /// value's alignment. `LocMemCacheValueTypesTests` reads back every kind of type through both
    /// (small, large, over-aligned, not bitwise takable, raw layout, classes, optionals) and the
    /// `as?` path (another type, a supertype, an existential).
    @inlinable
    package static func _cast<V>(_ stored: UnsafePointer<any Sendable>, to type: V.Type) -> V? {
        let container = UnsafeRawPointer(stored)
        let word = MemoryLayout<Int>.size
        let storedType = container.load(fromByteOffset: 3 &* word, as: UnsafeRawPointer.self)
        guard storedType == unsafeBitCast(V.self as Any.Type, to: UnsafeRawPointer.self) else {
            return stored.pointee as? V
        }
        if MemoryLayout<V>.size <= 3 &* word, MemoryLayout<V>.alignment <= word, _isBitwiseTakable(V.self) {
            return container.load(as: V.self)
        }
        let alignmentMask = MemoryLayout<V>.alignment &- 1
        let payloadOffset = (2 &* word &+ alignmentMask) & ~alignmentMask
        return container.load(as: UnsafeRawPointer.self).load(fromByteOffset: payloadOffset, as: V.self)
    }

    /// Offers the live value of `key` to `accept` under the shard lock; a hit if it accepts. See
    /// `Store.read`.
    ///
    /// With the default key function the final key is built on the stack, not as a `String`
    /// (``InlineKey``).
    @usableFromInline
    func _read(_ key: String, version: Int?, _ accept: (UnsafePointer<any Sendable>) -> Bool) {
        let version = version ?? configuration.version
        read(version: version, counting: .hitsAndMisses, appending: { $0.append(key) }, key: { key }, accept)
    }

    /// `get`'s read for a key given as its UTF-8 bytes, at the configured version: for another module of
    /// this package that builds its keys on the stack (QueryCache), so that a hit makes no `String`.
    ///
    /// Behaves as ``get(_:as:version:)`` with `String(decoding: keyBytes, as: UTF8.self)`, but that with
    /// `countingMisses` false, a miss is not counted in ``statistics`` (the caller goes on to an operation
    /// that counts it, such as ``getOrSet(_:timeout:version:default:)-(_,_,_,()throws(E)->V)``).
    @usableFromInline
    package func _read(keyBytes: UnsafeRawBufferPointer, countingMisses: Bool, _ accept: (UnsafePointer<any Sendable>) -> Bool) {
        read(
            version: configuration.version, counting: countingMisses ? .hitsAndMisses : .hitsOnly,
            appending: { $0.append(bytes: keyBytes) }, key: { String(decoding: keyBytes, as: UTF8.self) }, accept
        )
    }

    /// The one read of both `_read`s: the final key on the stack when it fits (`appending` appends the key
    /// to its head), else built as a `String` from `key()`.
    @inline(__always)
    private func read(
        version: Int, counting: Store.ReadCounting, appending append: (inout InlineKey) -> Bool, key: () -> String,
        _ accept: (UnsafePointer<any Sendable>) -> Bool
    ) {
        guard var inlineKey = inlineKey(version: version, appending: append) else {
            let finalKey = makeValidatedKey(key(), version: version)
            store.read(finalKey, store.hash(finalKey), clock: clock, counting: counting, accept)
            return
        }
        inlineKey.withBytes { bytes in
            store.read(
                store.hash(bytes: bytes), hasReached: { clock.hasReached($0) }, counting: counting,
                accept
            ) { stored in
                KeyBytes.with(stored) { KeyBytes.equal($0, bytes) }
            }
        }
    }

    /// The final key built on the stack (``InlineKey``), any key warning reported; `nil` when
    /// there is a custom key function or the key does not fit: then the caller builds the final
    /// key as a `String`.
    @inline(__always)
    private func inlineKey(_ key: String, version: Int) -> InlineKey? {
        inlineKey(version: version) { $0.append(key) }
    }

    /// ``inlineKey(_:version:)`` for a key that `append` appends to the head.
    @inline(__always)
    private func inlineKey(version: Int, appending append: (inout InlineKey) -> Bool) -> InlineKey? {
        guard var inlineKey = version == configuration.version
                ? keyHead : InlineKey(prefix: configuration.keyPrefix, version: version),
              configuration.customKeyFunction == nil
        else { return nil }
        let headCount = inlineKey.count
        guard append(&inlineKey) else { return nil }
        // At most 64 bytes: never too long for memcached, so only the characters need a look,
        // and only the key's (the head's digits and colons are portable, its prefix known).
        let unportable = prefixIsUnportable || inlineKey.withBytes { bytes in
            CacheKeyWarning.containsUnportableByte(UnsafeRawBufferPointer(rebasing: bytes[headCount...]))
        }
        if unportable {
            report([CacheKeyWarning(key: inlineKey.withBytes { String(decoding: $0, as: UTF8.self) }, kind: .invalidCharacter)])
        }
        return inlineKey
    }

    /// The value stored under `key`, or `default` on a miss. Django's `get(key, default)`.
    @inlinable
    public func get<V>(_ key: String, default: V, version: Int? = nil) -> V {
        get(key, as: V.self, version: version) ?? `default`
    }

    /// Stores `value` under `key`, replacing any value there. Django's `set`.
    ///
    /// A `timeout` of 0 or less removes the key instead (the value is not kept). Storing a new key
    /// into a full store first culls least-recently-used entries.
    ///
    /// - Complexity: O(1) amortized; a cull is O(culled entries).
    public func set<V: Sendable>(_ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil) {
        write(key, version: version, value, timeout: timeout, mode: .set)
    }

    /// Stores `value` only if `key` is absent or expired. Django's `add`.
    ///
    /// - Returns: `true` if the key was absent or expired (even when a timeout of 0 means the
    ///   value is not kept), `false` if a live value was left in place.
    @discardableResult
    public func add<V: Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil
    ) -> Bool {
        write(key, version: version, value, timeout: timeout, mode: .add)
    }

    /// `set` or `add` of `key`: with the default key function, the final key is built on the
    /// stack, and a `String` of it only when a new entry is inserted.
    private func write(
        _ key: String, version: Int?, _ value: any Sendable, timeout: CacheTimeout, mode: Store.WriteMode
    ) -> Bool {
        let version = version ?? configuration.version
        guard var inlineKey = inlineKey(key, version: version) else {
            return write(makeValidatedKey(key, version: version), value, timeout: timeout, mode: mode)
        }
        let now = clock.now()
        return inlineKey.withBytes { bytes in
            store.write(
                store.hash(bytes: bytes), value: value, deadline: deadline(for: timeout, now: now), mode: mode,
                now: now, limits: limits,
                matching: { stored in KeyBytes.with(stored) { KeyBytes.equal($0, bytes) } },
                key: { String(decoding: bytes, as: UTF8.self) }
            )
        }
    }

    @discardableResult
    func write(_ finalKey: String, _ value: any Sendable, timeout: CacheTimeout, mode: Store.WriteMode) -> Bool {
        let now = clock.now()
        return store.write(
            finalKey, store.hash(finalKey), value: value, deadline: deadline(for: timeout, now: now), mode: mode,
            now: now, limits: limits
        )
    }

    /// Gives a live key a new expiry, counted from now. Django's `touch`.
    ///
    /// Recency is not changed. A `timeout` of 0 or less expires the key at once.
    ///
    /// - Returns: `true` if the key was live, `false` if it was missing or expired.
    @discardableResult
    public func touch(_ key: String, timeout: CacheTimeout = .default, version: Int? = nil) -> Bool {
        let finalKey = makeValidatedKey(key, version: version)
        return store.touch(finalKey, store.hash(finalKey), deadline: deadline(for: timeout, now: clock.now()), clock: clock)
    }

    /// Removes `key`. Django's `delete`.
    ///
    /// - Returns: `true` if a live value was removed; `false` if the key was missing or had
    ///   expired (an expired entry is removed all the same).
    @discardableResult
    public func delete(_ key: String, version: Int? = nil) -> Bool {
        let finalKey = makeValidatedKey(key, version: version)
        return store.delete(finalKey, store.hash(finalKey), clock: clock)
    }

    /// Whether `key` holds a live value. Django's `has_key`; recency is not changed.
    public func hasKey(_ key: String, version: Int? = nil) -> Bool {
        let finalKey = makeValidatedKey(key, version: version)
        return store.contains(finalKey, store.hash(finalKey), clock: clock)
    }

    /// Adds `delta` to the `Int` stored under `key`, atomically. Django's `incr`.
    ///
    /// The entry keeps its expiry and becomes the most recently used.
    ///
    /// - Returns: The new value.
    /// - Throws: ``CacheError/keyNotFound(_:)`` if the key is missing or expired,
    ///   ``CacheError/notAnInteger(_:)`` if the value is not an `Int`, ``CacheError/overflow(_:)``
    ///   if the result does not fit (the value is left as it was). The error names the final key.
    @discardableResult
    public func incr(_ key: String, by delta: Int = 1, version: Int? = nil) throws(CacheError) -> Int {
        let finalKey = makeValidatedKey(key, version: version)
        return try store.adjust(finalKey, store.hash(finalKey), clock: clock) { value in
            let (result, overflow) = value.addingReportingOverflow(delta)
            return overflow ? nil : result
        }
    }

    /// Subtracts `delta` from the `Int` stored under `key`, atomically. Django's `decr`.
    ///
    /// - Throws: As ``incr(_:by:version:)``.
    @discardableResult
    public func decr(_ key: String, by delta: Int = 1, version: Int? = nil) throws(CacheError) -> Int {
        let finalKey = makeValidatedKey(key, version: version)
        return try store.adjust(finalKey, store.hash(finalKey), clock: clock) { value in
            let (result, overflow) = value.subtractingReportingOverflow(delta)
            return overflow ? nil : result
        }
    }

    // MARK: - Whole store

    /// Removes every entry of the shared store, whatever its prefix or version. Django's `clear`.
    ///
    /// - Complexity: O(*n*); holds every shard's lock meanwhile.
    public func clear() {
        store.removeAll()
    }

    /// Does nothing, as Django's `LocMemCache.close()`: there is no connection to close, and the
    /// cache stays usable. Present so code written for a cache server moves over unchanged.
    public func close() {}

    /// Entries in the shared store, expired ones not yet removed included.
    public var count: Int {
        store.count.load(ordering: .relaxed)
    }

    /// The shared store's counters (**beyond** Django). Summed shard by shard, so a snapshot taken
    /// while other threads write may mix moments.
    public var statistics: CacheStatistics {
        store.statistics
    }

    /// Sets the shared store's counters to zero.
    public func resetStatistics() {
        store.resetStatistics()
    }
}
