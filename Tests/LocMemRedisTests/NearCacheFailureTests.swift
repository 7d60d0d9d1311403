import LocMem
import LocMemRedis
import RedisClient
import RedisTestSupport
import Testing

/// The invalidation connection lost: killed by `CLIENT KILL`, silent (a missed heartbeat), or the
/// server restarted. Each flushes the near level at once and keeps it off until tracking is back;
/// no read is stale meanwhile. Each test runs a redis-server of its own.
@Suite(.enabled(
    if: RedisTestServer.binary != nil, "needs redis-server to stop and restart: apt-get install redis-server"
))
struct NearCacheFailureTests {
    typealias T = NearCacheTesting

    @Test func killingTheInvalidationConnectionFlushesTheNearLevel() async throws {
        let server = try RedisTestServer.start()
        let cache = try await T.nearCache(url: server.url, options: T.quickOptions)
        let other = try await RedisCache(url: server.url, configuration: cache.configuration)
        try await cache.set("key", "before", timeout: .never)
        #expect(try await T.warm(cache, "key", as: String.self) == "before")
        let flushes = cache.statistics.flushes

        #expect(try await T.killClient(named: cache.trackingClientName, url: server.url))
        let flushed = await T.timeUntil { !cache.isNear("key") }
        #expect(try #require(flushed, "the near level kept its copy") <= T.promptly)
        #expect(cache.statistics.flushes > flushes)
        // Until tracking is back, writes elsewhere are not reported: reads go to Redis and are not kept.
        try await other.set("key", "while-down", timeout: .never)
        #expect(try await cache.get("key", as: String.self) == "while-down")

        // The connection comes back by itself (next heartbeat, then a new connection), and with it the near level.
        #expect(await T.timeUntil { cache.isNearLevelActive } != nil)
        #expect(try await T.warm(cache, "key", as: String.self) == "while-down")
        try await other.set("key", "after", timeout: .never)
        #expect(await T.timeUntil { !cache.isNear("key") } != nil)
        #expect(try await cache.get("key", as: String.self) == "after")
        await other.close()
        await cache.close()
    }

    @Test func aMissedHeartbeatFlushesAndDisablesTheNearLevelUntilTheConnectionIsBack() async throws {
        let server = try RedisTestServer.start()
        let cache = try await T.nearCache(
            url: server.url, options: T.quickOptions,
            nearOptions: NearCacheOptions(nearTimeout: 60, heartbeatInterval: 0.05, heartbeatTimeout: 0.2)
        )
        try await cache.set("key", 1, timeout: .never)
        #expect(try await T.warm(cache, "key", as: Int.self) == 1)
        // The server stops answering every client (the connection stays open: no close to see), for
        // longer than the check below allows: only the missed heartbeat can turn the level off.
        try await T.admin(server.url, "CLIENT", ["PAUSE", 4000, "ALL"])
        let disabled = await T.timeUntil(.seconds(4)) { !cache.isNearLevelActive }
        // At most one interval until the PING, one timeout until it is given up, and scheduling slack.
        #expect(try #require(disabled, "the near level stayed on") <= .milliseconds(250) + T.promptly)
        #expect(!cache.isNear("key"))
        // The pause ends; a new connection turns tracking on again.
        #expect(await T.timeUntil(.seconds(8)) { cache.isNearLevelActive } != nil)
        #expect(try await T.warm(cache, "key", as: Int.self) == 1)
        await cache.close()
    }

    @Test func aServerRestartLeavesNoStaleRead() async throws {
        let server = try RedisTestServer.start()
        let cache = try await T.nearCache(url: server.url, options: T.quickOptions)
        try await cache.set("key", "before-restart", timeout: .never)
        #expect(try await T.warm(cache, "key", as: String.self) == "before-restart")

        let flushes = cache.statistics.flushes
        try server.restart()  // empty afterwards: no persistence
        // The process learns of the restart when it sees its invalidation connection close (at
        // once, unless the machine is too loaded to run the event loop); until then its near level
        // may still answer, which is the bound's window. From then on, every read either fails (the
        // pool reconnects after its backoff) or misses: never the value the server no longer has.
        let seen = await T.timeUntil { cache.statistics.flushes > flushes }
        #expect(try #require(seen, "the restart went unnoticed") <= T.promptly)
        let settled = try await T.timeUntil {
            do {
                let value = try await cache.get("key", as: String.self)
                #expect(value == nil, "a stale read after the restart")
                return cache.isNearLevelActive
            } catch let error as CacheError {
                guard case .connectionFailed = error else { throw error }
                return false
            }
        }
        #expect(settled != nil, "the near level did not come back after the restart")
        let other = try await RedisCache(url: server.url, configuration: cache.configuration)
        try await other.set("key", "after-restart", timeout: .never)
        #expect(try await T.warm(cache, "key", as: String.self) == "after-restart")
        try await other.set("key", "changed", timeout: .never)
        #expect(await T.timeUntil { !cache.isNear("key") } != nil)
        #expect(try await cache.get("key", as: String.self) == "changed")
        await other.close()
        await cache.close()
    }

    @Test func aStoppedServerFlushesTheNearLevelAtOnce() async throws {
        let server = try RedisTestServer.start()
        let cache = try await T.nearCache(url: server.url, options: T.quickOptions)
        try await cache.set("key", "value", timeout: .never)
        #expect(try await T.warm(cache, "key", as: String.self) == "value")
        server.stop()
        let flushed = await T.timeUntil { !cache.isNear("key") && !cache.isNearLevelActive }
        #expect(try #require(flushed, "the near level outlived the server") <= T.promptly)
        let error = await cacheError { try await cache.get("key", as: String.self) }
        #expect(error?.isConnectionFailed == true)
        await cache.close()
    }
}
