import LocMem
import Logging
import NIOCore
import RedisClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A ``RedisCache`` with a ``LocMemCache`` in front of it in every process, kept coherent by the
/// Redis server itself: reads at LocMem's speed, and another process's write seen by the next read
/// within the invalidation delay (a fraction of a millisecond on one machine).
///
/// ```swift
/// let cache = try await NearCache(
///     url: "redis://127.0.0.1:6379/0", configuration: CacheConfiguration(keyPrefix: "shop")
/// )
/// try await cache.set("greeting", "hello", timeout: 30)     // to Redis; the near copy is dropped
/// let a: String? = try await cache.get("greeting")           // from Redis, kept near
/// let b: String? = try await cache.get("greeting")           // from memory: no round trip
/// await cache.close()
/// ```
///
/// No Django counterpart: Django's cache backends have no near level (its closest is a
/// `LocMemCache` and a `RedisCache` used by hand, with the local copy stale after another process
/// writes). Named after the *near cache* of distributed caches (Hazelcast, Coherence, Infinispan),
/// a type beside ``RedisCache`` rather than an option of it, because it adds state (a second
/// connection, a memory level, a heartbeat) and a contract (bounded staleness, see below) that a
/// plain ``RedisCache`` does not have.
///
/// **Reads** (`get`, `getMany`, `hasKey`, `getOrSet`) are served by the near level when it holds the
/// key, and otherwise read Redis (`GET` and `PTTL` in one round trip) and keep the value near for
/// ``NearCacheOptions/nearTimeout`` at most, never past its expiry on the server. **Writes** (`set`,
/// `add`, `touch`, `delete`, `incr`, ..., `clear`) go to Redis, and drop the near copy once they
/// return, so this process reads its own writes at once.
///
/// **Coherence.** A dedicated connection turns on Redis's server-assisted client-side caching in
/// broadcast mode for the cache's key prefix (`CLIENT TRACKING on BCAST PREFIX <prefix>:` over
/// RESP3): whenever any client sets, deletes, expires or evicts a key under the prefix, the server
/// pushes an invalidation, and every process drops the key from its near level; `FLUSHDB` and
/// `FLUSHALL` empty it (of any database: the server's tracking does not tell databases apart). The races that Redis's client-side caching document names are handled:
///
/// - An invalidation that arrives before the reply of the read it concerns: the key is marked as
///   loading before the read is sent, the invalidation removes the mark, and the reply is then not
///   kept (the placeholder rule; counted in ``NearCacheStatistics/discardedFills``).
/// - The invalidation connection is lost (server restart, `CLIENT KILL`, network): the near level is
///   flushed the moment the close is seen, and stays off (every read goes to Redis) until a new
///   connection has tracking on. A `PING` every ``NearCacheOptions/heartbeatInterval`` that is not
///   answered within ``NearCacheOptions/heartbeatTimeout`` drops the connection the same way, for a
///   connection that dies without a close reaching this process.
/// - Anything unforeseen: no value stays near longer than ``NearCacheOptions/nearTimeout``.
///
/// **The staleness bound.** A read that starts after another process's write returned sees the new
/// value, or a newer one, once the invalidation has arrived: the *invalidation delay*, measured by
/// `locmem bench` (see the README; a few hundred microseconds on loopback, on a busy two-core
/// machine) and tested against a bound of 250 ms. When the invalidation connection dies without a close, the bound is
/// `heartbeatInterval + heartbeatTimeout`; in every case, `nearTimeout`.
///
/// The server must support client-side caching (Redis 6 or later, RESP3). Without it, or while the
/// invalidation connection is down, the near level stays empty and the cache works as a plain
/// ``RedisCache`` (logged at `.warning`; ``isNearLevelActive`` is `false`).
///
/// - Note: `Sendable`; every method is safe to call from any task, concurrently. A near hit costs a
///   LocMem `get` (one shard lock, no allocation, no decoding: the near level keeps decoded values).
///   The reads are `nonisolated(nonsending)`: they run on the caller's executor, so a hit does not
///   hop to the global executor and back (a hop cost about 300 ns a call with NIO's event loop as
///   the global executor, as the CLI has it).
public final class NearCache: CacheBackend {
    /// The server level: every write, and every read the near level cannot serve, goes to it.
    public let redis: RedisCache
    /// The near level's settings.
    public let nearOptions: NearCacheOptions

    let level: NearLevel
    private let tracking: RedisTrackingConnection
    private let logger = Logger(label: "LocMemRedis.NearCache")
    private static let instances = Atomic<Int>(0)

