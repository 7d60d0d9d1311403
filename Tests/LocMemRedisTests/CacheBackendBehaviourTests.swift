import LocMem
import LocMemRedis
import Synchronization
import Testing

/// A value type of the user's, as a cache stores them.
struct Profile: Codable, Sendable, Hashable {
    var name: String
    var tags: [String]
    var score: Double?
}

/// Django's `BaseCacheTests` (as its `RedisCacheTests` runs them: the cull tests left out), written
/// once against `some CacheBackend` and run on LocMem and on a real Redis server.
@Suite struct CacheBackendBehaviourTests {
    // MARK: - get, set, add, delete

    @Test(arguments: BackendKind.available)
    func simpleSetAndGet(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key", "value", timeout: .default, version: nil)
        #expect(try await cache.get("key", as: String.self, version: nil) == "value")
    }

    @Test(arguments: BackendKind.available)
    func aMissingKeyIsNil(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        #expect(try await cache.get("does-not-exist", as: String.self, version: nil) == nil)
        #expect(try await cache.hasKey("does-not-exist", version: nil) == false)
    }

    @Test(arguments: BackendKind.available)
    func aValueOfAnotherTypeIsAMiss(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("text", "42", timeout: .default, version: nil)
        try await cache.set("number", 42, timeout: .default, version: nil)
        #expect(try await cache.get("text", as: Int.self, version: nil) == nil)
        #expect(try await cache.get("number", as: String.self, version: nil) == nil)
        #expect(try await cache.get("number", as: Int.self, version: nil) == 42)
    }

    @Test(arguments: BackendKind.available)
    func aStoredNilIsAHit(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("absent", Int?.none, timeout: .default, version: nil)
        let hit = try await cache.get("absent", as: Int?.self, version: nil)
        #expect(hit == .some(nil))
        let miss = try await cache.get("never-set", as: Int?.self, version: nil)
        #expect(miss == nil)
    }

    @Test(arguments: BackendKind.available)
    func addStoresOnlyWhenAbsent(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        #expect(try await cache.add("addkey1", "value", timeout: .default, version: nil))
        #expect(try await cache.add("addkey1", "newvalue", timeout: .default, version: nil) == false)
        #expect(try await cache.get("addkey1", as: String.self, version: nil) == "value")
    }

    @Test(arguments: BackendKind.available)
    func addWithZeroTimeoutReportsAbsenceAndKeepsNothing(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        #expect(try await cache.add("key", "value", timeout: 0, version: nil))
        #expect(try await cache.get("key", as: String.self, version: nil) == nil)
    }

    @Test(arguments: BackendKind.available)
    func deleteReportsWhetherAValueWasRemoved(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key1", "spam", timeout: .default, version: nil)
        try await cache.set("key2", "eggs", timeout: .default, version: nil)
        #expect(try await cache.delete("key1", version: nil))
        #expect(try await cache.delete("key1", version: nil) == false)
        #expect(try await cache.get("key1", as: String.self, version: nil) == nil)
        #expect(try await cache.get("key2", as: String.self, version: nil) == "eggs")
    }

    @Test(arguments: BackendKind.available)
    func hasKeySeesStoredNil(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("hello1", "goodbye1", timeout: .default, version: nil)
        try await cache.set("null", String?.none, timeout: .default, version: nil)
        #expect(try await cache.hasKey("hello1", version: nil))
        #expect(try await cache.hasKey("goodbye1", version: nil) == false)
        #expect(try await cache.hasKey("null", version: nil))
    }

    @Test(arguments: BackendKind.available)
    func dataTypesRoundTrip(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        let profile = Profile(name: "Ada", tags: ["math", "engines"], score: 9.5)
        try await cache.set("profile", profile, timeout: .default, version: nil)
        try await cache.set("list", [1, 2, 3], timeout: .default, version: nil)
        try await cache.set("map", ["a": 1.5], timeout: .default, version: nil)
        try await cache.set("flag", true, timeout: .default, version: nil)
        try await cache.set("unicode", "Iñtërnâtiônàlizætiøn ✓ 日本", timeout: .default, version: nil)
        try await cache.set("bytes", [UInt8]([0, 1, 0xFF, 13, 10]), timeout: .default, version: nil)
        #expect(try await cache.get("profile", as: Profile.self, version: nil) == profile)
        #expect(try await cache.get("list", as: [Int].self, version: nil) == [1, 2, 3])
        #expect(try await cache.get("map", as: [String: Double].self, version: nil) == ["a": 1.5])
        #expect(try await cache.get("flag", as: Bool.self, version: nil) == true)
        #expect(try await cache.get("unicode", as: String.self, version: nil) == "Iñtërnâtiônàlizætiøn ✓ 日本")
        #expect(try await cache.get("bytes", as: [UInt8].self, version: nil) == [0, 1, 0xFF, 13, 10])
    }

