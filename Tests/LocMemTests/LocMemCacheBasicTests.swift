import LocMem
import Testing

/// Django's `BaseCacheTests` for get, set, add, delete, has_key, the many-key calls, get_or_set,
/// clear, close and named locations.
@Suite struct LocMemCacheBasicTests {
    // MARK: - get and set

    @Test func setThenGetReturnsTheValue() throws {
        let cache = try makeCache()
        cache.set("key", "value")
        #expect(cache.get("key", as: String.self) == "value")
    }

    @Test func getOfAMissingKeyReturnsNilOrTheDefault() throws {
        let cache = try makeCache()
        #expect(cache.get("does_not_exist", as: String.self) == nil)
        #expect(cache.get("does_not_exist", default: "bang!") == "bang!")
    }

    @Test func getWithDefaultReturnsTheStoredValueOnAHit() throws {
        let cache = try makeCache()
        cache.set("key", 7)
        #expect(cache.get("key", default: 0) == 7)
    }

    @Test func storedNilIsReturnedInsteadOfTheDefault() throws {
        let cache = try makeCache()
        cache.set("key_default_none", String?.none)
        let value = cache.get("key_default_none", default: String?.some("default"))
        #expect(value == nil)
    }

    @Test func storedOptionalNoneIsAHitWhileAMissingKeyIsAMiss() throws {
        let cache = try makeCache()
        cache.set("null", Int?.none)

        let hit = cache.get("null", as: Int?.self)
        #expect(hit != nil, "a stored Optional.none must come back as .some(nil)")
        #expect(hit == .some(nil))

        let miss = cache.get("missing", as: Int?.self)
        #expect(miss == nil, "a missing key must not look like a cached absence")
    }

    @Test func getWithAnOptionalDefaultReturnsTheDefaultOnAMiss() throws {
        // A naive `as? V` turns every miss into a cached absence when V is Optional.
        let cache = try makeCache()
        #expect(cache.get("missing", default: Int?.some(5)) == 5)
        cache.set("null", Int?.none)
        #expect(cache.get("null", default: Int?.some(5)) == nil)
    }

    @Test func getAsAnotherTypeReturnsNilOrTheDefault() throws {
        let cache = try makeCache()
        cache.set("answer", 42)
        #expect(cache.get("answer", as: String.self) == nil)
        #expect(cache.get("answer", default: "none") == "none")
        #expect(cache.get("answer", as: Int.self) == 42)
    }

    @Test func setOverwritesTheValue() throws {
        let cache = try makeCache()
        cache.set("key", "first")
        cache.set("key", "second")
        #expect(cache.get("key", as: String.self) == "second")
    }

    // MARK: - add

    @Test func addStoresOnlyWhenTheKeyIsAbsent() throws {
        let cache = try makeCache()
        #expect(cache.add("addkey1", "value") == true)
        #expect(cache.add("addkey1", "newvalue") == false)
        #expect(cache.get("addkey1", as: String.self) == "value")
    }

    @Test func addAfterDeleteStoresAgain() throws {
        let cache = try makeCache()
        cache.add("key", 1)
        cache.delete("key")
        #expect(cache.add("key", 2) == true)
        #expect(cache.get("key", as: Int.self) == 2)
    }

    // MARK: - delete and has_key

    @Test func deleteRemovesOnlyThatKeyAndReturnsTrue() throws {
        let cache = try makeCache()
        cache.setMany(["key1": "spam", "key2": "eggs"])
        #expect(cache.get("key1", as: String.self) == "spam")
        #expect(cache.delete("key1") == true)
        #expect(cache.get("key1", as: String.self) == nil)
        #expect(cache.get("key2", as: String.self) == "eggs")
    }

    @Test func deleteOfAMissingKeyReturnsFalse() throws {
        let cache = try makeCache()
        #expect(cache.delete("nonexistent_key") == false)
    }

    @Test func deleteTwiceReturnsFalseTheSecondTime() throws {
        let cache = try makeCache()
        cache.set("key", 1)
        #expect(cache.delete("key") == true)
        #expect(cache.delete("key") == false)
    }