    /// Connects to the server at `url` (as ``RedisCache/init(url:configuration:options:)``), opens
    /// the invalidation connection and returns the cache once tracking is on (or its first attempt
    /// failed: then the near level stays off until an attempt succeeds, and reads go to Redis).
    ///
    /// - Parameters:
    ///   - configuration: As for ``RedisCache``: prefix, version, key function and the default
    ///     timeout apply to both levels; the near level's size is ``NearCacheOptions/maxEntries``.
    ///   - options: The Redis connections' settings (pool, timeouts, reconnection backoff, also used
    ///     by the invalidation connection).
    ///   - nearOptions: The near level's lifetime bound, size and heartbeat.
    /// - Throws: ``CacheError/invalidConfiguration(field:reason:)`` for a malformed URL or an invalid
    ///   configuration or option; ``CacheError/connectionFailed(_:)`` when the server cannot be reached.
    public init(
        url: String, configuration: CacheConfiguration = .init(), options: RedisCacheOptions = .init(),
        nearOptions: NearCacheOptions = .init()
    ) async throws(CacheError) {
        try Self.validate(nearOptions)
        let redis = try await RedisCache(url: url, configuration: configuration, options: options)
        self.redis = redis
        self.nearOptions = nearOptions
        let instance = Self.instances.add(1, ordering: .relaxed).newValue
        let level = try NearLevel(
            location: "LocMemRedis.NearCache-\(instance)", configuration: configuration,
            maxEntries: nearOptions.maxEntries
        )
        self.level = level
        self._near = level.values
        let logger = self.logger
        let failures = FailureCount()
        tracking = RedisTrackingConnection(
            endpoint: redis.pool.endpoint,
            options: RedisTrackingConnection.Options(
                prefixes: Self.trackedPrefixes(configuration),
                clientName: "locmem-near-\(getpid())-\(instance)",
                heartbeatInterval: Self.timeAmount(nearOptions.heartbeatInterval),
                heartbeatTimeout: Self.timeAmount(nearOptions.heartbeatTimeout),
                connectTimeout: Self.timeAmount(options.connectTimeout),
                initialBackoff: Self.timeAmount(options.initialReconnectBackoff),
                maximumBackoff: Self.timeAmount(options.maximumReconnectBackoff)
            )
        ) { [level] event in
            switch event {
            case .invalidated(let keys):
                level.invalidate(keys, fromServer: true)
            case .invalidatedAll:
                level.flush()
            case .tracking(let generation):
                level.enable(trackedBy: generation)
                if failures.count.exchange(0, ordering: .relaxed) > 0 {
                    logger.notice("near level back on: invalidation connection has tracking on")
                }
            case .lost(let generation, let reason):
                level.disable(trackedBy: generation)
                logger.warning("near level flushed and off until the invalidation connection is back: \(reason)")
            case .failed(let reason):
                // Each outage is logged once at .warning, its retries at .debug.
                if failures.count.add(1, ordering: .relaxed).newValue == 1 {
                    logger.warning("near level off, every read goes to Redis: \(reason)")
                } else {
                    logger.debug("invalidation connection still failing: \(reason)")
                }
            }
        }
        await tracking.start()
    }

    /// Failed attempts of the invalidation connection since it last had tracking on (a class: an
    /// `Atomic` cannot be captured by the event handler).
    private final class FailureCount: Sendable {
        let count = Atomic<Int>(0)
    }

    private static func validate(_ options: NearCacheOptions) throws(CacheError) {
        func seconds(_ value: Double, _ field: String) throws(CacheError) {
            guard value.isFinite, value > 0, value < 1e9 else {
                throw .invalidConfiguration(
                    field: field, reason: "must be a finite number of seconds above 0, got \(value)"
                )
            }
        }
        try seconds(options.nearTimeout, "nearTimeout")
        try seconds(options.heartbeatInterval, "heartbeatInterval")
        try seconds(options.heartbeatTimeout, "heartbeatTimeout")
        guard options.maxEntries >= 1 else {
            throw .invalidConfiguration(field: "maxEntries", reason: "must be at least 1, got \(options.maxEntries)")
        }
    }

    /// The prefix of every key the cache makes: `"<keyPrefix>:"` with the default key function
    /// (so `shop` is not told about `shopping:...`), else `keyPrefix` (all keys when it is empty).
    static func trackedPrefixes(_ configuration: CacheConfiguration) -> [String] {
        if configuration.usesDefaultKeyFunction { return [configuration.keyPrefix + ":"] }
        return configuration.keyPrefix.isEmpty ? [] : [configuration.keyPrefix]
    }

