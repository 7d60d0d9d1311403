import LocMem
import Testing

/// Django's `test_cache_versioning_*`, `test_incr_version` and `test_decr_version`.
///
/// As in Django's `LocMemCacheTests`, `cache` (version 1) and `v2` (version 2) share one store.
@Suite struct LocMemCacheVersioningTests {
    let clock = ManualClock()
    let cache: LocMemCache
    let v2: LocMemCache

    init() throws {
        let location = uniqueLocation("LocMemCacheVersioningTests")
        cache = try makeCache(clock: clock, location: location)
        v2 = try makeCache(CacheConfiguration(version: 2), clock: clock, location: location)
    }

    // MARK: - get and set

    @Test func setWithTheDefaultVersionIsReadAtVersionOne() {
        cache.set("answer1", 42)
        #expect(cache.get("answer1", as: Int.self) == 42)
        #expect(cache.get("answer1", as: Int.self, version: 1) == 42)
        #expect(cache.get("answer1", as: Int.self, version: 2) == nil)

        #expect(v2.get("answer1", as: Int.self) == nil)
        #expect(v2.get("answer1", as: Int.self, version: 1) == 42)
        #expect(v2.get("answer1", as: Int.self, version: 2) == nil)
    }

    @Test func setWithAnExplicitVersionIsReadAtThatVersion() {
        cache.set("answer2", 42, version: 2)
        #expect(cache.get("answer2", as: Int.self) == nil)
        #expect(cache.get("answer2", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 42)

        #expect(v2.get("answer2", as: Int.self) == 42)
        #expect(v2.get("answer2", as: Int.self, version: 1) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 2) == 42)
    }

    @Test func aCacheWithVersionTwoSetsAtVersionTwo() {
        v2.set("answer3", 42)
        #expect(cache.get("answer3", as: Int.self) == nil)
        #expect(cache.get("answer3", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer3", as: Int.self, version: 2) == 42)

        #expect(v2.get("answer3", as: Int.self) == 42)
        #expect(v2.get("answer3", as: Int.self, version: 1) == nil)
        #expect(v2.get("answer3", as: Int.self, version: 2) == 42)
    }

    @Test func aCacheWithVersionTwoCanSetAtVersionOne() {
        v2.set("answer4", 42, version: 1)
        #expect(cache.get("answer4", as: Int.self) == 42)
        #expect(cache.get("answer4", as: Int.self, version: 1) == 42)
        #expect(cache.get("answer4", as: Int.self, version: 2) == nil)

        #expect(v2.get("answer4", as: Int.self) == nil)
        #expect(v2.get("answer4", as: Int.self, version: 1) == 42)
        #expect(v2.get("answer4", as: Int.self, version: 2) == nil)
    }

    // MARK: - add, has_key, delete, incr and decr

    @Test func addIsPerVersion() {
        #expect(cache.add("answer1", 42, version: 2) == true)
        #expect(cache.get("answer1", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)

        #expect(cache.add("answer1", 37, version: 2) == false)
        #expect(cache.get("answer1", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)

        #expect(cache.add("answer1", 37, version: 1) == true)
        #expect(cache.get("answer1", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)

        #expect(v2.add("answer2", 42) == true)
        #expect(cache.get("answer2", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 42)

        #expect(v2.add("answer2", 37) == false)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 42)

        #expect(v2.add("answer2", 37, version: 1) == true)
        #expect(cache.get("answer2", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 42)

        #expect(v2.add("answer3", 42, version: 1) == true)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 42)
        #expect(cache.get("answer3", as: Int.self, version: 2) == nil)

        #expect(v2.add("answer3", 37, version: 1) == false)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 42)

        #expect(v2.add("answer3", 37) == true)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 42)
        #expect(cache.get("answer3", as: Int.self, version: 2) == 37)
    }

    @Test func hasKeyIsPerVersion() {
        cache.set("answer1", 42)
        #expect(cache.hasKey("answer1") == true)
        #expect(cache.hasKey("answer1", version: 1) == true)
        #expect(cache.hasKey("answer1", version: 2) == false)

        #expect(v2.hasKey("answer1") == false)
        #expect(v2.hasKey("answer1", version: 1) == true)
        #expect(v2.hasKey("answer1", version: 2) == false)
    }