    @Test(arguments: BackendKind.available)
    func unicodeKeysWork(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        let stuff = ["ascii": "ascii_value", "unicode_ascii": "Iñtërnâtiônàlizætiøn1", "Iñtërnâtiônàlizætiøn": "2"]
        for (key, value) in stuff {
            try await cache.set(key, value, timeout: .default, version: nil)
            #expect(try await cache.get(key, as: String.self, version: nil) == value)
            #expect(try await cache.delete(key, version: nil))
        }
    }

    // MARK: - Many keys

    @Test(arguments: BackendKind.available)
    func getManyReturnsTheHitsOnly(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("a", "a", timeout: .default, version: nil)
        try await cache.set("b", "b", timeout: .default, version: nil)
        try await cache.set("c", "c", timeout: .default, version: nil)
        try await cache.set("d", 4, timeout: .default, version: nil)
        #expect(try await cache.getMany(["a", "c", "d", "x"], as: String.self, version: nil) == ["a": "a", "c": "c"])
        #expect(try await cache.getMany([], as: String.self, version: nil).isEmpty)
    }

    @Test(arguments: BackendKind.available)
    func setManyAndDeleteMany(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        #expect(
            try await cache.setMany(["key1": "spam", "key2": "eggs", "key3": "ham"], timeout: .default, version: nil)
                .isEmpty)
        #expect(try await cache.get("key1", as: String.self, version: nil) == "spam")
        #expect(try await cache.get("key2", as: String.self, version: nil) == "eggs")
        try await cache.deleteMany(["key1", "key2", "missing"], version: nil)
        #expect(try await cache.get("key1", as: String.self, version: nil) == nil)
        #expect(try await cache.get("key3", as: String.self, version: nil) == "ham")
    }

    @Test(arguments: BackendKind.available)
    func setManyWithZeroTimeoutKeepsNothing(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key1", "old", timeout: .default, version: nil)
        _ = try await cache.setMany(["key1": "spam", "key2": "eggs"], timeout: 0, version: nil)
        #expect(try await cache.get("key1", as: String.self, version: nil) == nil)
        #expect(try await cache.get("key2", as: String.self, version: nil) == nil)
    }

    // MARK: - Counters

    @Test(arguments: BackendKind.available)
    func incrAndDecr(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("answer", 41, timeout: .default, version: nil)
        #expect(try await cache.incr("answer", by: 1, version: nil) == 42)
        #expect(try await cache.get("answer", as: Int.self, version: nil) == 42)
        #expect(try await cache.incr("answer", by: 10, version: nil) == 52)
        #expect(try await cache.incr("answer", by: -10, version: nil) == 42)
        #expect(try await cache.decr("answer", by: 1, version: nil) == 41)
        #expect(try await cache.decr("answer", by: 10, version: nil) == 31)
        #expect(try await cache.decr("answer", by: -10, version: nil) == 41)
    }

    @Test(arguments: BackendKind.available)
    func incrOfAMissingKeyThrowsAndCreatesNothing(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        #expect(await cacheError { try await cache.incr("does-not-exist", by: 1, version: nil) }?.isKeyNotFound == true)
        #expect(await cacheError { try await cache.decr("does-not-exist", by: 1, version: nil) }?.isKeyNotFound == true)
        #expect(try await cache.hasKey("does-not-exist", version: nil) == false)
    }

    @Test(arguments: BackendKind.available)
    func incrOfANonIntegerThrows(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("text", "forty-two", timeout: .default, version: nil)
        #expect(await cacheError { try await cache.incr("text", by: 1, version: nil) }?.isNotAnInteger == true)
        #expect(try await cache.get("text", as: String.self, version: nil) == "forty-two")
    }

    @Test(arguments: BackendKind.available)
    func overflowThrowsAndLeavesTheValue(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("big", Int.max, timeout: .default, version: nil)
        #expect(await cacheError { try await cache.incr("big", by: 1, version: nil) }?.isOverflow == true)
        #expect(try await cache.get("big", as: Int.self, version: nil) == Int.max)
        try await cache.set("small", Int.min, timeout: .default, version: nil)
        #expect(await cacheError { try await cache.decr("small", by: 1, version: nil) }?.isOverflow == true)
        #expect(try await cache.get("small", as: Int.self, version: nil) == Int.min)
    }

    @Test(arguments: BackendKind.available)
    func incrKeepsTheExpiry(_ kind: BackendKind) async throws {
        let backend = try await TestBackend(kind)
        let cache = backend.cache
        try await cache.set("counter", 1, timeout: 3, version: nil)
        #expect(try await cache.incr("counter", by: 1, version: nil) == 2)
        try await backend.advance(by: 3.3)
        #expect(try await cache.get("counter", as: Int.self, version: nil) == nil)
    }

    // MARK: - Expiry

    @Test(arguments: BackendKind.available)
    func valuesExpireAfterTheirTimeout(_ kind: BackendKind) async throws {
        let backend = try await TestBackend(kind)
        let cache = backend.cache
        try await cache.set("expire1", "very quickly", timeout: 0.3, version: nil)
        try await cache.set("expire2", "very quickly", timeout: 0.3, version: nil)
        try await cache.set("stays", "a while", timeout: 30, version: nil)
        try await backend.advance(by: 0.5)
        #expect(try await cache.get("expire1", as: String.self, version: nil) == nil)
        #expect(try await cache.add("expire2", "newvalue", timeout: .default, version: nil))
        #expect(try await cache.get("expire2", as: String.self, version: nil) == "newvalue")
        #expect(try await cache.hasKey("expire1", version: nil) == false)
        #expect(try await cache.get("stays", as: String.self, version: nil) == "a while")
    }

    @Test(arguments: BackendKind.available)
    func zeroAndNegativeTimeoutsKeepNothing(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key1", "eggs", timeout: .default, version: nil)
        try await cache.set("key1", "spam", timeout: 0, version: nil)
        #expect(try await cache.get("key1", as: String.self, version: nil) == nil)
        try await cache.set("key2", "ham", timeout: -1, version: nil)
        #expect(try await cache.get("key2", as: String.self, version: nil) == nil)
    }

    @Test(arguments: BackendKind.available)
    func neverAndLongTimeoutsPersist(_ kind: BackendKind) async throws {
        let backend = try await TestBackend(kind, CacheConfiguration(timeout: 0.3))
        let cache = backend.cache
        try await cache.set("forever", "eggs", timeout: .never, version: nil)
        try await cache.set("long", "spam", timeout: .seconds(60 * 60 * 24 * 30 + 1), version: nil)
        try await cache.set("default", "ham", timeout: .default, version: nil)
        try await backend.advance(by: 0.5)
        #expect(try await cache.get("forever", as: String.self, version: nil) == "eggs")
        #expect(try await cache.get("long", as: String.self, version: nil) == "spam")
        #expect(try await cache.get("default", as: String.self, version: nil) == nil)
    }

    @Test(arguments: BackendKind.available)
    func touchChangesTheExpiryOfLiveKeysOnly(_ kind: BackendKind) async throws {
        let backend = try await TestBackend(kind)
        let cache = backend.cache
        try await cache.set("expire1", "very quickly", timeout: 3, version: nil)
        #expect(try await cache.touch("expire1", timeout: 30, version: nil))
        try await cache.set("expire2", "very quickly", timeout: 3, version: nil)
        #expect(try await cache.touch("expire2", timeout: .never, version: nil))
        try await backend.advance(by: 3.3)
        #expect(try await cache.get("expire1", as: String.self, version: nil) == "very quickly")
        #expect(try await cache.get("expire2", as: String.self, version: nil) == "very quickly")
        #expect(try await cache.touch("nonexistent", timeout: 30, version: nil) == false)
        #expect(try await cache.touch("expire1", timeout: .never, version: nil))
        try await cache.set("persistent", "p", timeout: .never, version: nil)
        #expect(try await cache.touch("persistent", timeout: .never, version: nil))
        #expect(try await cache.touch("expire1", timeout: 0, version: nil))
        #expect(try await cache.get("expire1", as: String.self, version: nil) == nil)
    }

    // MARK: - Versions and keys

    @Test(arguments: BackendKind.available)
    func versionsAreSeparateKeys(_ kind: BackendKind) async throws {
        let backend = try await TestBackend(kind, CacheConfiguration(version: 2))
        let cache = backend.cache
        try await cache.set("answer1", 42, timeout: .default, version: nil)
        #expect(try await cache.get("answer1", as: Int.self, version: nil) == 42)
        #expect(try await cache.get("answer1", as: Int.self, version: 1) == nil)
        #expect(try await cache.get("answer1", as: Int.self, version: 2) == 42)
        try await cache.set("answer2", 37, timeout: .default, version: 1)
        #expect(try await cache.get("answer2", as: Int.self, version: nil) == nil)
        #expect(try await cache.get("answer2", as: Int.self, version: 1) == 37)
    }

    @Test(arguments: BackendKind.available)
    func incrVersionMovesTheValue(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("answer", 42, timeout: .default, version: 2)
        #expect(try await cache.incrVersion("answer", by: 1, version: 2) == 3)
        #expect(try await cache.get("answer", as: Int.self, version: 2) == nil)
        #expect(try await cache.get("answer", as: Int.self, version: 3) == 42)
        #expect(try await cache.decrVersion("answer", by: 2, version: 3) == 1)
        #expect(try await cache.get("answer", as: Int.self, version: 1) == 42)
        #expect(try await cache.get("answer", as: Int.self, version: 3) == nil)
        #expect(
            await cacheError { try await cache.incrVersion("does-not-exist", by: 1, version: nil) }?.isKeyNotFound
                == true)
        #expect(await cacheError { try await cache.incrVersion("answer", by: 1, version: Int.max) }?.isOverflow == true)
    }

    @Test(arguments: BackendKind.available)
    func customKeyFunctionsAndPrefixesSeparateCaches(_ kind: BackendKind) async throws {
        let reversed = CacheConfiguration(keyFunction: { key, prefix, version in "\(prefix)-custom-\(version)-\(key)" })
        let custom = try await TestBackend(kind, reversed).cache
        try await custom.set("answer", 42, timeout: .default, version: nil)
        #expect(custom.makeKey("answer", version: nil).hasSuffix("-custom-1-answer"))
        #expect(try await custom.get("answer", as: Int.self, version: nil) == 42)
        let other = try await TestBackend(kind).cache
        #expect(try await other.get("answer", as: Int.self, version: nil) == nil)
    }

    @Test(arguments: BackendKind.available)
    func unportableKeysWarnAndStillWork(_ kind: BackendKind) async throws {
        let warnings = Mutex<[CacheKeyWarning]>([])
        let configuration = CacheConfiguration(onKeyWarning: { warning in warnings.withLock { $0.append(warning) } })
        let cache = try await TestBackend(kind, configuration).cache
        try await cache.set("key with spaces", 1, timeout: .default, version: nil)
        #expect(try await cache.get("key with spaces", as: Int.self, version: nil) == 1)
        try await cache.set(String(repeating: "a", count: 251), 2, timeout: .default, version: nil)
        let kinds = warnings.withLock { $0.map(\.kind) }
        #expect(kinds.contains(.invalidCharacter))
        #expect(kinds.contains { if case .tooLong = $0 { true } else { false } })
    }

    // MARK: - getOrSet, clear

    @Test(arguments: BackendKind.available)
    func getOrSetLoadsOnceAndReturnsTheStoredValue(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        let loads = Counter()
        for _ in 0..<3 {
            let value = try await cache.getOrSet("projector", timeout: .default, version: nil) {
                () async throws -> Int in
                loads.increment()
                return 42
            }
            #expect(value == 42)
        }
        #expect(loads.value == 1)
        #expect(try await cache.get("projector", as: Int.self, version: nil) == 42)
    }

    @Test(arguments: BackendKind.available)
    func getOrSetIsSingleFlightWithinTheProcess(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        let loads = Counter()
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await cache.getOrSet("slow", timeout: .default, version: nil) { () async throws -> String in
                        loads.increment()
                        try await Task.sleep(for: .milliseconds(100))
                        return "loaded"
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: "loaded", count: 16))
        #expect(loads.value == 1)
    }

    @Test(arguments: BackendKind.available)
    func aThrowingLoaderStoresNothing(_ kind: BackendKind) async throws {
        struct LoadFailed: Error {}
        let cache = try await TestBackend(kind).cache
        await #expect(throws: LoadFailed.self) {
            try await cache.getOrSet("failing", timeout: .default, version: nil) { () async throws -> Int in
                throw LoadFailed()
            }
        }
        #expect(try await cache.hasKey("failing", version: nil) == false)
    }

    @Test(arguments: BackendKind.available)
    func clearRemovesTheCachesEntries(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key1", "spam", timeout: .default, version: nil)
        try await cache.set("key2", "eggs", timeout: .default, version: 7)
        try await cache.clear()
        #expect(try await cache.get("key1", as: String.self, version: nil) == nil)
        #expect(try await cache.get("key2", as: String.self, version: 7) == nil)
    }

    @Test(arguments: BackendKind.available)
    func closeIsHarmlessToCall(_ kind: BackendKind) async throws {
        let cache = try await TestBackend(kind).cache
        try await cache.set("key", "value", timeout: .default, version: nil)
        await cache.close()
    }
}
