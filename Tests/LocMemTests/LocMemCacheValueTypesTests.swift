import Testing

@testable import LocMem

/// Values of every kind of type come back as stored, and as any type they can be cast to, from
/// `get`, `getOrSet` and `getMany`: what `LocMemCache._cast` reads straight out of the existential
/// container for a value stored as exactly the requested type (in the buffer, or in a heap box), and
/// hands to `as?` otherwise. Each value must come back equal to what was stored (and a class instance as the
/// same object), and a request for another type must give what `as?` gives: `nil`, or the value cast.
@Suite struct LocMemCacheValueTypesTests {
    struct ThreeWords: Sendable, Equatable { var a: Int, b: Int, c: Int }
    struct ThreeWordsAndAByte: Sendable, Equatable { var a: Int, b: Int, c: Int, d: UInt8 }
    struct WithAString: Sendable, Equatable { var id: Int, name: String }
    struct OverAligned: Sendable, Equatable { var vector: SIMD4<Float>, tag: Int }
    final class Node: Sendable {
        let name: String
        init(name: String) { self.name = name }
    }
    final class Leaf: @unchecked Sendable {
        let value: Int
        init(value: Int) { self.value = value }
    }
    /// Not bitwise takable (a weak reference), so never in the buffer, however small.
    struct WeakHolder: @unchecked Sendable {
        weak var target: Leaf?
    }
    /// Raw-layout storage (`InlineArray`), in a type of its own for `Equatable`.
    struct InlineArrayBox: Sendable, Equatable {
        var elements: InlineArray<3, Int>
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.elements.indices.allSatisfy { lhs.elements[$0] == rhs.elements[$0] } }
    }
    struct InlineStrings: Sendable, Equatable {
        var elements: InlineArray<2, String>
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.elements.indices.allSatisfy { lhs.elements[$0] == rhs.elements[$0] } }
    }
    enum Shape: Sendable, Equatable { case point, circle(radius: Double), polygon([Int]) }

    /// Stores `value` under a fresh key and checks `get`, `getOrSet` and `getMany` as its own type.
    static func roundTrip<V: Sendable & Equatable>(_ value: V, in cache: LocMemCache) {
        let key = "value-\(V.self)".filter { !$0.isWhitespace }
        cache.set(key, value)
        #expect(cache.get(key, as: V.self) == value, "\(V.self)")
        #expect(cache.getOrSet(key) { () -> V in Issue.record("loaded \(V.self)"); return value } == value)
        #expect(cache.getMany([key], as: V.self)[key] == value, "\(V.self) by getMany")
    }

    @Test func valuesInTheBufferAndInABoxComeBackAsStored() throws {
        let cache = try makeCache()
        Self.roundTrip(42, in: cache)
        Self.roundTrip(Int8(-7), in: cache)
        Self.roundTrip(true, in: cache)
        Self.roundTrip(2.5, in: cache)
        Self.roundTrip("a string long enough to live on the heap, not in the small form", in: cache)
        Self.roundTrip(ThreeWords(a: 1, b: 2, c: 3), in: cache)  // 24 bytes: the buffer's size
        Self.roundTrip(ThreeWordsAndAByte(a: 1, b: 2, c: 3, d: 4), in: cache)  // one byte too many: boxed
        Self.roundTrip(WithAString(id: 7, name: String(repeating: "x", count: 40)), in: cache)
        Self.roundTrip(OverAligned(vector: [1, 2, 3, 4], tag: 9), in: cache)  // 16-byte aligned: boxed
        Self.roundTrip(SIMD2<Double>(1, 2), in: cache)
        Self.roundTrip(UInt128(1) << 100, in: cache)
        Self.roundTrip(InlineArrayBox(elements: [1, 2, 3]), in: cache)  // raw layout, 24 bytes: in the buffer
        Self.roundTrip(InlineStrings(elements: ["a", String(repeating: "b", count: 30)]), in: cache)  // 32 bytes
        Self.roundTrip([1, 2, 3], in: cache)
        Self.roundTrip(["a": 1], in: cache)
        Self.roundTrip(Shape.point, in: cache)
        Self.roundTrip(Shape.circle(radius: 1.5), in: cache)
        Self.roundTrip(Shape.polygon([1, 2, 3]), in: cache)
        Self.roundTrip(Int?.none, in: cache)
        Self.roundTrip(Int?.some(3), in: cache)
    }

    @Test func aValueOfAnotherTypeIsAMissAndACastableOneAHit() throws {
        let cache = try makeCache()
        cache.set("int", 42)
        #expect(cache.get("int", as: String.self) == nil)
        #expect(cache.get("int", as: Int?.self) == .some(42))  // as? wraps it, as in Swift
        #expect(cache.get("int", as: (any Sendable).self) as? Int == 42)
        #expect(cache.get("int", as: (any Equatable).self) as? Int == 42)
        cache.set("words", ThreeWords(a: 1, b: 2, c: 3))
        #expect(cache.get("words", as: ThreeWordsAndAByte.self) == nil)
        #expect(cache.get("words", as: (a: Int, b: Int, c: Int).self) == nil)
        cache.set("leaf", Leaf(value: 5))
        #expect(cache.get("leaf", as: AnyObject.self) as? Leaf === cache.get("leaf", as: Leaf.self))
        #expect(cache.get("leaf", as: Node.self) == nil)
    }

    @Test func aClassInstanceComesBackAsTheSameObjectAndIsReleasedWithTheEntry() throws {
        let cache = try makeCache()
        weak var released: Node?
        do {
            let node = Node(name: "root")
            released = node
            cache.set("node", node)
            for _ in 0..<1_000 { #expect(cache.get("node", as: Node.self) === node) }
        }
        #expect(released != nil, "the cache keeps its value alive")
        #expect(cache.get("node", as: Node.self)?.name == "root")
        cache.delete("node")
        #expect(released == nil, "reads took no reference the entry did not give back")
    }

    @Test func aValueThatIsNotBitwiseTakableComesBackIntact() throws {
        let cache = try makeCache()
        let leaf = Leaf(value: 11)
        cache.set("holder", WeakHolder(target: leaf))
        #expect(cache.get("holder", as: WeakHolder.self)?.target === leaf)
        #expect(cache.getOrSet("holder") { WeakHolder(target: nil) }.target === leaf)
        withExtendedLifetime(leaf) {}
    }

    /// The same checks with the system clock, whose expiry check a read makes directly.
    @Test func theSystemClocksCacheReadsAndExpiresTheSameValues() async throws {
        let cache = try LocMemCache(location: uniqueLocation(#function), configuration: CacheConfiguration(timeout: 60))
        Self.roundTrip(ThreeWords(a: 4, b: 5, c: 6), in: cache)
        Self.roundTrip(ThreeWordsAndAByte(a: 4, b: 5, c: 6, d: 7), in: cache)
        cache.set("short", 1, timeout: 0.2)
        cache.set("minutes", 2, timeout: 600)
        #expect(cache.get("short", as: Int.self) == 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(cache.get("short", as: Int.self) == nil, "a deadline within a second is checked exactly")
        #expect(cache.get("minutes", as: Int.self) == 2, "a deadline minutes ahead needs only the coarse clock")
    }
}
