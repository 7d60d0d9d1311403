import Foundation
import LocMem
import LocMemRedis
import RedisClient
import RedisTestSupport
import Testing

/// What the near-cache tests share: the stated bound, a unique prefix, polling, admin commands.
enum NearCacheTesting {
    /// The staleness bound the tests hold the near cache to: a read that starts this long after
    /// another process's write returned never sees the value the write replaced. The invalidation
    /// delay itself is tens of microseconds on loopback (`locmem bench`); the bound leaves room for
    /// a loaded two-core machine running the tests under ThreadSanitizer.
    static let bound: Duration = .milliseconds(250)

    /// The limit for what a test in this process times by polling (`timeUntil`): the poll runs on
    /// the test runner's cooperative pool, shared with every suite running in parallel, so its own
    /// wake-ups can be late by more than the bound (a CI run saw more than a second). Still well
    /// under the 5.5 s a heartbeat may take with `relaxed`, so a check against it shows the close
    /// was seen, not a heartbeat missed. The bound itself is checked where the time is taken in the
    /// reading process (NearCacheProcessTests).
    static let promptly: Duration = .seconds(2)

    /// Short heartbeat and backoff, so failure tests wait little.
    static let quickOptions = RedisCacheOptions(
        connectTimeout: 1, commandTimeout: 1, initialReconnectBackoff: 0.05, maximumReconnectBackoff: 0.2
    )

    /// The near options of most tests: values stay near for a minute (only invalidations remove
    /// them), and a heartbeat may take 5 s, so that a machine loaded by parallel tests and builds
    /// does not drop the connection (the heartbeat's own test shortens it).
    static let relaxed = NearCacheOptions(nearTimeout: 60, heartbeatTimeout: 5)

    /// The server of the near-cache suites: one of their own when `redis-server` is installed, else
    /// the shared one. Other suites run `FLUSHDB` on the shared server (in another database), and
    /// Redis reports a flush of any database to every tracking connection, which would empty the
    /// near levels that these tests expect to stay filled.
    static func serverURL() throws -> String {
        guard RedisTestServer.binary != nil else { return try RedisTestServer.sharedURL() }
        return try ownServer.get().url
    }

    private static let ownServer = Result { () throws -> RedisTestServer in try RedisTestServer.start() }

    /// A key prefix no other test uses.
    static func uniquePrefix(_ name: String = #function) -> String {
        "\(name.prefix(while: { $0 != "(" }))-\(UUID().uuidString.prefix(8))"
    }

    /// A near cache on `url` (the shared test server unless given) with a prefix of its own.
    static func nearCache(
        url: String? = nil, prefix: String = uniquePrefix(), options: RedisCacheOptions = .init(),
        nearOptions: NearCacheOptions = relaxed
    ) async throws -> NearCache {
        let cache = try await NearCache(
            url: try url ?? serverURL(), configuration: CacheConfiguration(keyPrefix: prefix),
            options: options, nearOptions: nearOptions
        )
        // Tracking is on once the initializer returns, unless its first attempt timed out (a short
        // heartbeatTimeout on a loaded machine): then the next attempt follows within the backoff.
        try #require(await timeUntil { cache.isNearLevelActive } != nil, "tracking never came on")
        return cache
    }

    /// Polls `condition` every millisecond until it holds; how long that took, or `nil` after `limit`.
    static func timeUntil(
        _ limit: Duration = .seconds(5), _ condition: () async throws -> Bool
    ) async rethrows -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if try await condition() { return ContinuousClock.now - start }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return try await condition() ? ContinuousClock.now - start : nil
    }

    /// Reads `key` until a read kept it near, and returns what was read. (The first read after a
    /// write may not be kept: the write's own invalidation can overtake it, or drop it after.)
    static func warm<V: Codable & Sendable>(
        _ cache: NearCache, _ key: String, as type: V.Type = V.self
    ) async throws -> V? {
        var value = try await cache.get(key, as: V.self)
        let delay = try await timeUntil {
            if cache.isNear(key) { return true }
            value = try await cache.get(key, as: V.self)
            return false
        }
        try #require(delay != nil, "'\(key)' never stayed near")
        return value
    }

    /// Runs one command on a connection of its own (`FLUSHDB`, `CLIENT PAUSE`, ...).
    @discardableResult
    static func admin(_ url: String, _ name: String, _ arguments: [RedisArgument] = []) async throws -> RESPValue {
        let connection = try await RedisConnection.connect(to: RedisEndpoint(url: url)).get()
        do {
            let reply = try await connection.send(RedisCommand(name, arguments))
            await connection.close()
            return reply
        } catch {
            await connection.close()
            throw error
        }
    }

    /// `CLIENT KILL` of the connection named `name`; `true` if one was killed.
    static func killClient(named name: String, url: String) async throws -> Bool {
        let list = try await admin(url, "CLIENT", ["LIST"]).string ?? ""
        let line = list.split(separator: "\n").first { $0.split(separator: " ").contains("name=\(name)") }
        guard let line, let id = line.split(separator: " ").first(where: { $0.hasPrefix("id=") })?.dropFirst(3) else {
            return false
        }
        return try await admin(url, "CLIENT", ["KILL", "ID", .string(String(id))]) == .integer(1)
    }
}
