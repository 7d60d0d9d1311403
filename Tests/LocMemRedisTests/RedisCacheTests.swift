import LocMem
import LocMemRedis
import NIOCore
import RedisClient
import RedisTestSupport
import Testing

/// What is particular to `RedisCache`: the stored encoding, the Lua script, `clear` by prefix,
/// limits and URLs. The shared behaviour is in `CacheBackendBehaviourTests`.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct RedisCacheTests {
    /// A cache with a prefix of its own on the shared server, and a raw connection to look behind it.
    static func make(_ name: String = #function, options: RedisCacheOptions = .init()) async throws -> (
        RedisCache, RedisConnection
    ) {
        let url = try RedisTestServer.sharedURL()
        let prefix = "\(name.prefix(while: { $0 != "(" }))-\(Int.random(in: 0..<1_000_000_000))"
        let cache = try await RedisCache(
            url: url, configuration: CacheConfiguration(keyPrefix: prefix), options: options)
        let raw = try await RedisConnection.connect(to: RedisEndpoint(url: url)).get()
        return (cache, raw)
    }

    /// API.md's example, as written there (with this test's server and a prefix of its own).
    @Test func theDocumentedExampleWorksAsWritten() async throws {
        let url = try RedisTestServer.sharedURL()
        let prefix = "shop-\(Int.random(in: 0..<1_000_000_000))"
        let shared = try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix))
        try await shared.set("greeting", "hello", timeout: 30)
        let g: String? = try await shared.get("greeting")
        #expect(g == "hello")
        try await shared.set("views", 0, timeout: .never)
        try await shared.incr("views")
        #expect(try await shared.get("views", as: Int.self) == 1)
        let v = try await shared.getOrSet("answer") { 42 }
        #expect(v == 42)
        try await shared.clear()
        await shared.close()
    }

    @Test func integersAreStoredAsRedisIntegersAndOtherValuesWithTheirType() async throws {
        let (cache, raw) = try await Self.make()
        try await cache.set("n", 42, timeout: .default)
        try await cache.set("s", "hello", timeout: .default)
        try await cache.set("list", [1, 2], timeout: .default)
        #expect(try await raw.send(RedisCommand("GET", [.string(cache.makeKey("n"))])).string == "42")
        #expect(
            try await raw.send(RedisCommand("GET", [.string(cache.makeKey("s"))])).string == "\0Swift.String\0hello")
        #expect(
            try await raw.send(RedisCommand("GET", [.string(cache.makeKey("list"))])).string
                == "\0Swift.Array<Swift.Int>\0[1,2]")
        // Another client's INCRBY is seen as an Int, since the stored form is the integer's text.
        _ = try await raw.send(RedisCommand("INCRBY", [.string(cache.makeKey("n")), 8]))
        #expect(try await cache.get("n", as: Int.self) == 50)
        await raw.close()
    }

    /// getMany decides the type once and reads the reply in place: each kind of value, each kind of
    /// miss, and keys that cannot be written in place (a space, too long: they warn and still work).
    @Test func getManyReadsEveryKindOfValueAndMissByItsType() async throws {
        struct Point: Codable, Equatable { var x: Int, y: Int }
        let (cache, raw) = try await Self.make()
        try await cache.set("i", 42, timeout: .default)
        try await cache.set("s", "hello", timeout: .default)
        try await cache.set("p", Point(x: 1, y: 2), timeout: .default)
        try await cache.set("none", Int?.none, timeout: .default)
        try await cache.set("with space", "spaced", timeout: .default)
        let long = String(repeating: "k", count: 300)
        try await cache.set(long, "long", timeout: .default)
        _ = try await raw.send(RedisCommand("SET", [.string(cache.makeKey("text")), "not an int"]))
        let keys = ["i", "s", "p", "none", "text", "missing", "with space", long]
        #expect(try await cache.getMany(keys, as: Int.self) == ["i": 42])
        #expect(
            try await cache.getMany(keys, as: String.self) == ["s": "hello", "with space": "spaced", long: "long"])
        #expect(try await cache.getMany(keys, as: Point.self) == ["p": Point(x: 1, y: 2)])
        let optionals: [String: Int?] = ["i": 42, "none": nil]
        #expect(try await cache.getMany(keys, as: Int?.self) == optionals)
        #expect(try await cache.getMany(["s", "s"], as: String.self) == ["s": "hello"])
        await raw.close()
    }

    @Test func theCounterScriptIsTheOneTheServerHashes() async throws {
        let (cache, raw) = try await Self.make()
        _ = try await raw.send(RedisCommand("SCRIPT", ["FLUSH"]))
        try await cache.set("n", 1, timeout: .default)
        #expect(try await cache.incr("n") == 2)  // EVALSHA misses after the flush: EVAL runs and loads it
        let sha = try await raw.send(RedisCommand("SCRIPT", ["EXISTS", "ab246d01f5b9340ecc4413751381560f610929c0"]))
        #expect(sha == .array([.integer(1)]))
        await raw.close()
    }

    @Test func clearRemovesOnlyThisCachesKeys() async throws {
        let (cache, raw) = try await Self.make()
        let neighbour = "neighbour-\(Int.random(in: 0..<1_000_000_000))"
        _ = try await raw.send(RedisCommand("SET", [.string(neighbour), "stays"]))
        for index in 0..<2500 {
            try await cache.set("key\(index)", index, timeout: .default)
        }
        try await cache.clear()
        #expect(try await cache.getMany(["key0", "key1999", "key2499"], as: Int.self).isEmpty)
        #expect(try await raw.send(RedisCommand("GET", [.string(neighbour)])).string == "stays")
        _ = try await raw.send(RedisCommand("DEL", [.string(neighbour)]))
        await raw.close()
    }

    @Test func clearFlushingTheDatabaseIsDjangosFlushDB() async throws {
        // Database 9 of the shared server, so that the flush touches no other test's keys.
        let url = try RedisTestServer.sharedURL()
        let url9 = String(url[..<url.lastIndex(of: "/")!]) + "/9"
        let cache = try await RedisCache(url: url9, configuration: CacheConfiguration(keyPrefix: "mine"))
        let other = try await RedisCache(url: url9, configuration: CacheConfiguration(keyPrefix: "theirs"))
        try await other.set("key", 1, timeout: .default)
        try await cache.clear()
        #expect(try await other.get("key", as: Int.self) == 1)
        try await cache.clear(flushingDatabase: true)
        #expect(try await other.get("key", as: Int.self) == nil)
    }

    @Test func aTooLargeValueIsRefusedBeforeSending() async throws {
        let (cache, raw) = try await Self.make(options: RedisCacheOptions(maximumValueSize: 1000))
        let error = await cacheError {
            try await cache.set("big", String(repeating: "x", count: 2000), timeout: .default)
        }
        guard case .valueTooLarge(let key, let size, let limit) = try #require(error) else {
            Issue.record("expected valueTooLarge, got \(String(describing: error))")
            return
        }
        #expect(key == cache.makeKey("big"))
        #expect(size > 2000 && limit == 1000)
        #expect(try await raw.send(RedisCommand("EXISTS", [.string(cache.makeKey("big"))])) == .integer(0))
        try await cache.set("small", "fits", timeout: .default)
        #expect(try await cache.get("small", as: String.self) == "fits")
        await raw.close()
    }

    @Test func aValueJSONCannotEncodeIsASerializationError() async throws {
        let (cache, raw) = try await Self.make()
        let error = await cacheError { try await cache.set("nan", Double.nan, timeout: .default) }
        guard case .serializationFailed(let key, _) = try #require(error) else {
            Issue.record("expected serializationFailed, got \(String(describing: error))")
            return
        }
        #expect(key == cache.makeKey("nan"))
        await raw.close()
    }

    @Test func fractionalTimeoutsAreMilliseconds() async throws {
        let (cache, raw) = try await Self.make()
        // The server's clock before and after the SET bound the deadline it stored (PEXPIRETIME, in
        // milliseconds): with PX it is within them plus 100.5 s; EX would have dropped the half second.
        func serverMilliseconds() async throws -> Int {
            guard case .array(let parts) = try await raw.send(RedisCommand("TIME")), parts.count == 2,
                  let seconds = parts[0].string.flatMap(Int.init), let micros = parts[1].string.flatMap(Int.init)
            else { throw CacheError.protocolError("TIME") }
            return seconds * 1000 + micros / 1000
        }
        let before = try await serverMilliseconds()
        try await cache.set("fractional", 1, timeout: 100.5)
        let after = try await serverMilliseconds()
        let deadline = try await raw.send(RedisCommand("PEXPIRETIME", [.string(cache.makeKey("fractional"))]))
        guard case .integer(let milliseconds) = deadline else {
            Issue.record("PEXPIRETIME: \(deadline)")
            return
        }
        #expect((before + 100_500...after + 100_501).contains(milliseconds))
        try await cache.set("forever", 1, timeout: .never)
        #expect(try await raw.send(RedisCommand("PTTL", [.string(cache.makeKey("forever"))])) == .integer(-1))
        await raw.close()
    }

    @Test func aMalformedURLIsAnInvalidConfiguration() async throws {
        for url in [
            "http://127.0.0.1:6379", "redis://", "redis://127.0.0.1:99999", "redis://127.0.0.1:6379/x", "redis://[::1",
        ] {
            let error = await cacheError { try await RedisCache(url: url) }
            guard case .invalidConfiguration(let field, _) = try #require(error, "\(url)") else {
                Issue.record("\(url): \(String(describing: error))")
                continue
            }
            #expect(field == "url")
        }
    }

    @Test func invalidOptionsAreRefused() async throws {
        let url = try RedisTestServer.sharedURL()
        let error = await cacheError { try await RedisCache(url: url, options: RedisCacheOptions(poolSize: 0)) }
        #expect(error == .invalidConfiguration(field: "poolSize", reason: "must be at least 1, got 0"))
        let timeout = await cacheError {
            try await RedisCache(url: url, options: RedisCacheOptions(commandTimeout: .nan))
        }
        if case .invalidConfiguration(let field, _) = try #require(timeout) { #expect(field == "commandTimeout") }
    }
}