    private static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1e9))
    }

    // MARK: - State

    /// This cache's settings (those of ``redis``).
    public var configuration: CacheConfiguration { redis.configuration }

    /// The name of the invalidation connection on the server, as `CLIENT LIST` shows it:
    /// `locmem-near-<pid>-<n>`, `n` counting the near caches made in this process.
    public var trackingClientName: String { tracking.options.clientName ?? "" }

    /// Whether the near level is in use: the invalidation connection has tracking on. When `false`,
    /// the level is empty and every read goes to Redis.
    public var isNearLevelActive: Bool { level.isActive }

    /// Whether `key` is in the near level now (a read of it would not go to Redis, if of the type
    /// stored). For tests and diagnostics; recency is not changed.
    public func isNear(_ key: String, version: Int? = nil) -> Bool {
        level.values.hasKey(key, version: version)
    }

    /// What the near level did: hits, misses, fills, invalidations. See ``NearCacheStatistics``.
    public var statistics: NearCacheStatistics {
        let reads = level.values.statistics
        let counts = level.coherenceCounts
        return NearCacheStatistics(
            nearHits: reads.hits, nearMisses: reads.misses, fills: counts.fills,
            discardedFills: counts.discardedFills, invalidations: counts.invalidations, flushes: counts.flushes
        )
    }

    /// The final key stored for `key`, as ``RedisCache/makeKey(_:version:)``.
    public func makeKey(_ key: String, version: Int? = nil) -> String {
        redis.makeKey(key, version: version)
    }

    // MARK: - Reads

    /// The value stored under `key`, if it is live and a `V`. Django's `get`.
    ///
    /// From the near level when it holds the key as a `V` (no round trip, no decoding); else one
    /// round trip (`GET`, `PTTL`), and the value is kept near.
    ///
    /// - Complexity: A near hit is O(1) plus building the key, as ``LocMemCache/get(_:as:version:)``.
    @inlinable
    nonisolated(nonsending) public func get<V: Codable & Sendable>(
        _ key: String, as type: V.Type = V.self, version: Int? = nil
    ) async throws(CacheError) -> V? {
        if let value = _near.get(key, as: V.self, version: version) { return value }
        return try await _getFromRedis(key, as: V.self, version: version)
    }

    /// The near level's values (``NearLevel/values``), stored here so that the inlined hit path of
    /// ``get(_:as:version:)`` reaches them with one load.
    @usableFromInline
    let _near: LocMemCache

    /// A near miss: reads Redis and keeps the value near if nothing changed the key meanwhile.
    @usableFromInline
    func _getFromRedis<V: Codable & Sendable>(
        _ key: String, as type: V.Type, version: Int?
    ) async throws(CacheError) -> V? {
        // The key was checked (and any warning reported) by the near level's `get`.
        let finalKey = makeKey(key, version: version)
        guard let ticket = level.beginFill(finalKey) else {
            switch try await redis.run(RedisCommand("GET", [.string(finalKey)])) {
            case .null: return nil
            case .bulkString(let stored): return RedisValueCodec.decode(stored, as: V.self)
            case let reply: throw redis.unexpected(reply, to: "GET")
            }
        }
        let started = MonotonicClock().now()
        let replies: [RESPValue]
        do {
            replies = try await redis.run(pipeline: [
                RedisCommand("GET", [.string(finalKey)]), RedisCommand("PTTL", [.string(finalKey)]),
            ])
        } catch {
            level.abandon(ticket)
            throw error
        }
        guard replies.count == 2 else {
            level.abandon(ticket)
            throw redis.unexpected(.array(replies), to: "GET/PTTL")
        }
        let value: V?
        switch replies[0] {
        case .null:
            value = nil
        case .bulkString(let stored):
            value = RedisValueCodec.decode(stored, as: V.self)
        case let reply:
            level.abandon(ticket)
            throw redis.unexpected(reply, to: "GET")
        }
        level.completeFill(ticket, value, timeout: nearLifetime(pttl: replies[1], since: started))
        return value
    }

    /// How long a value read at `started` may stay near: ``NearCacheOptions/nearTimeout``, or less
    /// when the key expires sooner on the server (its `PTTL`, counted from before the read was sent,
    /// so the near copy never outlives the server's). 0 when the key is gone.
    func nearLifetime(pttl: RESPValue, since started: Double) -> Double {
        guard case .integer(let milliseconds) = pttl else { return 0 }
        if milliseconds == -1 { return nearOptions.nearTimeout }  // no expiry
        guard milliseconds >= 0 else { return 0 }  // -2: no such key
        let remaining = Double(milliseconds) / 1000 - (MonotonicClock().now() - started)
        return min(nearOptions.nearTimeout, remaining)
    }

    /// The value stored under `key`, or `default` on a miss. Django's `get(key, default)`.
    nonisolated(nonsending) public func get<V: Codable & Sendable>(
        _ key: String, default: V, version: Int? = nil
    ) async throws(CacheError) -> V {
        try await get(key, as: V.self, version: version) ?? `default`
    }

    /// The live values of `keys` that are `V`s, keyed by the caller's keys. Django's `get_many`.
    ///
    /// Keys in the near level are served from it; the rest are read in one round trip (`MGET` and a
    /// `PTTL` per key, pipelined) and kept near.
    nonisolated(nonsending) public func getMany<V: Codable & Sendable>(
        _ keys: [String], as type: V.Type = V.self, version: Int? = nil
    ) async throws(CacheError) -> [String: V] {
        var found = level.values.getMany(keys, as: V.self, version: version)
        let missing = keys.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        let finalKeys = missing.map { makeKey($0, version: version) }
        let tickets = finalKeys.map { level.beginFill($0) }
        let started = MonotonicClock().now()
        var commands = [RedisCommand("MGET", finalKeys.map { .string($0) })]
        commands += finalKeys.map { RedisCommand("PTTL", [.string($0)]) }
        let replies: [RESPValue]
        do {
            replies = try await redis.run(pipeline: commands)
        } catch {
            for ticket in tickets { if let ticket { level.abandon(ticket) } }
            throw error
        }
        guard replies.count == missing.count + 1, case .array(let values) = replies[0], values.count == missing.count
        else {
            for ticket in tickets { if let ticket { level.abandon(ticket) } }
            throw redis.unexpected(.array(replies), to: "MGET/PTTL")
        }
        for (index, key) in missing.enumerated() {
            var value: V?
            if case .bulkString(let stored) = values[index] {
                value = RedisValueCodec.decode(stored, as: V.self)
            }
            found[key] = value
            if let ticket = tickets[index] {
                level.completeFill(ticket, value, timeout: nearLifetime(pttl: replies[index + 1], since: started))
            }
        }
        return found
    }

    /// Whether `key` holds a live value. Django's `has_key`: `true` from the near level when it
    /// holds the key, else one `EXISTS`.
    nonisolated(nonsending) public func hasKey(_ key: String, version: Int? = nil) async throws(CacheError) -> Bool {
        if level.values.hasKey(key, version: version) { return true }
        return try await redis.integer(RedisCommand("EXISTS", [.string(makeKey(key, version: version))])) > 0
    }

    /// The value under `key`, or the result of `makeValue`, stored with `timeout` and returned.
    /// Django's `get_or_set`.
    ///
    /// A near hit returns at once; otherwise as ``get(_:as:version:)`` (the value found is kept
    /// near), and on a miss as ``RedisCache/getOrSet(_:timeout:version:default:)``: single-flight in
    /// this process, the loader's value stored with `SET NX`. A loaded value is not kept near: the
    /// server's invalidation of this very write would drop it; the next read keeps it.
    nonisolated(nonsending) public func getOrSet<V: Codable & Sendable>(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil,
        default makeValue: @Sendable () async throws -> V
    ) async throws -> V {
        if let value = try await get(key, as: V.self, version: version) { return value }
        defer { level.invalidate([makeKey(key, version: version)], fromServer: false) }
        return try await redis.getOrSet(key, timeout: timeout, version: version, default: makeValue)
    }

    // MARK: - Closing

    /// A cache dropped without ``close()`` stops its invalidation connection all the same.
    deinit {
        tracking.cancel()
    }

    /// Closes the invalidation connection and the Redis connections, and empties the near level.
    /// Later calls throw ``CacheError/connectionFailed(_:)``, as ``RedisCache/close()``.
    public func close() async {
        await tracking.close()
        level.disable()
        await redis.close()
    }
}

