import LocMem
import LocMemRedis
import RedisTestSupport
import Testing

@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct SmokeTests {
    @Test func setGetIncr() async throws {
        let cache = try await RedisCache(url: try RedisTestServer.sharedURL(), configuration: CacheConfiguration(keyPrefix: "smoke"))
        try await cache.set("greeting", "hello", timeout: 30)
        let g: String? = try await cache.get("greeting")
        #expect(g == "hello")
        try await cache.set("n", 41)
        #expect(try await cache.incr("n") == 42)
        await cache.close()
    }
}
