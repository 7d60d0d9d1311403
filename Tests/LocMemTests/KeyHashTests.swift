import Testing

@testable import LocMem

/// The key hash (``FoldHash``) under a per-process random seed. Internal, so tested here directly:
/// that it reads exactly the key's bytes, that every byte and the length count, that ordinary keys
/// spread over shards and slots, and that a flood of keys chosen to collide under a seed an
/// attacker knows spreads under the process's.
@Suite struct KeyHashTests {
    static let knownSeed: FoldHash.Seed = (1, 2, 3, 4)

    static func hash(_ bytes: [UInt8], seed: FoldHash.Seed = knownSeed) -> UInt64 {
        bytes.withUnsafeBytes { FoldHash.hash($0, seed: seed) }
    }

    /// The same bytes at different places, between different neighbours, hash the same: nothing
    /// before or past the key is read (AddressSanitizer's run checks the reads themselves).
    @Test func theHashReadsOnlyTheKeysBytes() {
        for length in 0...64 {
            let key = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let alone = Self.hash(key)
            let neighbours: [([UInt8], [UInt8])] = [([0x00], [0x00]), ([0xFF, 0xFF, 0xFF], [0xFF] + Array(repeating: 0x5A, count: 15))]
            for (before, after) in neighbours {
                let padded = before + key + after
                let hash = padded.withUnsafeBytes { all in
                    FoldHash.hash(UnsafeRawBufferPointer(rebasing: all[before.count..<(before.count + length)]), seed: Self.knownSeed)
                }
                #expect(hash == alone, "length \(length)")
            }
        }
    }

    /// A change to any one byte, at any length up to 64, changes the hash; so does a zero byte
    /// more (the length counts), under a known seed and under the process's.
    @Test(arguments: [KeyHashTests.knownSeed, FoldHash.processSeed].map { [$0.0, $0.1, $0.2, $0.3] })
    func everyByteAndTheLengthCount(_ words: [UInt64]) {
        let seed = (words[0], words[1], words[2], words[3])
        for length in 0...64 {
            let key = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 0x41) }
            let original = Self.hash(key, seed: seed)
            for position in 0..<length {
                for flip: UInt8 in [0x01, 0x80] {
                    var other = key
                    other[position] ^= flip
                    #expect(Self.hash(other, seed: seed) != original, "length \(length), byte \(position)")
                }
            }
            #expect(Self.hash(key + [0], seed: seed) != original, "length \(length) and a zero byte")
        }
    }

    @Test func theProcessSeedIsRandomNotZero() {
        let seed = FoldHash.processSeed
        #expect([seed.0, seed.1, seed.2, seed.3].allSatisfy { $0 != 0 })
    }

    /// 100,000 keys that differ only in a counter, as an application's keys do, fill the 16 shards
    /// and 256 home slots evenly: each within a bound that chance alone crosses with a probability
    /// below one in a billion (6 standard deviations and more).
    @Test func sequentialKeysSpreadOverShardsAndSlots() {
        var shards = [Int](repeating: 0, count: Store.shardCount)
        var slots = [Int](repeating: 0, count: 256)
        let keys = 100_000
        for index in 0..<keys {
            let hash = KeyBytes.with(":1:user:\(index):profile") { KeyHash(bytes: $0, seed: FoldHash.processSeed) }
            shards[hash.shard] += 1
            slots[Int(hash.tag & 0xFF)] += 1
        }
        let perShard = keys / Store.shardCount, perSlot = keys / 256
        #expect(shards.allSatisfy { abs($0 - perShard) < perShard / 10 }, "\(shards)")
        #expect(slots.allSatisfy { abs($0 - perSlot) < perSlot * 3 / 10 }, "\(slots.min()!)...\(slots.max()!)")
    }

    /// Key comparison, inline for 8 to 16 bytes: equal buffers are equal, and a difference in any
    /// one byte, at any length, is found.
    @Test func keyBytesDifferingInAnyOneByteAreUnequal() {
        for length in 0...40 {
            let key = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 0x41) }
            key.withUnsafeBytes { left in
                let same = key
                same.withUnsafeBytes { #expect(KeyBytes.equal(left, $0), "length \(length)") }
                for position in 0..<length {
                    var other = key
                    other[position] ^= 0x20
                    other.withUnsafeBytes { #expect(!KeyBytes.equal(left, $0), "length \(length), byte \(position)") }
                }
                let longer = key + [0x41]
                longer.withUnsafeBytes { #expect(!KeyBytes.equal(left, $0), "length \(length) and one more") }
            }
        }
    }

    /// Where a key lands in a store: its shard and its home slot in a 256-slot table.
    static func home(of key: String, under seed: FoldHash.Seed) -> Int {
        let bits = KeyBytes.with(key) { FoldHash.hash($0, seed: seed) }
        let hash = KeyHash(hash: bits)
        return hash.shard << 8 | Int(hash.tag & 0xFF)
    }

    /// 64 final keys that all share one shard and one home slot under a known seed: a flood, as an
    /// attacker who knew the seed would send it. Under the process's seed they spread.
    static let flood: [String] = {
        let known = knownSeed
        let target = home(of: ":1:flood:0", under: known)
        var keys: [String] = []
        var candidate = 0
        while keys.count < 64 {
            let key = ":1:flood:\(candidate)"
            if home(of: key, under: known) == target { keys.append(key) }
            candidate += 1
        }
        return keys
    }()

    @Test func aFloodForAKnownSeedSpreadsUnderTheProcessSeed() {
        let known = Set(Self.flood.map { Self.home(of: $0, under: Self.knownSeed) })
        #expect(known.count == 1, "the flood is one place under the known seed")
        var load: [Int: Int] = [:]
        for key in Self.flood { load[Self.home(of: key, under: FoldHash.processSeed), default: 0] += 1 }
        // 64 keys over 4,096 places: more than 8 in one place has a probability below 1e-20.
        #expect(load.values.max() ?? 0 <= 8, "\(load.values.sorted(by: >).prefix(5))")
    }

    @Test func aFloodOfCollidingKeysIsStoredReadAndRemovedIntact() throws {
        let cache = try makeCache(CacheConfiguration(maxEntries: 1_000))
        let keys = Self.flood.map { String($0.dropFirst(3)) }  // the cache adds ":1:" back
        for (index, key) in keys.enumerated() { cache.set(key, index) }
        #expect(cache.count == keys.count)
        // The store hashes under the process's seed, not the known one: the flood, all in one shard
        // under the known seed, fills most of the 16 (all 64 in at most 4 by chance: below 1e-40).
        let filled = cache.store.shards.all.filter { $0.table.pointee.count > 0 }.count
        #expect(filled > 4, "the flood fills \(filled) shard(s)")
        for (index, key) in keys.enumerated() { #expect(cache.get(key, as: Int.self) == index, "\(key)") }
        for key in keys.prefix(32) { #expect(cache.delete(key)) }
        for (index, key) in keys.enumerated() {
            #expect(cache.get(key, as: Int.self) == (index < 32 ? nil : index), "\(key)")
        }
        #expect(cache.count == 32)
    }
}
