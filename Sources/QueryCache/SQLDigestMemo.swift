import Synchronization

/// The key hash of the SQL texts read recently, found by the identity of the `String` (its two words) instead of
/// by hashing its bytes again: a hit of the bookstore's 300-byte top-rated query spent about 410 instructions
/// hashing its SQL, the memo's lookup about 20.
///
/// 256 slots, one per identity (by a multiplicative hash of the two words; a new text takes the slot over).
/// A slot holds the two words of the `String` it was filled from, that `String` itself (retained, so that its
/// storage can be neither freed nor changed in place while the slot names it) and the digest of its bytes.
///
/// Why equal words mean equal bytes: the words of a small string (up to 15 UTF-8 bytes) are its bytes; those of
/// a large one are its count, its flags and the address of its storage (a literal's constant bytes, or a heap
/// object). The caller's `String` is alive during the lookup, and the slot's is retained until after the slot no
/// longer names it: two live objects never share an address, so the same words are the same storage, whose
/// bytes cannot have changed (storage shared by two `String`s is copied before it is written). A different
/// `String` with the same bytes (one built anew on each call) is simply not found, and hashed.
///
/// Nothing depends on the memo for correctness: a cached result carries its full query and a hit compares it
/// (see ``CachedResult``); a wrong digest could only cost a miss.
///
/// - Note: `@unchecked Sendable`: the slots' words are atomics, read under a per-slot sequence number (a
///   seqlock: odd while a writer fills the slot); `retained` is only touched by the one writer that moved the
///   slot's sequence number to odd (a compare-and-exchange), so never by two threads at once. Readers never
///   wait; a writer that finds the slot busy skips the memo.
@usableFromInline
final class SQLDigestMemo: @unchecked Sendable {
    @usableFromInline static var slotCount: Int { 256 }
    /// Four words per slot: sequence number, the `String`'s two words, digest. A slot never written has words
    /// (0, 0), which no `String` has (even the empty one has a discriminator bit set).
    @usableFromInline let words: InlineArray<1024, Atomic<UInt64>>
    /// The `String` each slot was filled from.
    private let retained: UnsafeMutablePointer<String>
    /// The hash seed, random per ``CachedDatabase``.
    @usableFromInline let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
        words = InlineArray { _ in Atomic(0) }
        retained = .allocate(capacity: Self.slotCount)
        retained.initialize(repeating: "", count: Self.slotCount)
    }

    deinit {
        retained.deinitialize(count: Self.slotCount)
        retained.deallocate()
    }

    /// The state of a ``QueryKeyHash`` seeded with ``seed`` after it has taken `sql`'s bytes.
    ///
    /// - Complexity: O(1) when `sql` is the same `String` (or a copy of it) as one recently seen; else O(*n*) in
    ///   its UTF-8 length.
    @inlinable
    func digest(of sql: String) -> UInt64 {
        let identity = unsafeBitCast(sql, to: (UInt64, UInt64).self)
        let base = Self.slotBase(identity)
        let sequence = words[base].load(ordering: .acquiring)
        let word0 = words[base &+ 1].load(ordering: .relaxed)
        let word1 = words[base &+ 2].load(ordering: .relaxed)
        let digest = words[base &+ 3].load(ordering: .relaxed)
        atomicMemoryFence(ordering: .acquiring)
        if sequence & 1 == 0, words[base].load(ordering: .relaxed) == sequence,
           word0 == identity.0, word1 == identity.1 {
            return digest
        }
        return remember(sql, identity: identity, base: base)
    }

    /// The index of the first word of the slot for a `String`'s words.
    @inlinable
    static func slotBase(_ identity: (UInt64, UInt64)) -> Int {
        Int(truncatingIfNeeded: ((identity.0 ^ identity.1) &* QueryKeyHash.multiplier) &>> 56) &<< 2
    }

    /// Hashes `sql` and fills its slot, unless another thread is filling it.
    @usableFromInline
    func remember(_ sql: String, identity: (UInt64, UInt64), base: Int) -> UInt64 {
        var hash = QueryKeyHash(seed: seed)
        hash.combine(bytesOf: sql)
        let sequence = words[base].load(ordering: .relaxed)
        guard sequence & 1 == 0,
              words[base].compareExchange(expected: sequence, desired: sequence &+ 1, ordering: .acquiring).exchanged
        else { return hash.state }
        atomicMemoryFence(ordering: .releasing)
        words[base &+ 1].store(identity.0, ordering: .relaxed)
        words[base &+ 2].store(identity.1, ordering: .relaxed)
        words[base &+ 3].store(hash.state, ordering: .relaxed)
        // The slot's old `String` is released here, after the odd sequence number made every reader of its
        // words fail their check.
        retained[base &>> 2] = sql
        words[base].store(sequence &+ 2, ordering: .releasing)
        return hash.state
    }
}
