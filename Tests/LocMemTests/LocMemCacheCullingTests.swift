import LocMem
import Testing

/// Django's cull, zero-cull and LRU tests, plus the limit LocMem adds: the store never exceeds `maxEntries`.
@Suite struct LocMemCacheCullingTests {
    /// Sets `cull1` ... `cull<initialCount - 1>` and returns how many of them are left (Django's `_perform_cull_test`).
    private func survivorsOfCullTest(_ cache: LocMemCache, initialCount: Int) -> Int {
        for index in 1..<initialCount {
            cache.set("cull\(index)", "value", timeout: 1000)
        }
        return (1..<initialCount).filter { cache.hasKey("cull\($0)") }.count
    }

    private func fullStore(maxEntries: Int, cullFrequency: Int = 3) throws -> LocMemCache {
        let cache = try makeCache(CacheConfiguration(maxEntries: maxEntries, cullFrequency: cullFrequency))
        for key in 0..<maxEntries {
            cache.set("\(key)", key, timeout: .never)
        }
        return cache
    }

    // MARK: - Cull sizes

    @Test func cullRemovesAThirdOfTheEntriesWhenTheStoreIsFull() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 30))
        #expect(survivorsOfCullTest(cache, initialCount: 50) == 29)
    }

    @Test func zeroCullFrequencyEmptiesTheStoreWhenItIsFull() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 30, cullFrequency: 0))
        #expect(survivorsOfCullTest(cache, initialCount: 50) == 19)
    }

    @Test func zeroCullFrequencyKeepsOnlyTheNewEntry() throws {
        let cache = try fullStore(maxEntries: 3, cullFrequency: 0)
        cache.set("new", 99)
        #expect(cache.count == 1)
        #expect(cache.get("new", as: Int.self) == 99)
        #expect(cache.getMany(["0", "1", "2"], as: Int.self).isEmpty)
    }

    @Test func cullRemovesCountDividedByCullFrequencyEntries() throws {
        let cache = try fullStore(maxEntries: 8, cullFrequency: 4)
        cache.set("new", 8)
        // 8 / 4 = 2 culled, then the new entry.
        #expect(cache.count == 7)
        #expect(cache.getMany(["0", "1"], as: Int.self).isEmpty)
    }

    @Test func cullFrequencyOneEmptiesTheStore() throws {
        let cache = try fullStore(maxEntries: 4, cullFrequency: 1)
        cache.set("new", 4)
        #expect(cache.count == 1)
        #expect(cache.hasKey("new"))
    }

    @Test func cullRemovesAtLeastOneEntryWhenCountIsBelowCullFrequency() throws {
        // Django culls 2 // 3 == 0 entries here and lets the store grow; LocMem culls one.
        let cache = try fullStore(maxEntries: 2, cullFrequency: 3)
        cache.set("new", 2)
        #expect(cache.count == 2)
        #expect(cache.hasKey("0") == false)
        #expect(cache.hasKey("1"))
        #expect(cache.hasKey("new"))
    }

    @Test func theStoreNeverExceedsMaxEntries() throws {
        for cullFrequency in 0...5 {
            let cache = try makeCache(CacheConfiguration(maxEntries: 5, cullFrequency: cullFrequency))
            for key in 0..<40 {
                cache.set("\(key)", key)
                #expect(cache.count <= 5, "cullFrequency \(cullFrequency), after key \(key)")
            }
        }
    }

    @Test func aOneEntryStoreKeepsTheNewestEntry() throws {
        // Django's test_cull_delete_when_store_empty: culling never removes the entry being stored.
        let cache = try makeCache(CacheConfiguration(maxEntries: 1))
        cache.set("first", 1, timeout: 1000)
        cache.set("force_cull_delete", "value", timeout: 1000)
        #expect(cache.hasKey("force_cull_delete") == true)
        #expect(cache.hasKey("first") == false)
    }

    @Test func overwritingAKeyInAFullStoreDoesNotCull() throws {
        let cache = try fullStore(maxEntries: 3)
        cache.set("0", 100)
        #expect(try cache.incr("1") == 2)
        #expect(cache.count == 3)
        #expect(cache.getMany(["0", "1", "2"], as: Int.self) == ["0": 100, "1": 2, "2": 2])
    }

    @Test func addOfAnExpiredKeyInAFullStoreDoesNotCull() throws {
        let clock = ManualClock()
        let cache = try makeCache(CacheConfiguration(maxEntries: 3), clock: clock)
        cache.set("short", 0, timeout: 1)
        cache.set("a", 1, timeout: .never)
        cache.set("b", 2, timeout: .never)
        clock.advance(by: 1)
        #expect(cache.add("short", 10) == true)
        #expect(cache.getMany(["short", "a", "b"], as: Int.self) == ["short": 10, "a": 1, "b": 2])
    }

    @Test func expiredEntriesCountTowardMaxEntries() throws {
        let clock = ManualClock()
        let cache = try makeCache(CacheConfiguration(maxEntries: 3, cullFrequency: 3), clock: clock)
        cache.set("expired", 0, timeout: 1)
        cache.set("a", 1, timeout: .never)
        cache.set("b", 2, timeout: .never)
        clock.advance(by: 5)
        // The expired entry has not been met yet, so the store is full and the new key culls the LRU one.
        cache.set("c", 3, timeout: .never)
        #expect(cache.count == 3)
        #expect(cache.getMany(["a", "b", "c"], as: Int.self) == ["a": 1, "b": 2, "c": 3])
    }

    @Test func setWithZeroTimeoutDoesNotCull() throws {
        let cache = try fullStore(maxEntries: 3)
        cache.set("not-kept", 1, timeout: 0)
        #expect(cache.count == 3)
        #expect(cache.getMany(["0", "1", "2"], as: Int.self).count == 3)
    }

    @Test func cullingActsOnTheWholeSharedStore() throws {
        let location = uniqueLocation()
        let small = try makeCache(CacheConfiguration(maxEntries: 2, keyPrefix: "small"), location: location)
        let large = try makeCache(CacheConfiguration(maxEntries: 100, keyPrefix: "large"), location: location)
        large.set("a", 1)
        large.set("b", 2)
        small.set("c", 3)
        // The small instance's limit counts the large instance's entries and culls the oldest of them.
        #expect(small.count == 2)
        #expect(large.hasKey("a") == false)
        #expect(large.hasKey("b"))
        #expect(small.hasKey("c"))
    }

    @Test func eachInstanceAppliesItsOwnMaxEntries() throws {
        let location = uniqueLocation()
        let small = try makeCache(CacheConfiguration(maxEntries: 2), location: location)
        let large = try makeCache(CacheConfiguration(maxEntries: 100, version: 2), location: location)
        for key in 0..<10 {
            large.set("\(key)", key)
        }
        #expect(large.count == 10)
        // The store holds 10 entries, over the small instance's limit of 2. Culling count / 3 once would
        // leave 8; LocMem culls least-recently-used entries until the new key fits within 2.
        small.set("x", 0)
        #expect(small.count == 2)
        #expect(small.hasKey("x"))
        #expect(large.hasKey("9"), "the most recently used entry survives")
    }

    // MARK: - Least recently used

    @Test func getMakesAKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 9)
        for key in 0..<6 {
            #expect(cache.get("\(key)", as: Int.self) == key)
        }
        cache.set("9", 9, timeout: .never)
        for key in 0..<6 {
            #expect(cache.get("\(key)", as: Int.self) == key)
        }
        for key in 6..<9 {
            #expect(cache.get("\(key)", as: Int.self) == nil)
        }
        #expect(cache.get("9", as: Int.self) == 9)
    }

    @Test func setMakesAKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 9)
        for key in 3..<9 {
            cache.set("\(key)", key, timeout: .never)
        }
        cache.set("9", 9, timeout: .never)
        for key in 3..<10 {
            #expect(cache.get("\(key)", as: Int.self) == key)
        }
        for key in 0..<3 {
            #expect(cache.get("\(key)", as: Int.self) == nil)
        }
    }

    @Test func incrMakesAKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 9)
        for key in 0..<6 {
            #expect(try cache.incr("\(key)") == key + 1)
        }
        cache.set("9", 9, timeout: .never)
        for key in 0..<6 {
            #expect(cache.get("\(key)", as: Int.self) == key + 1)
        }
        for key in 6..<9 {
            #expect(cache.get("\(key)", as: Int.self) == nil)
        }
        #expect(cache.get("9", as: Int.self) == 9)
    }

    @Test func decrMakesAKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 3)
        try cache.decr("0")
        cache.set("new", 0)
        #expect(cache.hasKey("0"))
        #expect(cache.hasKey("1") == false)
    }

    @Test func getManyMakesEachFoundKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 3)
        _ = cache.getMany(["0", "1"], as: Int.self)
        cache.set("new", 0)
        #expect(cache.hasKey("2") == false)
        #expect(cache.getMany(["0", "1", "new"], as: Int.self).count == 3)
    }

    @Test func addThatStoresMakesTheKeyMostRecentlyUsed() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 3))
        cache.add("a", 1)
        cache.add("b", 2)
        cache.add("c", 3)
        cache.add("d", 4)
        #expect(cache.hasKey("a") == false)
        cache.add("e", 5)
        #expect(cache.hasKey("b") == false)
        #expect(cache.getMany(["c", "d", "e"], as: Int.self).count == 3)
    }

    @Test func addThatFindsALiveKeyDoesNotReorder() throws {
        let cache = try fullStore(maxEntries: 3)
        #expect(cache.add("0", 100) == false)
        cache.set("new", 0)
        #expect(cache.hasKey("0") == false, "the failed add must not have saved key 0 from the cull")
        #expect(cache.hasKey("1"))
    }

    @Test func getOrSetHitMakesTheKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 3)
        #expect(cache.getOrSet("0") { -1 } == 0)
        cache.set("new", 0)
        #expect(cache.hasKey("0"))
        #expect(cache.hasKey("1") == false)
    }

    @Test func getOrSetThatStoresCullsLikeSet() throws {
        let cache = try fullStore(maxEntries: 3)
        #expect(cache.getOrSet("new") { 42 } == 42)
        #expect(cache.count == 3)
        #expect(cache.hasKey("0") == false)
        #expect(cache.get("new", as: Int.self) == 42)
    }

    @Test func touchDoesNotChangeTheOrder() throws {
        let cache = try fullStore(maxEntries: 3)
        #expect(cache.touch("0", timeout: 100) == true)
        cache.set("new", 0)
        #expect(cache.hasKey("0") == false, "touch must not have saved key 0 from the cull")
        #expect(cache.getMany(["1", "2", "new"], as: Int.self).count == 3)
    }

    @Test func hasKeyDoesNotChangeTheOrder() throws {
        let cache = try fullStore(maxEntries: 3)
        #expect(cache.hasKey("0") == true)
        cache.set("new", 0)
        #expect(cache.hasKey("0") == false, "hasKey must not have saved key 0 from the cull")
        #expect(cache.hasKey("1"))
    }

    @Test func incrVersionByZeroDoesNotChangeTheOrder() throws {
        // incrVersion with delta 0 returns the version and changes nothing.
        let cache = try fullStore(maxEntries: 3)
        #expect(try cache.incrVersion("0", by: 0) == 1)
        cache.set("new", 0)
        #expect(cache.hasKey("0") == false, "incrVersion(by: 0) must not have saved key 0 from the cull")
        #expect(cache.getMany(["1", "2", "new"], as: Int.self).count == 3)
    }

    @Test func incrVersionMakesTheMovedKeyMostRecentlyUsed() throws {
        let cache = try fullStore(maxEntries: 3)
        cache.delete("2")
        try cache.incrVersion("0")  // "0" was the least recently used; it moves to version 2.
        cache.set("x", 0)
        cache.set("y", 0)  // The store is full: the least recently used entry, "1", goes.
        #expect(cache.hasKey("1") == false)
        #expect(cache.hasKey("0", version: 2))
        #expect(cache.getMany(["x", "y"], as: Int.self).count == 2)
    }

    @Test func deleteThenSetDoesNotCull() throws {
        let cache = try fullStore(maxEntries: 3)
        cache.delete("1")
        cache.set("new", 0)
        #expect(cache.count == 3)
        #expect(cache.getMany(["0", "2", "new"], as: Int.self).count == 3)
    }
}
