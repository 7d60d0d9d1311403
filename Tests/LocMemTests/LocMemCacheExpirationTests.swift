import LocMem
import Testing

/// Django's expiration, touch and timeout tests, driven by a `ManualClock` instead of `time.sleep`.
@Suite struct LocMemCacheExpirationTests {
    // MARK: - Expiration

    @Test func entriesExpireAfterTheirTimeout() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("expire1", "very quickly", timeout: 1)
        cache.set("expire2", "very quickly", timeout: 1)
        cache.set("expire3", "very quickly", timeout: 1)

        clock.advance(by: 2)
        #expect(cache.get("expire1", as: String.self) == nil)
        #expect(cache.add("expire2", "newvalue") == true)
        #expect(cache.get("expire2", as: String.self) == "newvalue")
        #expect(cache.hasKey("expire3") == false)
    }

    @Test func anEntryIsLiveJustBeforeItsDeadlineAndExpiredAtIt() throws {
        let clock = ManualClock(now: 1_000)
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 10)
        clock.advance(by: 9.5)
        #expect(cache.get("key", as: Int.self) == 1)
        clock.advance(by: 0.5)
        // deadline <= now is expired, as in Django.
        #expect(cache.get("key", as: Int.self) == nil)
    }

    @Test func expiryFollowsTheCacheClockNotTheWallClock() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 0.000_001)
        // However long the machine takes to get here, the manual clock has not moved.
        #expect(cache.get("key", as: Int.self) == 1)
        clock.advance(by: 0.000_001)
        #expect(cache.get("key", as: Int.self) == nil)
    }

    @Test func anExpiredEntryIsRemovedWhenRead() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("short", 1, timeout: 1)
        cache.set("long", 2, timeout: 100)
        clock.advance(by: 1)
        #expect(cache.count == 2, "an expired entry stays until something meets it")
        #expect(cache.get("short", as: Int.self) == nil)
        #expect(cache.count == 1)
    }

    @Test func hasKeyOfAnExpiredEntryIsFalseAndRemovesIt() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 1)
        clock.advance(by: 1)
        #expect(cache.hasKey("key") == false)
        #expect(cache.count == 0)
    }

    @Test func deleteOfAnExpiredEntryReturnsFalseAndRemovesIt() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 1)
        clock.advance(by: 5)
        #expect(cache.delete("key") == false)
        #expect(cache.count == 0)
    }

    @Test func incrOfAnExpiredEntryThrowsKeyNotFound() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("counter", 1, timeout: 1)
        clock.advance(by: 1)
        #expect(thrownCase { try cache.incr("counter") } == .keyNotFound)
        #expect(thrownCase { try cache.decr("counter") } == .keyNotFound)
        #expect(cache.count == 0)
    }

    @Test func getManyOmitsExpiredEntries() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("a", 1, timeout: 10)
        cache.set("b", 2, timeout: 1)
        clock.advance(by: 1)
        #expect(cache.getMany(["a", "b"], as: Int.self) == ["a": 1])
    }

    @Test func setManyTakesATimeout() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.setMany(["key1": "spam", "key2": "eggs"], timeout: 1)
        #expect(cache.get("key1", as: String.self) == "spam")
        clock.advance(by: 2)
        #expect(cache.get("key1", as: String.self) == nil)
        #expect(cache.get("key2", as: String.self) == nil)
    }

    @Test func getOrSetReloadsAnExpiredEntry() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        #expect(cache.getOrSet("key", timeout: 5) { 1 } == 1)
        clock.advance(by: 5)
        #expect(cache.getOrSet("key", timeout: 5) { 2 } == 2)
        #expect(cache.get("key", as: Int.self) == 2)
    }

    @Test func getOrSetAppliesItsTimeoutToTheStoredValue() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        _ = cache.getOrSet("key", timeout: 3) { "value" }
        clock.advance(by: 2.9)
        #expect(cache.hasKey("key"))
        clock.advance(by: 0.1)
        #expect(cache.hasKey("key") == false)
    }

    // MARK: - touch

    @Test func touchReplacesTheTimeout() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("expire1", "very quickly", timeout: 1)
        #expect(cache.touch("expire1", timeout: 4) == true)
        clock.advance(by: 2)
        #expect(cache.hasKey("expire1") == true)
        clock.advance(by: 3)
        #expect(cache.hasKey("expire1") == false)
    }

    @Test func touchWithoutATimeoutUsesTheDefaultTimeout() throws {
        let clock = ManualClock()
        let cache = try makeCache(CacheConfiguration(timeout: 10), clock: clock)
        cache.set("expire1", "very quickly", timeout: 1)
        #expect(cache.touch("expire1") == true)
        clock.advance(by: 2)
        #expect(cache.hasKey("expire1") == true)
        clock.advance(by: 8)
        #expect(cache.hasKey("expire1") == false)
    }

    @Test func touchCanShortenTheTimeout() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: .never)
        #expect(cache.touch("key", timeout: 1) == true)
        clock.advance(by: 1)
        #expect(cache.get("key", as: Int.self) == nil)
    }

    @Test func touchCountsFromNowNotFromTheSet() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 10)
        clock.advance(by: 8)
        cache.touch("key", timeout: 10)
        clock.advance(by: 9)
        #expect(cache.hasKey("key") == true)
        clock.advance(by: 1)
        #expect(cache.hasKey("key") == false)
    }

    @Test func touchOfAMissingKeyReturnsFalseAndStoresNothing() throws {
        let cache = try makeCache()
        #expect(cache.touch("nonexistent") == false)
        #expect(cache.hasKey("nonexistent") == false)
        #expect(cache.count == 0)
    }

    @Test func touchOfAnExpiredKeyReturnsFalseAndDoesNotRevive() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1, timeout: 1)
        clock.advance(by: 1)
        #expect(cache.touch("key", timeout: 100) == false)
        #expect(cache.get("key", as: Int.self) == nil)
        #expect(cache.count == 0)
    }

    @Test func touchKeepsTheValue() throws {
        let cache = try makeCache()
        cache.set("key", "value", timeout: 5)
        cache.touch("key", timeout: 50)
        #expect(cache.get("key", as: String.self) == "value")
    }

    // MARK: - Long, forever, zero, negative and float timeouts

    @Test func timeoutsLongerThanThirtyDaysAreRelative() throws {
        // Django follows memcached, for which such timeouts are absolute timestamps; LocMem keeps them relative.
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        let thirtyDaysAndASecond = CacheTimeout.seconds(60 * 60 * 24 * 30 + 1)
        cache.set("key1", "eggs", timeout: thirtyDaysAndASecond)
        #expect(cache.get("key1", as: String.self) == "eggs")
        #expect(cache.add("key2", "ham", timeout: thirtyDaysAndASecond) == true)
        #expect(cache.get("key2", as: String.self) == "ham")
        cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: thirtyDaysAndASecond)
        #expect(cache.get("key3", as: String.self) == "sausage")
        #expect(cache.get("key4", as: String.self) == "lobster bisque")

        clock.advance(by: 60 * 60 * 24 * 30)
        #expect(cache.getMany(["key1", "key2", "key3", "key4"], as: String.self).count == 4)
        clock.advance(by: 1)
        #expect(cache.getMany(["key1", "key2", "key3", "key4"], as: String.self).isEmpty)
    }

    @Test func neverTimeoutKeepsTheValueForever() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key1", "eggs", timeout: .never)
        #expect(cache.get("key1", as: String.self) == "eggs")
        #expect(cache.add("key2", "ham", timeout: .never) == true)
        #expect(cache.get("key2", as: String.self) == "ham")
        #expect(cache.add("key1", "new eggs", timeout: .never) == false)
        #expect(cache.get("key1", as: String.self) == "eggs")
        cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: .never)
        cache.set("key5", "belgian fries", timeout: 1)
        #expect(cache.touch("key5", timeout: .never) == true)

        clock.advance(by: 1e12)
        #expect(cache.get("key1", as: String.self) == "eggs")
        #expect(cache.get("key2", as: String.self) == "ham")
        #expect(cache.get("key3", as: String.self) == "sausage")
        #expect(cache.get("key4", as: String.self) == "lobster bisque")
        #expect(cache.get("key5", as: String.self) == "belgian fries")
    }

    @Test func zeroTimeoutKeepsNothing() throws {
        let cache = try makeCache()
        cache.set("key1", "eggs", timeout: 0)
        #expect(cache.get("key1", as: String.self) == nil)

        #expect(cache.add("key2", "ham", timeout: 0) == true)
        #expect(cache.get("key2", as: String.self) == nil)

        cache.setMany(["key3": "sausage", "key4": "lobster bisque"], timeout: 0)
        #expect(cache.get("key3", as: String.self) == nil)
        #expect(cache.get("key4", as: String.self) == nil)

        cache.set("key5", "belgian fries", timeout: 5)
        #expect(cache.touch("key5", timeout: 0) == true)
        #expect(cache.get("key5", as: String.self) == nil)
    }

    @Test func setWithZeroTimeoutRemovesTheExistingValue() throws {
        let cache = try makeCache()
        cache.set("key", "old")
        cache.set("key", "new", timeout: 0)
        #expect(cache.get("key", as: String.self) == nil)
        #expect(cache.hasKey("key") == false)
    }

    @Test func negativeTimeoutKeepsNothing() throws {
        let cache = try makeCache()
        cache.set("key1", "old")
        cache.set("key1", "eggs", timeout: -1)
        #expect(cache.get("key1", as: String.self) == nil)
        #expect(cache.add("key2", "ham", timeout: -5) == true)
        #expect(cache.hasKey("key2") == false)
        cache.set("key3", "fries")
        #expect(cache.touch("key3", timeout: -0.5) == true)
        #expect(cache.hasKey("key3") == false)
    }

    @Test func floatTimeoutsWork() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key1", "spam", timeout: 100.2)
        #expect(cache.get("key1", as: String.self) == "spam")
        // Truncating 100.2 to 100 would expire the entry at 100.
        clock.advance(by: 100)
        #expect(cache.get("key1", as: String.self) == "spam")
        clock.advance(by: 0.5)
        #expect(cache.get("key1", as: String.self) == nil)
    }

    @Test func integerAndFloatLiteralsAreSecondsTimeouts() {
        let integer: CacheTimeout = 30
        let float: CacheTimeout = 2.5
        #expect(integer == .seconds(30))
        #expect(float == .seconds(2.5))
    }

    @Test func nanPerCallTimeoutKeepsNothing() throws {
        let cache = try makeCache()
        cache.set("key", "old")
        cache.set("key", "value", timeout: .seconds(.nan))
        #expect(cache.get("key", as: String.self) == nil)
        #expect(cache.add("other", 1, timeout: .seconds(.nan)) == true)
        #expect(cache.hasKey("other") == false)
    }

    @Test func infinitePerCallTimeoutNeverExpires() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", "value", timeout: .seconds(.infinity))
        cache.set("touched", "value", timeout: 1)
        cache.touch("touched", timeout: .seconds(.infinity))
        clock.advance(by: 1e15)
        #expect(cache.get("key", as: String.self) == "value")
        #expect(cache.get("touched", as: String.self) == "value")
    }

    @Test func getOrSetWithZeroTimeoutReturnsTheValueButKeepsNothing() throws {
        let cache = try makeCache()
        var runs = 0
        let first = cache.getOrSet("key", timeout: 0) { () -> Int in
            runs += 1
            return 7
        }
        #expect(first == 7)
        #expect(cache.hasKey("key") == false)
        let second = cache.getOrSet("key", timeout: 0) { () -> Int in
            runs += 1
            return 8
        }
        #expect(second == 8)
        #expect(runs == 2)
    }

    // MARK: - The configuration's default timeout

    @Test func theDefaultTimeoutIsFiveMinutes() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("key", 1)
        cache.add("added", 2)
        cache.setMany(["many": 3])
        clock.advance(by: 299.9)
        #expect(cache.getMany(["key", "added", "many"], as: Int.self).count == 3)
        clock.advance(by: 0.1)
        #expect(cache.getMany(["key", "added", "many"], as: Int.self).isEmpty)
    }

    @Test func explicitDefaultTimeoutUsesTheConfiguration() throws {
        let clock = ManualClock()
        let cache = try makeCache(CacheConfiguration(timeout: 20), clock: clock)
        cache.set("key", 1, timeout: .default)
        clock.advance(by: 19)
        #expect(cache.hasKey("key"))
        clock.advance(by: 1)
        #expect(cache.hasKey("key") == false)
    }

    @Test func nilDefaultTimeoutStoresNonExpiringKeys() throws {
        let clock = ManualClock()
        let cache = try makeCache(CacheConfiguration(timeout: nil), clock: clock)
        cache.set("another-key", "another-value")
        _ = cache.getOrSet("loaded") { 1 }
        clock.advance(by: 1e12)
        #expect(cache.get("another-key", as: String.self) == "another-value")
        #expect(cache.get("loaded", as: Int.self) == 1)
    }

    @Test func zeroDefaultTimeoutKeepsNothingUnlessACallSaysOtherwise() throws {
        let cache = try makeCache(CacheConfiguration(timeout: 0))
        cache.set("key", 1)
        #expect(cache.hasKey("key") == false)
        #expect(cache.add("added", 1) == true)
        #expect(cache.hasKey("added") == false)
        cache.set("explicit", 1, timeout: 10)
        #expect(cache.get("explicit", as: Int.self) == 1)
    }

    @Test func sharedLocationsApplyEachInstancesOwnDefaultTimeout() throws {
        let clock = ManualClock()
        let location = uniqueLocation()
        let short = try makeCache(CacheConfiguration(timeout: 1), clock: clock, location: location)
        let long = try makeCache(CacheConfiguration(timeout: 100, version: 2), clock: clock, location: location)
        short.set("key", "short")
        long.set("key", "long")
        clock.advance(by: 1)
        #expect(short.get("key", as: String.self) == nil)
        #expect(long.get("key", as: String.self) == "long")
    }

    // MARK: - incr and decr keep the expiry

    @Test func incrAndDecrKeepTheExpiry() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("value", 1, timeout: 3_000)
        clock.advance(by: 1_000)
        #expect(try cache.incr("value") == 2)
        clock.advance(by: 1_000)
        #expect(try cache.decr("value") == 1)
        clock.advance(by: 999)
        #expect(cache.get("value", as: Int.self) == 1)
        clock.advance(by: 1)
        #expect(cache.get("value", as: Int.self) == nil)
    }

    @Test func incrKeepsANeverExpiringEntryForever() throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("value", 1, timeout: .never)
        try cache.incr("value")
        clock.advance(by: 1e9)
        #expect(cache.get("value", as: Int.self) == 2)
    }
}