    @Test func hasKeyIsTrueOnlyForStoredKeysIncludingStoredNil() throws {
        let cache = try makeCache()
        cache.set("hello1", "goodbye1")
        #expect(cache.hasKey("hello1") == true)
        #expect(cache.hasKey("goodbye1") == false)
        cache.set("no_expiry", "here", timeout: .never)
        #expect(cache.hasKey("no_expiry") == true)
        cache.set("null", String?.none)
        #expect(cache.hasKey("null") == true)
    }

    // MARK: - incr and decr

    @Test func incrAddsTheDeltaAndStoresTheResult() throws {
        let cache = try makeCache()
        cache.set("answer", 41)
        #expect(try cache.incr("answer") == 42)
        #expect(cache.get("answer", as: Int.self) == 42)
        #expect(try cache.incr("answer", by: 10) == 52)
        #expect(cache.get("answer", as: Int.self) == 52)
        #expect(try cache.incr("answer", by: -10) == 42)
        #expect(cache.get("answer", as: Int.self) == 42)
    }

    @Test func decrSubtractsTheDeltaAndStoresTheResult() throws {
        let cache = try makeCache()
        cache.set("answer", 43)
        #expect(try cache.decr("answer") == 42)
        #expect(cache.get("answer", as: Int.self) == 42)
        #expect(try cache.decr("answer", by: 10) == 32)
        #expect(cache.get("answer", as: Int.self) == 32)
        #expect(try cache.decr("answer", by: -10) == 42)
        #expect(cache.get("answer", as: Int.self) == 42)
    }

    @Test func incrAndDecrOfAMissingKeyThrowKeyNotFound() throws {
        let cache = try makeCache()
        #expect(thrownCase { try cache.incr("does_not_exist") } == .keyNotFound)
        #expect(thrownCase { try cache.incr("does_not_exist", by: -1) } == .keyNotFound)
        #expect(thrownCase { try cache.decr("does_not_exist") } == .keyNotFound)
        #expect(thrownCase { try cache.decr("does_not_exist", by: -1) } == .keyNotFound)
        #expect(cache.hasKey("does_not_exist") == false, "incr must not create the key")
    }

    @Test func keyNotFoundNamesTheKey() throws {
        let cache = try makeCache()
        let error = thrownError { try cache.incr("the-missing-key") }
        #expect(String(describing: error).contains("the-missing-key"))
    }

    @Test func incrAndDecrOfANonIntegerThrowNotAnIntegerAndKeepTheValue() throws {
        let cache = try makeCache()
        cache.set("null", Int?.none)
        #expect(thrownCase { try cache.incr("null") } == .notAnInteger)
        #expect(thrownCase { try cache.decr("null") } == .notAnInteger)
        #expect(cache.get("null", as: Int?.self) == .some(nil))

        cache.set("text", "forty-two")
        #expect(thrownCase { try cache.incr("text") } == .notAnInteger)
        #expect(thrownCase { try cache.decr("text") } == .notAnInteger)
        #expect(cache.get("text", as: String.self) == "forty-two")

        cache.set("double", 1.5)
        #expect(thrownCase { try cache.incr("double") } == .notAnInteger)
        #expect(cache.get("double", as: Double.self) == 1.5)
    }

    @Test func incrOverflowThrowsOverflowAndLeavesTheValue() throws {
        let cache = try makeCache()
        cache.set("big", Int.max - 1)
        #expect(thrownCase { try cache.incr("big", by: 2) } == .overflow)
        #expect(cache.get("big", as: Int.self) == Int.max - 1)
        #expect(try cache.incr("big") == Int.max)
        #expect(thrownCase { try cache.incr("big") } == .overflow)
        #expect(cache.get("big", as: Int.self) == Int.max)
    }

    @Test func decrUnderflowThrowsOverflowAndLeavesTheValue() throws {
        let cache = try makeCache()
        cache.set("small", Int.min + 1)
        #expect(thrownCase { try cache.decr("small", by: 2) } == .overflow)
        #expect(cache.get("small", as: Int.self) == Int.min + 1)
        #expect(thrownCase { try cache.incr("small", by: Int.min) } == .overflow)
        #expect(cache.get("small", as: Int.self) == Int.min + 1)
    }

