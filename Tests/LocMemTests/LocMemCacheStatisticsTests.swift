import LocMem
import Testing

/// The per-store statistics LocMem adds (**beyond** Django): hits, misses, sets, culled, expired.
@Suite struct LocMemCacheStatisticsTests {
    @Test func aNewStoreStartsAtZero() throws {
        let cache = try makeCache()
        #expect(Counts(cache.statistics) == Counts())
    }

    @Test func getCountsHitsAndMisses() throws {
        let cache = try makeCache()
        cache.set("key", 1)
        _ = cache.get("key", as: Int.self)
        _ = cache.get("key", default: 0)
        _ = cache.get("missing", as: Int.self)
        let statistics = cache.statistics
        #expect(statistics.hits == 2)
        #expect(statistics.misses == 1)
    }

    @Test func getManyCountsEachKey() throws {
        let cache = try makeCache()
        cache.set("a", 1)
        cache.set("b", 2)
        _ = cache.getMany(["a", "b", "c", "d", "e"], as: Int.self)
        let statistics = cache.statistics
        #expect(statistics.hits == 2)
        #expect(statistics.misses == 3)
    }

    @Test func getOrSetCountsAMissThenAHit() throws {
        let cache = try makeCache()
        _ = cache.getOrSet("key") { 1 }
        #expect(cache.statistics.misses == 1)
        #expect(cache.statistics.hits == 0)
        _ = cache.getOrSet("key") { 2 }
        #expect(cache.statistics.misses == 1)
        #expect(cache.statistics.hits == 1)
    }

    @Test func hasKeyTouchIncrAndDeleteAreNeitherHitsNorMisses() throws {
        let cache = try makeCache()
        cache.set("key", 1)
        _ = cache.hasKey("key")
        _ = cache.hasKey("missing")
        cache.touch("key")
        try cache.incr("key")
        cache.delete("key")
        cache.delete("missing")
        #expect(cache.statistics.hits == 0)
        #expect(cache.statistics.misses == 0)
    }

    @Test func incrVersionIsNeitherAHitNorAMiss() throws {
        // API.md: hits and misses count get, getMany (per key) and getOrSet.
        let cache = try makeCache()
        cache.set("key", 1)
        try cache.incrVersion("key")
        try cache.decrVersion("key", version: 2)
        #expect(thrownCase { try cache.incrVersion("missing") } == .keyNotFound)
        #expect(cache.statistics.hits == 0)
        #expect(cache.statistics.misses == 0)
    }

    @Test func setCountsEachSet() throws {
        let cache = try makeCache()
        cache.set("a", 1)
        cache.set("a", 2)
        cache.set("b", 3)
        #expect(cache.statistics.sets == 3)
    }

    @Test func cullCountsEachCulledEntry() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 6, cullFrequency: 3))
        for key in 0..<6 {
            cache.set("\(key)", key)
        }
        #expect(cache.statistics.culled == 0)
        cache.set("new", 6)
        #expect(cache.statistics.culled == 2)
    }

    @Test func zeroCullCountsEveryRemovedEntry() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 4, cullFrequency: 0))
        for key in 0..<5 {
            cache.set("\(key)", key)
        }
        #expect(cache.statistics.culled == 4)
    }

    @Test func anExpiredEntryMetByGetCountsAMissAndAnExpiration() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 1)
        clock.advance(by: 1)
        _ = cache.get("key", as: Int.self)
        #expect(Counts(cache.statistics) == Counts(misses: 1, sets: 1, expired: 1))
        // The entry is gone now: the next read is a plain miss.
        _ = cache.get("key", as: Int.self)
        #expect(Counts(cache.statistics) == Counts(misses: 2, sets: 1, expired: 1))
    }

    @Test func anExpiredEntryMetByGetOrSetCountsAMissAndAnExpiration() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 1)
        clock.advance(by: 1)
        #expect(cache.getOrSet("key") { 2 } == 2)
        let statistics = cache.statistics
        #expect(statistics.misses == 1)
        #expect(statistics.expired == 1)
        #expect(statistics.hits == 0)
    }

    @Test func anExpiredEntryMetByGetManyCountsAMissAndAnExpiration() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("old", 1, timeout: 1)
        cache.set("fresh", 2, timeout: 10)
        clock.advance(by: 1)
        _ = cache.getMany(["old", "fresh"], as: Int.self)
        let statistics = cache.statistics
        #expect(statistics.hits == 1)
        #expect(statistics.misses == 1)
        #expect(statistics.expired == 1)
    }

    @Test func resetStatisticsStartsAgainFromZeroAndKeepsTheEntries() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 1))
        cache.set("a", 1)
        cache.set("b", 2)
        _ = cache.get("b", as: Int.self)
        _ = cache.get("a", as: Int.self)
        #expect(Counts(cache.statistics) != Counts())
        cache.resetStatistics()
        #expect(Counts(cache.statistics) == Counts())
        #expect(cache.get("b", as: Int.self) == 2)
        #expect(Counts(cache.statistics) == Counts(hits: 1))
    }

    @Test func cachesOnTheSameLocationShareStatistics() throws {
        let location = uniqueLocation()
        let first = try makeCache(location: location)
        let second = try makeCache(CacheConfiguration(keyPrefix: "other"), location: location)
        first.set("key", 1)
        _ = first.get("key", as: Int.self)
        _ = second.get("key", as: Int.self)
        #expect(Counts(first.statistics) == Counts(second.statistics))
        #expect(first.statistics.hits == 1)
        #expect(first.statistics.misses == 1)
        second.resetStatistics()
        #expect(Counts(first.statistics) == Counts())
    }

    @Test func cachesOnDifferentLocationsHaveTheirOwnStatistics() throws {
        let first = try makeCache()
        let second = try makeCache()
        first.set("key", 1)
        _ = first.get("key", as: Int.self)
        #expect(Counts(second.statistics) == Counts())
    }

    @Test func statisticsIsEquatable() throws {
        let cache = try makeCache()
        let before = cache.statistics
        #expect(cache.statistics == before)
        _ = cache.get("missing", as: Int.self)
        #expect(cache.statistics != before)
    }
}