    @Test func deleteIsPerVersion() {
        cache.set("answer1", 37, version: 1)
        cache.set("answer1", 42, version: 2)
        #expect(cache.delete("answer1") == true)
        #expect(cache.get("answer1", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)

        cache.set("answer2", 37, version: 1)
        cache.set("answer2", 42, version: 2)
        #expect(cache.delete("answer2", version: 2) == true)
        #expect(cache.get("answer2", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer2", as: Int.self, version: 2) == nil)

        cache.set("answer3", 37, version: 1)
        cache.set("answer3", 42, version: 2)
        #expect(v2.delete("answer3") == true)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer3", as: Int.self, version: 2) == nil)

        cache.set("answer4", 37, version: 1)
        cache.set("answer4", 42, version: 2)
        #expect(v2.delete("answer4", version: 1) == true)
        #expect(cache.get("answer4", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer4", as: Int.self, version: 2) == 42)
    }

    @Test func incrAndDecrArePerVersion() throws {
        cache.set("answer1", 37, version: 1)
        cache.set("answer1", 42, version: 2)
        #expect(try cache.incr("answer1") == 38)
        #expect(cache.get("answer1", as: Int.self, version: 1) == 38)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)
        #expect(try cache.decr("answer1") == 37)
        #expect(cache.get("answer1", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer1", as: Int.self, version: 2) == 42)

        cache.set("answer2", 37, version: 1)
        cache.set("answer2", 42, version: 2)
        #expect(try cache.incr("answer2", version: 2) == 43)
        #expect(cache.get("answer2", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 43)
        #expect(try cache.decr("answer2", version: 2) == 42)
        #expect(cache.get("answer2", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer2", as: Int.self, version: 2) == 42)

        cache.set("answer3", 37, version: 1)
        cache.set("answer3", 42, version: 2)
        #expect(try v2.incr("answer3") == 43)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer3", as: Int.self, version: 2) == 43)
        #expect(try v2.decr("answer3") == 42)
        #expect(cache.get("answer3", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer3", as: Int.self, version: 2) == 42)

        cache.set("answer4", 37, version: 1)
        cache.set("answer4", 42, version: 2)
        #expect(try v2.incr("answer4", version: 1) == 38)
        #expect(cache.get("answer4", as: Int.self, version: 1) == 38)
        #expect(cache.get("answer4", as: Int.self, version: 2) == 42)
        #expect(try v2.decr("answer4", version: 1) == 37)
        #expect(cache.get("answer4", as: Int.self, version: 1) == 37)
        #expect(cache.get("answer4", as: Int.self, version: 2) == 42)
    }

    @Test func touchIsPerVersion() {
        cache.set("key", 1, timeout: 1, version: 1)
        cache.set("key", 2, timeout: 1, version: 2)
        #expect(v2.touch("key", timeout: .never) == true)
        clock.advance(by: 1)
        #expect(cache.get("key", as: Int.self) == nil)
        #expect(v2.get("key", as: Int.self) == 2)
    }

    // MARK: - get_many, set_many and delete_many