    @Test func decrByIntMinOverflowsInsteadOfCrashing() throws {
        let cache = try makeCache()
        cache.set("zero", 0)
        // 0 - Int.min does not fit in an Int.
        #expect(thrownCase { try cache.decr("zero", by: Int.min) } == .overflow)
        #expect(cache.get("zero", as: Int.self) == 0)
    }

    // MARK: - Data types

    struct Point: Sendable, Equatable {
        var x: Int
        var y: Int
    }

    enum Shape: Sendable, Equatable {
        case circle(radius: Double)
        case polygon([Point])
    }

    @Test func valuesOfManyTypesRoundTrip() throws {
        let cache = try makeCache()
        cache.set("string", "this is a string")
        cache.set("int", 42)
        cache.set("double", 2.5)
        cache.set("bool", true)
        cache.set("list", [1, 2, 3, 4])
        cache.set("dict", ["A": 1, "B": 2])
        cache.set("set", Set(["x", "y"]))
        cache.set("struct", Point(x: 1, y: 2))
        cache.set("enum", Shape.polygon([Point(x: 0, y: 0), Point(x: 3, y: 4)]))
        cache.set("nested", [["a": [1, 2]], ["b": []]])
        cache.set("optional", Int?.some(5))

        #expect(cache.get("string", as: String.self) == "this is a string")
        #expect(cache.get("int", as: Int.self) == 42)
        #expect(cache.get("double", as: Double.self) == 2.5)
        #expect(cache.get("bool", as: Bool.self) == true)
        #expect(cache.get("list", as: [Int].self) == [1, 2, 3, 4])
        #expect(cache.get("dict", as: [String: Int].self) == ["A": 1, "B": 2])
        #expect(cache.get("set", as: Set<String>.self) == Set(["x", "y"]))
        #expect(cache.get("struct", as: Point.self) == Point(x: 1, y: 2))
        #expect(cache.get("enum", as: Shape.self) == .polygon([Point(x: 0, y: 0), Point(x: 3, y: 4)]))
        #expect(cache.get("nested", as: [[String: [Int]]].self) == [["a": [1, 2]], ["b": []]])
        #expect(cache.get("optional", as: Int?.self) == .some(5))
    }

    @Test func tuplesFunctionsAndTypesRoundTrip() throws {
        // Django's test_data_types also caches a tuple, a function and a class.
        let cache = try makeCache()
        cache.set("tuple", (1, 2, 3, 4))
        cache.set("function", { @Sendable () -> Int in 42 })
        cache.set("class", Point.self)

        let tuple = cache.get("tuple", as: (Int, Int, Int, Int).self)
        #expect(tuple.map { [$0.0, $0.1, $0.2, $0.3] } == [1, 2, 3, 4])
        let function = cache.get("function", as: (@Sendable () -> Int).self)
        #expect(function?() == 42)
        let type = cache.get("class", as: Point.Type.self)
        #expect(type.map { $0 == Point.self } == true)
    }

    @Test func mutatingTheCallersValueAfterSetDoesNotChangeTheCache() throws {
        let cache = try makeCache()
        var list = [1, 2, 3]
        var point = Point(x: 1, y: 1)
        cache.set("list", list)
        cache.set("point", point)
        list.append(4)
        point.x = 99
        #expect(cache.get("list", as: [Int].self) == [1, 2, 3])
        #expect(cache.get("point", as: Point.self) == Point(x: 1, y: 1))
    }

    @Test func mutatingAValueReadFromTheCacheDoesNotChangeTheCache() throws {
        let cache = try makeCache()
        cache.set("dict", ["a": 1])
        var copy = try #require(cache.get("dict", as: [String: Int].self))
        copy["b"] = 2
        #expect(cache.get("dict", as: [String: Int].self) == ["a": 1])
    }

