import LocMem
import LocMemRedis
import RedisClient
import RedisTestSupport
import Testing

/// `NearCache` in one process against a real server: what the near level serves, what drops it
/// (writes here and elsewhere, expiry on the server, `nearTimeout`, `FLUSHDB`), and the placeholder
/// rule under a writer that never stops. Another client is a plain `RedisCache` here (the server
/// cannot tell it from another process); NearCacheProcessTests uses real processes.
@Suite(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
struct NearCacheTests {
    typealias T = NearCacheTesting

    @Test func aSecondReadIsServedFromTheNearLevel() async throws {
        let cache = try await T.nearCache()
        try await cache.set("greeting", "hello", timeout: .never)
        #expect(!cache.isNear("greeting"))
        // The server reports this process's own write too; once it has, nothing will drop the fill.
        #expect(await T.timeUntil { cache.statistics.invalidations == 1 } != nil)
        #expect(try await cache.get("greeting", as: String.self) == "hello")
        #expect(cache.isNear("greeting"))
        let before = cache.statistics
        #expect(try await cache.get("greeting", as: String.self) == "hello")
        #expect(cache.statistics.nearHits == before.nearHits + 1)
        #expect(cache.statistics.fills == 1)
        // A read as another type is a miss, as in RedisCache, and does not disturb the near copy.
        #expect(try await cache.get("greeting", as: Int.self) == nil)
        #expect(cache.isNear("greeting"))
        await cache.close()
    }

    @Test func anotherClientsWriteDropsTheNearCopyWithinTheBound() async throws {
        let prefix = T.uniquePrefix()
        let cache = try await T.nearCache(prefix: prefix)
        let other = try await RedisCache(url: try T.serverURL(), configuration: CacheConfiguration(keyPrefix: prefix))
        for (round, change) in ["set", "delete", "incr", "expire"].enumerated() {
            let key = "key-\(round)"
            try await other.set(key, 10, timeout: .never)
            #expect(try await T.warm(cache, key, as: Int.self) == 10)
            switch change {
            case "set": try await other.set(key, 11, timeout: .never)
            case "delete": try await other.delete(key)
            case "incr": try await other.incr(key)
            default: try await other.touch(key, timeout: 0.05)
            }
            let delay = await T.timeUntil { !cache.isNear(key) }
            let measured = try #require(delay, "\(change): the near copy was never dropped")
            #expect(measured <= T.promptly || change == "expire", "\(change): dropped after \(measured)")
            let expected: Int? = change == "set" || change == "incr" ? 11 : nil
            if change == "expire" { try await Task.sleep(for: .milliseconds(80)) }
            #expect(try await cache.get(key, as: Int.self) == expected, "\(change)")
        }
        await other.close()
        await cache.close()
    }

    @Test func thisProcessReadsItsOwnWritesAtOnce() async throws {
        let cache = try await T.nearCache()
        func warm(_ key: String) async throws {
            _ = try await T.warm(cache, key, as: Int.self)
        }
        try await cache.set("n", 1, timeout: .never)
        try await warm("n")
        try await cache.set("n", 2, timeout: .never)
        #expect(try await cache.get("n", as: Int.self) == 2)
        try await warm("n")
        #expect(try await cache.incr("n", by: 5) == 7)
        #expect(try await cache.get("n", as: Int.self) == 7)
        try await warm("n")
        #expect(try await cache.decr("n") == 6)
        #expect(try await cache.get("n", as: Int.self) == 6)
        try await warm("n")
        #expect(try await cache.delete("n"))
        #expect(try await cache.get("n", as: Int.self) == nil)
        #expect(try await cache.add("n", 9, timeout: .never))
        #expect(try await cache.get("n", as: Int.self) == 9)
        try await warm("n")
        try await cache.setMany(["n": 10, "m": 20], timeout: .never)
        #expect(try await cache.getMany(["n", "m"], as: Int.self) == ["n": 10, "m": 20])
        try await warm("m")
        try await cache.deleteMany(["n", "m"])
        #expect(try await cache.getMany(["n", "m"], as: Int.self).isEmpty)
        try await cache.set("v", "one", timeout: .never)
        #expect(try await T.warm(cache, "v", as: String.self) == "one")
        #expect(try await cache.incrVersion("v") == 2)
        #expect(try await cache.get("v", as: String.self) == nil)
        #expect(try await cache.get("v", as: String.self, version: 2) == "one")
        try await cache.set("t", "short", timeout: .never)
        #expect(try await T.warm(cache, "t", as: String.self) == "short")
        #expect(try await cache.touch("t", timeout: 0))
        #expect(try await cache.get("t", as: String.self) == nil)
        try await cache.set("c", "x", timeout: .never)
        #expect(try await T.warm(cache, "c", as: String.self) == "x")
        try await cache.clear()
        #expect(try await cache.get("c", as: String.self) == nil)
        await cache.close()
    }

    @Test func aValueLeavesTheNearLevelWhenItExpiresOnTheServer() async throws {
        let cache = try await T.nearCache()
        try await cache.set("brief", "now", timeout: 3)
        let written = ContinuousClock.now  // the server's deadline is before written + 3 s
        // The write's own report first, so that it cannot drop the fill below.
        #expect(await T.timeUntil { cache.statistics.invalidations >= 1 } != nil)
        #expect(try await T.warm(cache, "brief", as: String.self) == "now")
        try await Task.sleep(until: written + .milliseconds(3020))
        // Redis may not have expired it actively yet: the near copy must not outlive the PTTL anyway.
        #expect(!cache.isNear("brief"))
        #expect(try await cache.get("brief", as: String.self) == nil)
        await cache.close()
    }

    @Test func nothingStaysNearLongerThanTheNearTimeout() async throws {
        let cache = try await T.nearCache(nearOptions: NearCacheOptions(nearTimeout: 0.1, heartbeatTimeout: 5))
        try await cache.set("forever", "value", timeout: .never)
        #expect(try await T.warm(cache, "forever", as: String.self) == "value")
        try await Task.sleep(for: .milliseconds(120))
        #expect(!cache.isNear("forever"))
        #expect(try await T.warm(cache, "forever", as: String.self) == "value")
        await cache.close()
    }

    @Test func flushDBAndFlushAllEmptyTheNearLevel() async throws {
        let server = try RedisTestServer.start()  // of its own: FLUSHALL must not empty the other tests' server
        let cache = try await T.nearCache(url: server.url)
        for command in ["FLUSHDB", "FLUSHALL"] {
            try await cache.set("a", 1, timeout: .never)
            try await cache.set("b", 2, timeout: .never)
            #expect(try await T.warm(cache, "a", as: Int.self) == 1)
            #expect(try await T.warm(cache, "b", as: Int.self) == 2)
            let flushes = cache.statistics.flushes
            try await T.admin(server.url, command)
            let delay = await T.timeUntil { !cache.isNear("a") && !cache.isNear("b") }
            #expect(try #require(delay, "\(command) left the near level as it was") <= T.promptly)
            #expect(cache.statistics.flushes > flushes)
            #expect(try await cache.get("a", as: Int.self) == nil)
            #expect(cache.isNearLevelActive)
        }
        await cache.close()
    }

    @Test func keysUnderAnotherPrefixAreNotReported() async throws {
        let prefix = T.uniquePrefix()
        let cache = try await T.nearCache(prefix: prefix)
        // "<prefix>ping:..." starts with the prefix's text but is not this cache's: BCAST tracks "<prefix>:".
        let neighbour = try await RedisCache(
            url: try T.serverURL(), configuration: CacheConfiguration(keyPrefix: prefix + "ping")
        )
        let mine = try await RedisCache(url: try T.serverURL(), configuration: CacheConfiguration(keyPrefix: prefix))
        try await neighbour.set("key", 1, timeout: .never)
        try await mine.set("key", 1, timeout: .never)
        #expect(await T.timeUntil { cache.statistics.invalidations >= 1 } != nil)
        try await Task.sleep(for: .milliseconds(50))
        #expect(cache.statistics.invalidations == 1, "one invalidation: this cache's key, not the neighbour's")
        await neighbour.close()
        await mine.close()
        await cache.close()
    }

    @Test func getManyServesNearKeysAndReadsTheRestInOneGo() async throws {
        let cache = try await T.nearCache()
        try await cache.setMany(["a": "1", "b": "2", "c": "3"], timeout: .never)
        // The server reports this process's own writes too: wait for all three reports, so that
        // none drops a fill below.
        #expect(await T.timeUntil { cache.statistics.invalidations >= 3 } != nil)
        #expect(try await T.warm(cache, "a", as: String.self) == "1")
        let before = cache.statistics
        #expect(try await cache.getMany(["a", "b", "c", "missing"], as: String.self) == ["a": "1", "b": "2", "c": "3"])
        #expect(cache.statistics.nearHits == before.nearHits + 1)
        #expect(cache.statistics.fills == before.fills + 2)
        #expect(cache.isNear("b") && cache.isNear("c") && !cache.isNear("missing"))
        #expect(try await cache.hasKey("b"))
        #expect(try await cache.hasKey("missing") == false)
        await cache.close()
    }

    @Test func getOrSetLoadsOnceAndTheNextReadIsNear() async throws {
        let cache = try await T.nearCache()
        let loads = Counter()
        let first = try await cache.getOrSet("answer") { loads.increment(); return 42 }
        #expect(first == 42)
        #expect(try await cache.getOrSet("answer") { loads.increment(); return 0 } == 42)
        #expect(try await cache.getOrSet("answer") { loads.increment(); return 0 } == 42)
        #expect(loads.value == 1)
        #expect(try await T.warm(cache, "answer", as: Int.self) == 42)
        await cache.close()
    }

    /// The placeholder rule: a reader of a key that another client rewrites without pause keeps
    /// none of the replies that an invalidation overtook, and once the writer stops, the reader
    /// sees its last value within the bound (a stale reply kept near would stay for `nearTimeout`,
    /// 60 s here).
    @Test func aReadOvertakenByAnInvalidationIsNotKept() async throws {
        let prefix = T.uniquePrefix()
        let cache = try await T.nearCache(prefix: prefix)
        let writer = try await RedisCache(url: try T.serverURL(), configuration: CacheConfiguration(keyPrefix: prefix))
        for round in 0..<5 {
            let done = Counter()
            let writing = Task {
                defer { done.increment() }
                for value in 0..<300 {
                    try await writer.set("hot", round * 1000 + value, timeout: .never)
                }
            }
            while done.value == 0 {
                _ = try await cache.get("hot", as: Int.self)
            }
            try await writing.value
            let last = round * 1000 + 299
            let delay = try await T.timeUntil { try await cache.get("hot", as: Int.self) == last }
            #expect(try #require(delay, "round \(round): still stale after 5 s") <= T.promptly)
        }
        #expect(cache.statistics.discardedFills > 0, "the race happened: \(cache.statistics)")
        await writer.close()
        await cache.close()
    }

    /// The placeholder rule, with the race made likely: the reply of a read of a large value takes
    /// milliseconds to arrive and decode, and another client replaces the value meanwhile, so its
    /// invalidation (a few bytes, on the other connection) arrives first. Kept, the old value would
    /// be served for `nearTimeout` (60 s); it must not be.
    @Test func anInvalidationThatOvertakesALargeReplyIsNotKeptNear() async throws {
        let prefix = T.uniquePrefix()
        let cache = try await T.nearCache(prefix: prefix)
        let writer = try await RedisCache(url: try T.serverURL(), configuration: CacheConfiguration(keyPrefix: prefix))
        let large = String(repeating: "x", count: 8 << 20)
        for round in 0..<5 {
            try await writer.set("big", large, timeout: .never)
            #expect(await T.timeUntil { cache.statistics.invalidations > round * 2 } != nil)
            let reading = Task { try await cache.get("big", as: String.self)?.count }
            try await Task.sleep(for: .milliseconds(2))
            try await writer.set("big", "small-\(round)", timeout: .never)
            let read = try await reading.value
            #expect(read == large.count || read == "small-\(round)".count)
            let delay = try await T.timeUntil { try await cache.get("big", as: String.self) == "small-\(round)" }
            #expect(try #require(delay, "round \(round): the large value stayed near") <= T.promptly)
            if cache.statistics.discardedFills > 0 { break }
        }
        #expect(cache.statistics.discardedFills > 0, "the race never happened in 5 rounds: \(cache.statistics)")
        await writer.close()
        await cache.close()
    }

    @Test func invalidOptionsAreRejectedNamingTheField() async throws {
        let url = try T.serverURL()
        let cases: [(NearCacheOptions, String)] = [
            (NearCacheOptions(nearTimeout: 0), "nearTimeout"),
            (NearCacheOptions(nearTimeout: .nan), "nearTimeout"),
            (NearCacheOptions(maxEntries: 0), "maxEntries"),
            (NearCacheOptions(heartbeatInterval: -1), "heartbeatInterval"),
            (NearCacheOptions(heartbeatTimeout: .infinity), "heartbeatTimeout"),
        ]
        for (options, field) in cases {
            let error = await cacheError { try await NearCache(url: url, nearOptions: options) }
            guard case .invalidConfiguration(let named, _)? = error else {
                Issue.record("expected invalidConfiguration for \(field), got \(String(describing: error))")
                continue
            }
            #expect(named == field)
        }
    }
}