/// What a ``NearCache``'s near level did, since the cache was made. **Beyond Django.**
public struct NearCacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Reads served by the near level (per key for `getMany`).
    public var nearHits: Int
    /// Reads that found nothing near and went to Redis.
    public var nearMisses: Int
    /// Values read from Redis and kept near.
    public var fills: Int
    /// Values read from Redis and not kept, because the key changed (an invalidation or a local
    /// write), or the level was flushed, while the read was in flight: the placeholder rule at work.
    public var discardedFills: Int
    /// Keys dropped on the server's word (invalidation pushes), whether near or not.
    public var invalidations: Int
    /// Times the whole level was emptied: tracking on (again) or lost, `FLUSHDB`/`FLUSHALL`, `clear()`.
    public var flushes: Int

    public init(nearHits: Int = 0, nearMisses: Int = 0, fills: Int = 0, discardedFills: Int = 0,
                invalidations: Int = 0, flushes: Int = 0) {
        self.nearHits = nearHits
        self.nearMisses = nearMisses
        self.fills = fills
        self.discardedFills = discardedFills
        self.invalidations = invalidations
        self.flushes = flushes
    }

    public var description: String {
        "near hits: \(nearHits), near misses: \(nearMisses), fills: \(fills), discarded fills: \(discardedFills), "
            + "invalidations: \(invalidations), flushes: \(flushes)"
    }
}