    @Test func unicodeKeysAndValuesWorkWithSetAddAndSetMany() throws {
        let cache = try makeCache()
        let strings = [
            "ascii": "ascii_value",
            "unicode_ascii": "Iñtërnâtiônàlizætiøn1",
            "Iñtërnâtiônàlizætiøn": "Iñtërnâtiônàlizætiøn2",
            "emoji🐍": "🦅 e\u{301}",
        ]
        for (key, value) in strings {
            cache.set(key, value)
            #expect(cache.get(key, as: String.self) == value, "set: \(key)")
        }
        for (key, value) in strings {
            #expect(cache.delete(key) == true, "delete: \(key)")
            #expect(cache.add(key, value) == true, "add: \(key)")
            #expect(cache.get(key, as: String.self) == value, "add: \(key)")
        }
        for key in strings.keys {
            #expect(cache.delete(key) == true)
        }
        #expect(cache.setMany(strings) == [])
        for (key, value) in strings {
            #expect(cache.get(key, as: String.self) == value, "setMany: \(key)")
        }
        cache.set("ascii2", ["x": 1])
        #expect(cache.get("ascii2", as: [String: Int].self) == ["x": 1])
    }

    @Test func binaryValuesRoundTripWithSetAddAndSetMany() throws {
        // Django's test_binary_string caches zlib output; every byte value stands in for it here.
        let cache = try makeCache()
        let bytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        cache.set("binary1", bytes)
        #expect(cache.get("binary1", as: [UInt8].self) == bytes)
        #expect(cache.add("binary1-add", bytes) == true)
        #expect(cache.get("binary1-add", as: [UInt8].self) == bytes)
        cache.setMany(["binary1-set_many": bytes])
        #expect(cache.get("binary1-set_many", as: [UInt8].self) == bytes)
    }

    @Test func aLongValueRoundTrips() throws {
        let cache = try makeCache()
        let value = String(repeating: "0123456789abcdef", count: 65_536)  // 1 MiB
        cache.set("long", value)
        #expect(cache.get("long", as: String.self) == value)
    }

    // MARK: - Many keys at once

    @Test func getManyReturnsTheFoundKeysAndOmitsMisses() throws {
        let cache = try makeCache()
        cache.setMany(["a": "a", "b": "b", "c": "c", "d": "d"])
        #expect(cache.getMany(["a", "c", "d"], as: String.self) == ["a": "a", "c": "c", "d": "d"])
        #expect(cache.getMany(["a", "b", "e"], as: String.self) == ["a": "a", "b": "b"])
        #expect(cache.getMany([], as: String.self) == [:])
    }

    @Test func getManyReturnsStoredNilValues() throws {
        let cache = try makeCache()
        cache.setMany(["x": Int?.none, "y": Int?.some(1)])
        let found = cache.getMany(["x", "y", "z"], as: Int?.self)
        #expect(found.count == 2)
        #expect(found["x"] == .some(nil))
        #expect(found["y"] == .some(1))
        #expect(found["z"] == nil)
    }

    @Test func getManyOmitsEntriesOfAnotherType() throws {
        let cache = try makeCache()
        cache.set("int", 1)
        cache.set("text", "one")
        #expect(cache.getMany(["int", "text"], as: Int.self) == ["int": 1])
    }

    @Test func getManyIsKeyedByTheCallersKeysNotTheFinalKeys() throws {
        let cache = try makeCache(CacheConfiguration(keyPrefix: "prefix", version: 3))
        cache.set("k", 1)
        #expect(cache.getMany(["k"], as: Int.self) == ["k": 1])
    }

    @Test func setManyStoresEveryValue() throws {
        let cache = try makeCache()
        cache.setMany(["key1": "spam", "key2": "eggs"])
        #expect(cache.get("key1", as: String.self) == "spam")
        #expect(cache.get("key2", as: String.self) == "eggs")
    }

    @Test func setManyReturnsNoFailedKeys() throws {
        let cache = try makeCache()
        #expect(cache.setMany(["key1": "spam", "key2": "eggs"]) == [])
        #expect(cache.setMany(["key1": 1, "key2": 2], timeout: 2, version: 1) == [])
    }

    @Test func setManyWithNoValuesReturnsNoFailedKeys() throws {
        let cache = try makeCache()
        #expect(cache.setMany([String: Int]()) == [])
        #expect(cache.count == 0)
    }

    @Test func deleteManyRemovesOnlyThoseKeys() throws {
        let cache = try makeCache()
        cache.setMany(["key1": "spam", "key2": "eggs", "key3": "ham"])
        cache.deleteMany(["key1", "key2"])
        #expect(cache.get("key1", as: String.self) == nil)
        #expect(cache.get("key2", as: String.self) == nil)
        #expect(cache.get("key3", as: String.self) == "ham")
    }