    @Test func setManyAndGetManyArePerVersion() {
        cache.setMany(["ford1": 37, "arthur1": 42])
        #expect(cache.getMany(["ford1", "arthur1"], as: Int.self) == ["ford1": 37, "arthur1": 42])
        #expect(cache.getMany(["ford1", "arthur1"], as: Int.self, version: 1) == ["ford1": 37, "arthur1": 42])
        #expect(cache.getMany(["ford1", "arthur1"], as: Int.self, version: 2) == [:])
        #expect(v2.getMany(["ford1", "arthur1"], as: Int.self) == [:])
        #expect(v2.getMany(["ford1", "arthur1"], as: Int.self, version: 1) == ["ford1": 37, "arthur1": 42])
        #expect(v2.getMany(["ford1", "arthur1"], as: Int.self, version: 2) == [:])

        cache.setMany(["ford2": 37, "arthur2": 42], version: 2)
        #expect(cache.getMany(["ford2", "arthur2"], as: Int.self) == [:])
        #expect(cache.getMany(["ford2", "arthur2"], as: Int.self, version: 1) == [:])
        #expect(cache.getMany(["ford2", "arthur2"], as: Int.self, version: 2) == ["ford2": 37, "arthur2": 42])
        #expect(v2.getMany(["ford2", "arthur2"], as: Int.self) == ["ford2": 37, "arthur2": 42])
        #expect(v2.getMany(["ford2", "arthur2"], as: Int.self, version: 1) == [:])
        #expect(v2.getMany(["ford2", "arthur2"], as: Int.self, version: 2) == ["ford2": 37, "arthur2": 42])

        v2.setMany(["ford3": 37, "arthur3": 42])
        #expect(cache.getMany(["ford3", "arthur3"], as: Int.self) == [:])
        #expect(cache.getMany(["ford3", "arthur3"], as: Int.self, version: 1) == [:])
        #expect(cache.getMany(["ford3", "arthur3"], as: Int.self, version: 2) == ["ford3": 37, "arthur3": 42])
        #expect(v2.getMany(["ford3", "arthur3"], as: Int.self) == ["ford3": 37, "arthur3": 42])
        #expect(v2.getMany(["ford3", "arthur3"], as: Int.self, version: 1) == [:])
        #expect(v2.getMany(["ford3", "arthur3"], as: Int.self, version: 2) == ["ford3": 37, "arthur3": 42])

        v2.setMany(["ford4": 37, "arthur4": 42], version: 1)
        #expect(cache.getMany(["ford4", "arthur4"], as: Int.self) == ["ford4": 37, "arthur4": 42])
        #expect(cache.getMany(["ford4", "arthur4"], as: Int.self, version: 1) == ["ford4": 37, "arthur4": 42])
        #expect(cache.getMany(["ford4", "arthur4"], as: Int.self, version: 2) == [:])
        #expect(v2.getMany(["ford4", "arthur4"], as: Int.self) == [:])
        #expect(v2.getMany(["ford4", "arthur4"], as: Int.self, version: 1) == ["ford4": 37, "arthur4": 42])
        #expect(v2.getMany(["ford4", "arthur4"], as: Int.self, version: 2) == [:])
    }

    @Test func deleteManyIsPerVersion() {
        cache.setMany(["a": 1, "b": 2], version: 1)
        cache.setMany(["a": 10, "b": 20], version: 2)
        v2.deleteMany(["a", "b"])
        #expect(cache.getMany(["a", "b"], as: Int.self) == ["a": 1, "b": 2])
        #expect(v2.getMany(["a", "b"], as: Int.self) == [:])
        cache.deleteMany(["a"], version: 1)
        #expect(cache.getMany(["a", "b"], as: Int.self) == ["b": 2])
    }

    // MARK: - incr_version and decr_version

    @Test func incrVersionMovesTheValueToTheNextVersion() throws {
        cache.set("answer", 42, version: 2)
        #expect(cache.get("answer", as: Int.self) == nil)
        #expect(cache.get("answer", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer", as: Int.self, version: 2) == 42)
        #expect(cache.get("answer", as: Int.self, version: 3) == nil)

        #expect(try cache.incrVersion("answer", version: 2) == 3)
        #expect(cache.get("answer", as: Int.self) == nil)
        #expect(cache.get("answer", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer", as: Int.self, version: 2) == nil)
        #expect(cache.get("answer", as: Int.self, version: 3) == 42)

        v2.set("answer2", 42)
        #expect(v2.get("answer2", as: Int.self) == 42)
        #expect(v2.get("answer2", as: Int.self, version: 1) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 2) == 42)
        #expect(v2.get("answer2", as: Int.self, version: 3) == nil)

        #expect(try v2.incrVersion("answer2") == 3)
        #expect(v2.get("answer2", as: Int.self) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 1) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 2) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 3) == 42)
    }

