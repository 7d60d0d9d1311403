import LocMem
import Testing

/// A read locates its key without building the final key as a `String` (it writes it on the
/// stack); writes build the `String`. These tests prove that both ways arrive at the same key for
/// every kind of prefix, version and key, and that keys compare by their UTF-8 bytes.
@Suite struct LocMemCacheKeyEncodingTests {
    static let versions = [0, 1, -1, 9, 10, 99, 100, 12_345, Int.max, Int.min, Int.min + 1]
    static let prefixes = ["", "p", "bookstore", "préfixe", String(repeating: "x", count: 40)]
    static let keys = ["", "k", "book:1", "ключ", "🙂 emoji", String(repeating: "k", count: 41), String(repeating: "é", count: 300)]

    @Test(arguments: prefixes)
    func whatSetWritesGetFindsForEveryVersionAndKey(prefix: String) throws {
        let cache = try makeCache(CacheConfiguration(keyPrefix: prefix, onKeyWarning: { _ in }))
        for version in Self.versions {
            for (index, key) in Self.keys.enumerated() {
                cache.set(key, index, version: version)
                #expect(cache.get(key, as: Int.self, version: version) == index, "key \(key.debugDescription) v\(version)")
                #expect(cache.getOrSet(key, version: version) { -1 } == index)
                #expect(cache.hasKey(key, version: version))
            }
        }
        #expect(cache.count == Self.versions.count * Self.keys.count)
    }

    @Test func keysThatDifferOnlyInVersionDigitsOrColonsStayApart() throws {
        let cache = try makeCache(CacheConfiguration(keyPrefix: "a"))
        cache.set("b", "version 1", version: 1)
        cache.set("b", "version 11", version: 11)
        cache.set("1:b", "key with a colon", version: 1)  // final key "a:1:1:b"
        #expect(cache.get("b", as: String.self, version: 1) == "version 1")
        #expect(cache.get("b", as: String.self, version: 11) == "version 11")
        #expect(cache.get("1:b", as: String.self, version: 1) == "key with a colon")
        #expect(cache.get("b", as: String.self, version: 111) == nil)
    }

    @Test func aCustomKeyFunctionIsUsedForReadsAndWritesAlike() throws {
        let cache = try makeCache(CacheConfiguration(keyFunction: { key, prefix, version in "\(key)|\(version)|\(prefix)" }))
        cache.set("k", 7, version: 3)
        #expect(cache.makeKey("k", version: 3) == "k|3|")
        #expect(cache.get("k", as: Int.self, version: 3) == 7)
    }

    @Test func keysCompareByTheirUTF8Bytes() throws {
        // "café" precomposed (U+00E9) and decomposed (e + U+0301) are equal Swift Strings but
        // different keys, as in Python, memcached and Redis.
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        let cache = try makeCache()
        cache.set(composed, 1)
        cache.set(decomposed, 2)
        #expect(cache.get(composed, as: Int.self) == 1)
        #expect(cache.get(decomposed, as: Int.self) == 2)
        #expect(cache.count == 2)
    }

    @Test func everyUnportableByteIsReportedWhereverItStands() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        for byte in UInt8(0)...0x7F {
            for position in [0, 3, 7, 8, 15, 30] {
                var scalars = Array(repeating: Unicode.Scalar(UInt8(ascii: "a")), count: 31)
                scalars[position] = Unicode.Scalar(byte)
                let key = String(String.UnicodeScalarView(scalars))
                _ = cache.get(key, as: Int.self)
                let warned = recorder.take().contains { $0.kind == .invalidCharacter }
                #expect(warned == (byte <= 0x20 || byte == 0x7F), "byte \(byte) at \(position)")
            }
        }
    }

    @Test func theLengthLimitCountsPrefixAndVersionToo() throws {
        let recorder = WarningRecorder()
        let prefix = String(repeating: "p", count: 200)
        let cache = try makeCache(CacheConfiguration(keyPrefix: prefix, onKeyWarning: recorder.handler))
        _ = cache.get(String(repeating: "k", count: 47), as: Int.self)  // 200 + ":1:" + 47 = 250
        #expect(recorder.take().isEmpty)
        _ = cache.get(String(repeating: "k", count: 48), as: Int.self)  // 251
        #expect(recorder.take().map(\.kind) == [.tooLong(length: 251)])
        _ = cache.get(String(repeating: "é", count: 47), as: Int.self)  // 250 scalars, 297 bytes
        #expect(recorder.take().isEmpty)
    }
}