    @Test func deleteManyWithNoKeysChangesNothing() throws {
        let cache = try makeCache()
        cache.set("key", 1)
        cache.deleteMany([])
        #expect(cache.get("key", as: Int.self) == 1)
    }

    @Test func deleteManyIgnoresMissingKeys() throws {
        let cache = try makeCache()
        cache.set("here", 1)
        cache.deleteMany(["missing", "here"])
        #expect(cache.count == 0)
    }

    // MARK: - get_or_set

    @Test func getOrSetStoresAndReturnsTheDefaultOnAMiss() throws {
        let cache = try makeCache()
        #expect(cache.get("projector", as: Int.self) == nil)
        #expect(cache.getOrSet("projector") { 42 } == 42)
        #expect(cache.get("projector", as: Int.self) == 42)
    }

    @Test func getOrSetReturnsTheCachedValueOnAHit() throws {
        let cache = try makeCache()
        cache.set("projector", 1)
        #expect(cache.getOrSet("projector") { 42 } == 1)
        #expect(cache.get("projector", as: Int.self) == 1)
    }

    @Test func getOrSetStoresNil() throws {
        let cache = try makeCache()
        #expect(cache.getOrSet("null") { String?.none } == nil)
        // The stored nil is a hit, so the default is not used.
        #expect(cache.get("null", default: String?.some("default")) == nil)
        #expect(cache.hasKey("null"))
    }

    @Test func getOrSetRunsTheLoaderOnlyOnAMiss() throws {
        let cache = try makeCache()
        var runs = 0
        func load() -> String {
            runs += 1
            return "value"
        }
        #expect(cache.getOrSet("mykey", default: load) == "value")
        #expect(cache.getOrSet("mykey", default: load) == "value")
        #expect(cache.getOrSet("mykey") { "other" } == "value")
        #expect(runs == 1)
    }

    @Test func getOrSetUsesTheGivenVersion() throws {
        let cache = try makeCache()
        #expect(cache.getOrSet("brian", version: 2) { 1979 } == 1979)
        #expect(cache.get("brian", as: Int.self, version: 1) == nil)
        #expect(cache.getOrSet("brian", version: 1) { 42 } == 42)
        #expect(cache.getOrSet("brian", version: 2) { 0 } == 1979)
        #expect(cache.get("brian", as: Int.self, version: 3) == nil)
    }

    struct LoaderFailure: Error, Equatable {}

    @Test func getOrSetOfAnOptionalTypeRunsTheLoaderOnAMiss() throws {
        let cache = try makeCache()
        var runs = 0
        let first = cache.getOrSet("optional") { () -> Int? in
            runs += 1
            return 3
        }
        #expect(first == 3)
        #expect(runs == 1)
        #expect(cache.get("optional", as: Int?.self) == .some(3))
    }

    @Test func getOrSetOfAStoredNilDoesNotRunTheLoader() throws {
        let cache = try makeCache()
        cache.set("null", Int?.none)
        var runs = 0
        let value = cache.getOrSet("null") { () -> Int? in
            runs += 1
            return 3
        }
        #expect(value == nil)
        #expect(runs == 0)
    }

    @Test func asyncGetOrSetStoresTheLoadedValueAndReusesIt() async throws {
        let cache = try makeCache()
        let first = try await cache.getOrSet("key") { @Sendable () async throws -> Int in 42 }
        let second = try await cache.getOrSet("key") { @Sendable () async throws -> Int in 0 }
        #expect(first == 42)
        #expect(second == 42)
        #expect(cache.get("key", as: Int.self) == 42)
    }