    @Test func incrVersionOfAMissingKeyThrowsKeyNotFound() {
        #expect(thrownCase { try cache.incrVersion("does_not_exist") } == .keyNotFound)
        #expect(cache.hasKey("does_not_exist", version: 2) == false)
    }

    @Test func incrVersionMovesAStoredNil() throws {
        cache.set("null", Int?.none)
        #expect(try cache.incrVersion("null") == 2)
        #expect(cache.get("null", as: Int?.self, version: 2) == .some(nil))
        #expect(cache.hasKey("null", version: 1) == false)
    }

    @Test func incrVersionByADeltaSkipsVersions() throws {
        cache.set("key", "value")
        #expect(try cache.incrVersion("key", by: 5) == 6)
        #expect(cache.get("key", as: String.self, version: 6) == "value")
        #expect(cache.count == 1)
    }

    @Test func incrVersionByZeroReturnsTheVersionAndKeepsTheValue() throws {
        cache.set("key", "value")
        #expect(try cache.incrVersion("key", by: 0) == 1)
        #expect(cache.get("key", as: String.self) == "value")
    }

    @Test func incrVersionKeepsTheRemainingExpiry() throws {
        cache.set("key", "value", timeout: 10)
        clock.advance(by: 4)
        try cache.incrVersion("key")
        clock.advance(by: 5.5)
        #expect(cache.get("key", as: String.self, version: 2) == "value")
        clock.advance(by: 0.5)
        #expect(cache.get("key", as: String.self, version: 2) == nil)
    }

    @Test func incrVersionOfAnExpiredKeyThrowsKeyNotFound() {
        cache.set("key", "value", timeout: 1)
        clock.advance(by: 1)
        #expect(thrownCase { try cache.incrVersion("key") } == .keyNotFound)
        #expect(cache.hasKey("key", version: 2) == false)
    }

    @Test func incrVersionReplacesAValueAlreadyAtTheTargetVersion() throws {
        cache.set("key", "old", version: 2)
        cache.set("key", "new", version: 1)
        #expect(try cache.incrVersion("key") == 2)
        #expect(cache.get("key", as: String.self, version: 2) == "new")
        #expect(cache.count == 1)
    }

    @Test func decrVersionMovesTheValueToThePreviousVersion() throws {
        cache.set("answer", 42, version: 2)
        #expect(cache.get("answer", as: Int.self) == nil)
        #expect(cache.get("answer", as: Int.self, version: 1) == nil)
        #expect(cache.get("answer", as: Int.self, version: 2) == 42)

        #expect(try cache.decrVersion("answer", version: 2) == 1)
        #expect(cache.get("answer", as: Int.self) == 42)
        #expect(cache.get("answer", as: Int.self, version: 1) == 42)
        #expect(cache.get("answer", as: Int.self, version: 2) == nil)

        v2.set("answer2", 42)
        #expect(v2.get("answer2", as: Int.self) == 42)
        #expect(v2.get("answer2", as: Int.self, version: 1) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 2) == 42)

        #expect(try v2.decrVersion("answer2") == 1)
        #expect(v2.get("answer2", as: Int.self) == nil)
        #expect(v2.get("answer2", as: Int.self, version: 1) == 42)
        #expect(v2.get("answer2", as: Int.self, version: 2) == nil)
    }

    @Test func decrVersionOfAMissingKeyThrowsKeyNotFound() {
        #expect(thrownCase { try cache.decrVersion("does_not_exist", version: 2) } == .keyNotFound)
    }

    @Test func decrVersionMovesAStoredNil() throws {
        cache.set("null", Int?.none, version: 2)
        #expect(try cache.decrVersion("null", version: 2) == 1)
        #expect(cache.get("null", as: Int?.self, version: 1) == .some(nil))
    }

    // MARK: - get_or_set

    @Test func getOrSetIsPerVersion() {
        #expect(v2.getOrSet("key") { 2 } == 2)
        #expect(cache.getOrSet("key") { 1 } == 1)
        #expect(cache.get("key", as: Int.self, version: 2) == 2)
        #expect(v2.get("key", as: Int.self, version: 1) == 1)
    }
}
