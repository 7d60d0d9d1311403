import LocMem
import Synchronization
import Testing

/// Input a caller should not send but will: huge, empty and malformed keys, non-finite timeouts, extreme deltas
/// and versions, a one-entry store. Nothing may crash, hang, corrupt other entries or leave the count wrong.
@Suite struct LocMemCacheHostileInputTests {
    // MARK: - Keys

    @Test func aOneMegabyteKeyWorksForEveryOperationAndWarnsOnce() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        let key = String(repeating: "k", count: 1 << 20)
        let neighbour = String(key.dropLast()) + "j"  // differs in the last byte only

        cache.set(key, 1)
        let warnings = recorder.take()
        // ":1:" plus the key, counted in scalars; a portable character set, so no other warning.
        #expect(warnings.map(\.tooLongLength) == [(1 << 20) + 3])
        #expect(warnings.first?.key.utf8.count == (1 << 20) + 3)
        #expect(cache.get(key, as: Int.self) == 1)
        #expect(cache.get(neighbour, as: Int.self) == nil)
        #expect(cache.add(key, 2) == false)
        #expect(try cache.incr(key, by: 41) == 42)
        #expect(cache.touch(key, timeout: .never))
        #expect(cache.getMany([key, neighbour], as: Int.self) == [key: 42])
        #expect(try cache.incrVersion(key) == 2)
        #expect(cache.get(key, as: Int.self, version: 2) == 42)
        #expect(cache.delete(key, version: 2))
        #expect(cache.count == 0)
        #expect(recorder.take().allSatisfy { $0.tooLongLength != nil })
    }

    @Test func theEmptyKeyIsAnOrdinaryKey() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        #expect(cache.makeKey("") == ":1:")
        cache.set("", "empty")
        cache.set(" ", "space")
        #expect(cache.get("", as: String.self) == "empty")
        #expect(cache.get(" ", as: String.self) == "space")
        #expect(try cache.incrVersion("") == 2)
        #expect(cache.get("", as: String.self, version: 2) == "empty")
        #expect(cache.count == 2)
        // Only the space warns; the empty key is portable (memcached rejects it, but Django's
        // validate_key does not warn about it, and neither does LocMem).
        #expect(recorder.take().allSatisfy { $0.key.contains(" ") && $0.isInvalidCharacter })

        // With a key function that returns the key as it is, the final key is empty too.
        let bare = try makeCache(identityKeyConfiguration(onKeyWarning: recorder.handler))
        bare.set("", 7)
        #expect(bare.makeKey("") == "")
        #expect(bare.get("", as: Int.self) == 7)
        #expect(bare.delete(""))
        #expect(bare.hasKey("") == false)
        #expect(recorder.warnings.isEmpty)
    }

    @Test func keysWithNULAreDistinctFromTheirPrefixAndWarn() throws {
        // A C-string conversion anywhere on the path would cut "a\0b" to "a".
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        cache.set("a", "plain")
        cache.set("a\u{0}b", "with NUL")
        cache.set("a\u{0}", "trailing NUL")
        cache.set("\u{0}", "only NUL")
        #expect(cache.get("a", as: String.self) == "plain")
        #expect(cache.get("a\u{0}b", as: String.self) == "with NUL")
        #expect(cache.get("a\u{0}", as: String.self) == "trailing NUL")
        #expect(cache.get("\u{0}", as: String.self) == "only NUL")
        #expect(cache.count == 4)
        let warned = Set(recorder.take().filter(\.isInvalidCharacter).map(\.key))
        #expect(warned == [":1:a\u{0}b", ":1:a\u{0}", ":1:\u{0}"])
        #expect(cache.delete("a\u{0}b"))
        #expect(cache.get("a", as: String.self) == "plain")
    }

    @Test func invalidUTF8AndLoneSurrogatesAreRepairedToU_FFFDAndRoundTrip() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        // Bytes and code units that are not valid Unicode, converted the way Swift converts untrusted input.
        let fromUTF8 = String(decoding: [0x6B, 0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80] as [UInt8], as: UTF8.self)
        let fromUTF16 = String(decoding: [0x6B, 0xD800, 0xDC00, 0xDFFF, 0xD83D] as [UInt16], as: UTF16.self)
        let withControl = String(decoding: [0x6B, 0xFF, 0x00, 0x0A] as [UInt8], as: UTF8.self)
        #expect(fromUTF8.unicodeScalars.contains("\u{FFFD}"))
        #expect(fromUTF16 == "k\u{10000}\u{FFFD}\u{FFFD}")

        for (index, key) in [fromUTF8, fromUTF16, withControl].enumerated() {
            cache.set(key, index)
            #expect(cache.get(key, as: Int.self) == index)
            #expect(cache.makeKey(key).unicodeScalars.elementsEqual((":1:" + key).unicodeScalars))
        }
        #expect(cache.count == 3)
        // A repaired key is an ordinary key: it warns only for what Django warns about (here the NUL and LF),
        // once per operation (the set and the get).
        let warnings = recorder.take()
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.key == ":1:" + withControl && $0.isInvalidCharacter })

        // The repair is lossy: different invalid inputs become the same key and share one entry.
        let otherInvalid = String(decoding: [0x6B, 0xFE, 0xC0, 0x80, 0xED, 0xA0, 0x80] as [UInt8], as: UTF8.self)
        #expect(otherInvalid == fromUTF8)
        #expect(cache.get(otherInvalid, as: Int.self) == 0)
    }

    @Test func extremeVersionsMakeWellFormedKeys() throws {
        let cache = try makeCache()
        #expect(cache.makeKey("k", version: Int.max) == ":9223372036854775807:k")
        #expect(cache.makeKey("k", version: Int.min) == ":-9223372036854775808:k")
        #expect(cache.makeKey("k", version: 0) == ":0:k")
        cache.set("k", "max", version: Int.max)
        cache.set("k", "min", version: Int.min)
        #expect(cache.get("k", as: String.self, version: Int.max) == "max")
        #expect(cache.get("k", as: String.self, version: Int.min) == "min")
        #expect(cache.get("k", as: String.self) == nil)
    }

    // MARK: - Timeouts

    @Test(arguments: [Double.nan, -Double.nan, Double.signalingNaN, -Double.infinity, -0.0, -1e-300])
    func aNonPositiveOrNaNPerCallTimeoutKeepsNothing(seconds: Double) throws {
        let cache = try makeCache()
        cache.set("set", "old", timeout: .never)
        cache.set("set", "new", timeout: .seconds(seconds))
        #expect(cache.hasKey("set") == false, "set with \(seconds) removes the old value")
        #expect(cache.add("add", 1, timeout: .seconds(seconds)) == true)
        #expect(cache.hasKey("add") == false)
        cache.set("touch", 1, timeout: .never)
        #expect(cache.touch("touch", timeout: .seconds(seconds)) == true)
        #expect(cache.hasKey("touch") == false, "touch with \(seconds) expires the key")
        var loads = 0
        #expect(cache.getOrSet("loaded", timeout: .seconds(seconds)) { loads += 1; return 5 } == 5)
        #expect(cache.getOrSet("loaded", timeout: .seconds(seconds)) { loads += 1; return 6 } == 6)
        #expect(loads == 2)
        #expect(cache.setMany(["m1": 1, "m2": 2], timeout: .seconds(seconds)).isEmpty)
        #expect(cache.count == 0)
    }

    @Test(arguments: [CacheTimeout.seconds(.infinity), .never, .seconds(.greatestFiniteMagnitude)])
    func anInfiniteOrHugePerCallTimeoutOutlivesAnyClock(timeout: CacheTimeout) throws {
        let clock = ManualClock()
        let cache = try makeCache(clock: clock)
        cache.set("set", 1, timeout: timeout)
        #expect(cache.add("add", 2, timeout: timeout))
        cache.set("touch", 3, timeout: 1)
        #expect(cache.touch("touch", timeout: timeout))
        #expect(cache.getOrSet("loaded", timeout: timeout) { 4 } == 4)
        clock.advance(by: 1e300)
        #expect(cache.getMany(["set", "add", "touch", "loaded"], as: Int.self)
                == ["set": 1, "add": 2, "touch": 3, "loaded": 4])
    }

    @Test(arguments: [Double.nan, -Double.nan, Double.signalingNaN, Double.infinity, -Double.infinity])
    func aNonFiniteConfiguredTimeoutIsAnInvalidConfiguration(timeout: Double) {
        #expect(thrownCase { try makeCache(CacheConfiguration(timeout: timeout)) }
                == .invalidConfiguration(field: "timeout"))
    }

    // MARK: - Extreme deltas

    @Test func incrAndDecrThatOverflowThrowAndLeaveTheValue() throws {
        let cache = try makeCache()
        let cases: [(start: Int, delta: Int, isIncr: Bool)] = [
            (1, Int.max, true), (-1, Int.min, true), (Int.max, 1, true), (Int.min, -1, true),
            (0, Int.min, false), (-2, Int.max, false), (Int.min, 1, false), (Int.max, -1, false),
        ]
        for (start, delta, isIncr) in cases {
            cache.set("n", start, timeout: 60)
            let outcome = thrownCase { isIncr ? try cache.incr("n", by: delta) : try cache.decr("n", by: delta) }
            #expect(outcome == .overflow, "\(isIncr ? "incr" : "decr")(\(start), by: \(delta))")
            #expect(cache.get("n", as: Int.self) == start)
        }
        // The extremes themselves are reachable.
        cache.set("n", 0)
        #expect(try cache.incr("n", by: Int.max) == Int.max)
        #expect(try cache.decr("n", by: Int.max) == 0)
        #expect(try cache.incr("n", by: Int.min) == Int.min)
        #expect(try cache.decr("n", by: Int.min) == 0)
        #expect(cache.count == 1)
    }

    @Test func versionChangesThatOverflowThrowAndMoveNothing() throws {
        let cache = try makeCache()
        let cases: [(version: Int, delta: Int, isIncr: Bool)] = [
            (1, Int.max, true), (-1, Int.min, true), (Int.max, 1, true),
            (0, Int.min, false), (-2, Int.max, false), (Int.min, 1, false),
        ]
        for (version, delta, isIncr) in cases {
            cache.set("v", "value", version: version)
            let outcome = thrownCase {
                isIncr ? try cache.incrVersion("v", by: delta, version: version)
                    : try cache.decrVersion("v", by: delta, version: version)
            }
            #expect(outcome == .overflow, "\(isIncr ? "incrVersion" : "decrVersion")(\(version), by: \(delta))")
            #expect(cache.get("v", as: String.self, version: version) == "value")
            #expect(cache.count == 1)
            cache.delete("v", version: version)
        }
        // Extreme deltas that fit move the value.
        cache.set("v", "value")
        #expect(try cache.incrVersion("v", by: Int.min) == 1 + Int.min)
        #expect(try cache.decrVersion("v", by: Int.min, version: 1 + Int.min) == 1)
        #expect(try cache.incrVersion("v", by: Int.max - 1) == Int.max)
        #expect(cache.get("v", as: String.self, version: Int.max) == "value")
        #expect(cache.count == 1)
        // An overflowing change of a missing key throws one or the other, and stores nothing.
        let missing = thrownCase { try cache.incrVersion("missing", by: Int.max) }
        #expect(missing == .overflow || missing == .keyNotFound)
        #expect(cache.count == 1)
    }

    // MARK: - A one-entry store

    @Test(arguments: [0, 1, 3])
    func aOneEntryStoreNeverHoldsMoreThanOneEntry(cullFrequency: Int) throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 1, cullFrequency: cullFrequency))
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.count == 1)
        #expect(cache.get("b", as: Int.self) == 2)
        #expect(cache.add("c", 3))
        #expect(cache.getMany(["a", "b", "c"], as: Int.self) == ["c": 3])
        #expect(cache.getOrSet("d") { 4 } == 4)
        #expect(cache.count == 1)
        #expect(cache.setMany(["e": 5, "f": 6, "g": 7]).isEmpty)
        #expect(cache.count == 1)
        #expect(cache.getMany(["e", "f", "g"], as: Int.self).count == 1)
        // Moving the only entry to another version must not cull it to make room for itself.
        cache.set("h", 8)
        #expect(try cache.incrVersion("h") == 2)
        #expect(cache.get("h", as: Int.self, version: 2) == 8)
        #expect(try cache.incr("h", by: 1, version: 2) == 9)
        #expect(cache.count == 1)
        cache.clear()
        #expect(cache.count == 0)
    }

    @Test func aOneEntryStoreUnderEightWritingThreadsNeverExceedsOne() throws {
        let location = uniqueLocation()
        let cache = try LocMemCache(location: location, configuration: CacheConfiguration(maxEntries: 1))
        let largest = Atomic<Int>(0)
        onThreads(8) { thread in
            for index in 0..<2_000 {
                let key = "t\(thread)-\(index % 7)"
                switch index % 4 {
                case 0: cache.set(key, index)
                case 1: cache.add(key, index)
                case 2: _ = cache.getOrSet(key) { index }
                default: _ = try? cache.incr(key)
                }
                largest.max(cache.count, ordering: .relaxed)
            }
        }
        #expect(largest.load(ordering: .relaxed) == 1)
        #expect(cache.count == 1)
    }
}