    @Test func asyncGetOrSetPassesOnTheLoadersErrorAndStoresNothing() async throws {
        let cache = try makeCache()
        await #expect(throws: LoaderFailure.self) {
            try await cache.getOrSet("key") { @Sendable () async throws -> Int in throw LoaderFailure() }
        }
        #expect(cache.hasKey("key") == false)
    }


    @Test func getOrSetPassesOnTheLoadersErrorAndStoresNothing() throws {
        let cache = try makeCache()
        var caught: (any Error)?
        do {
            _ = try cache.getOrSet("fails") { () throws -> Int in throw LoaderFailure() }
        } catch {
            caught = error
        }
        #expect(caught is LoaderFailure)
        #expect(cache.hasKey("fails") == false)
        #expect(cache.getOrSet("fails") { 5 } == 5)
    }

    // MARK: - User code runs outside the lock (Django's test_locking_on_pickle)

    @Test(.timeLimit(.minutes(1)))
    func aLoaderCanUseTheSameCache() throws {
        let cache = try makeCache()
        cache.set("inner", 1)
        let value = cache.getOrSet("outer") { () -> Int in
            let inner = cache.get("inner", as: Int.self) ?? 0
            cache.set("side", 2)
            return inner + cache.getOrSet("nested") { 10 }
        }
        #expect(value == 11)
        #expect(cache.getMany(["outer", "side", "nested"], as: Int.self) == ["outer": 11, "side": 2, "nested": 10])
    }

    @Test(.timeLimit(.minutes(1)))
    func aKeyWarningHandlerCanUseTheSameCache() throws {
        let holder = CacheHolder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: { warning in
            holder.cache?.set("last-warning", warning.key)
        }))
        holder.cache = cache
        cache.set("bad key", 1)
        #expect(cache.get("last-warning", as: String.self) == ":1:bad key")
        #expect(cache.get("bad key", as: Int.self) == 1)
        holder.cache = nil  // break the cycle cache -> handler -> holder -> cache
    }

    // MARK: - clear and close

    @Test func clearRemovesEveryKey() throws {
        let cache = try makeCache()
        cache.setMany(["key1": "spam", "key2": "eggs"])
        cache.clear()
        #expect(cache.get("key1", as: String.self) == nil)
        #expect(cache.get("key2", as: String.self) == nil)
        #expect(cache.count == 0)
    }

    @Test func clearEmptiesTheWholeSharedStore() throws {
        let location = uniqueLocation()
        let plain = try makeCache(location: location)
        let prefixed = try makeCache(CacheConfiguration(keyPrefix: "other"), location: location)
        plain.set("a", 1)
        prefixed.set("b", 2)
        plain.clear()
        #expect(prefixed.get("b", as: Int.self) == nil)
        #expect(prefixed.count == 0)
    }

    @Test func closeIsANoOpAndTheCacheKeepsWorking() throws {
        let cache = try makeCache()
        cache.set("before", 1)
        cache.close()
        #expect(cache.get("before", as: Int.self) == 1)
        cache.set("after", 2)
        #expect(cache.get("after", as: Int.self) == 2)
        cache.close()
        cache.close()
        #expect(cache.count == 2)
    }

    // MARK: - Locations

    @Test func cachesWithDifferentLocationsAreIsolated() throws {
        let first = try makeCache()
        let other = try makeCache()
        first.set("value", 42)
        #expect(first.get("value", as: Int.self) == 42)
        #expect(other.get("value", as: Int.self) == nil)
        #expect(other.count == 0)
    }

    @Test func cachesWithTheSameLocationShareOneStore() throws {
        let location = uniqueLocation()
        let first = try makeCache(location: location)
        let second = try makeCache(location: location)
        first.set("value", 42)
        #expect(second.get("value", as: Int.self) == 42)
        second.delete("value")
        #expect(first.hasKey("value") == false)
    }

    @Test func aCacheBuiltLaterOnALocationSeesWhatIsAlreadyThere() throws {
        let location = uniqueLocation()
        let first = try makeCache(location: location)
        first.set("value", 42)
        let later = try makeCache(location: location)
        #expect(later.get("value", as: Int.self) == 42)
        #expect(later.count == 1)
    }

    @Test func countIncludesEveryEntryOfTheSharedStore() throws {
        let location = uniqueLocation()
        let first = try makeCache(location: location)
        let second = try makeCache(CacheConfiguration(version: 2), location: location)
        #expect(first.count == 0)
        first.set("a", 1)
        second.set("a", 2)
        #expect(first.count == 2)
        #expect(second.count == 2)
    }
}
