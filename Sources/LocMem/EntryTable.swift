/// One shard's entries: a slab of entries, each stamped with the moment of its last use,
/// indexed by an open-addressing hash table.
///
/// Every operation is O(1) (amortized for inserts that grow the table). A lookup hashes nothing:
/// the caller hashes the key once, outside any lock, and passes the 32-bit ``KeyHash/tag``.
///
/// Layout, chosen for the hit path and for memory per entry:
/// - the entries are a slab of 64-byte records (key, value, deadline, recency stamp), allocated
///   on a cache-line boundary so that each record is exactly one line: a hit reads one line of
///   the slab, and threads using different entries never write the same line. A removed record
///   is recycled through a free list, so indices stay stable. Recency is a stamp written into
///   the record a hit reads anyway, not a position in a list: a hit touches no other record, and
///   the least recently used entries are found only when culling (``Store``);
/// - `slots` (linear probing, load factor at most 3/4) hold `tag << 32 | (index + 1)`, 0 meaning
///   empty, so most probes that do not match are rejected without touching the entry;
/// - removal shifts later slots of the cluster back (no tombstones, so probe lengths stay short).
///   The tag lives only in the slots: whoever removes an entry passes its tag.
///
/// Not thread-safe: a `Shard` guards it with its lock. Not copyable: it owns the slab.
struct EntryTable: ~Copyable {
    struct Entry {
        var key: String
        var value: any Sendable
        /// The clock reading at which the entry expires; `.infinity` for never. NaN marks a free
        /// record (a live entry's deadline is never NaN).
        var deadline: Double
        /// The recency stamp of the last use (see ``RecencyClock``); larger is more recent. In a
        /// free record: the index of the next free record, or `UInt64.max`.
        var stamp: UInt64

        var isFree: Bool { deadline.isNaN }
    }

    /// The slab: `capacity` records, of which the first `records` are initialized.
    private var slab: UnsafeMutablePointer<Entry>?
    private var capacity = 0
    /// Records in use or free (the slab's high-water mark): indices run over `0..<records`.
    private(set) var records = 0
    private var slots: ContiguousArray<UInt64> = []
    private var freeList: Int32 = -1
    /// Live records (expired entries not yet met included).
    private(set) var count = 0
    /// This shard's share of the store's statistics, but for hits and misses (``ShardCounters``).
    var statistics = CacheStatistics()

    init() {}

    deinit {
        if let slab {
            slab.deinitialize(count: records)
            slab.deallocate()
        }
    }

    // MARK: - Lookup

    /// The index of the entry for `key`, or `nil`.
    @inline(__always)
    func find(_ key: String, tag: UInt32) -> Int32? {
        find(tag: tag) { KeyBytes.equal($0, key) }
    }

    /// The index of the entry whose key `matches` accepts, among those with `tag`, or `nil`.
    @inline(__always)
    func find(tag: UInt32, matches: (String) -> Bool) -> Int32? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count &- 1
        var position = Int(tag) & mask
        while true {
            let slot = slots[position]
            if slot == 0 { return nil }
            if UInt32(truncatingIfNeeded: slot &>> 32) == tag {
                let index = Int32(truncatingIfNeeded: slot) &- 1
                if matches(self[index].key) { return index }
            }
            position = (position &+ 1) & mask
        }
    }

    /// The record at `index` (in `0..<records`), in place: no copy, no uniqueness check.
    subscript(index: Int32) -> Entry {
        unsafeAddress { UnsafePointer(slab.unsafelyUnwrapped + Int(index)) }
        nonmutating unsafeMutableAddress { slab.unsafelyUnwrapped + Int(index) }
    }

    /// The address of the recency stamp of the record at `index`, for the atomic loads and stores
    /// of readers that may use the entry at the same moment (``RecencyClock/touch(_:shardClock:store:thread:)``).
    @inline(__always)
    func stamp(at index: Int32) -> UnsafeMutablePointer<UInt64> {
        address(of: \.stamp, at: index)
    }

    /// The address of the value of the record at `index`, for a reader that reads it in place
    /// (passing `self[index].value` to a closure would copy the existential first).
    @inline(__always)
    func value(at index: Int32) -> UnsafePointer<any Sendable> {
        UnsafePointer(address(of: \.value, at: index))
    }

    /// The address of one field of the record at `index` (the offset is a constant once compiled).
    @inline(__always)
    private func address<Field>(of field: KeyPath<Entry, Field>, at index: Int32) -> UnsafeMutablePointer<Field> {
        (UnsafeMutableRawPointer(slab.unsafelyUnwrapped + Int(index)) + MemoryLayout<Entry>.offset(of: field)!)
            .assumingMemoryBound(to: Field.self)
    }

    // MARK: - Insertion and removal

    /// Adds an entry for `key`, which must not be present, stamped as used at `stamp`.
    @discardableResult
    mutating func insert(
        _ key: String, tag: UInt32, value: any Sendable, deadline: Double, stamp: UInt64
    ) -> Int32 {
        if (count &+ 1) &* 4 > slots.count &* 3 { grow() }
        let entry = Entry(key: key, value: value, deadline: deadline, stamp: stamp)
        let index: Int32
        if freeList >= 0 {
            index = freeList
            let next = self[index].stamp
            freeList = next == .max ? -1 : Int32(truncatingIfNeeded: next)
            self[index] = entry
        } else {
            if records == capacity { growSlab() }
            index = Int32(records)
            (slab.unsafelyUnwrapped + records).initialize(to: entry)
            records &+= 1
        }
        placeSlot(tag: tag, index: index)
        count &+= 1
        return index
    }

    /// Removes the entry at `index`, whose key has `tag`, releasing its key and value.
    mutating func remove(at index: Int32, tag: UInt32) {
        removeSlot(tag: tag, index: index)
        self[index] = Entry(
            key: "", value: (), deadline: .nan, stamp: freeList < 0 ? .max : UInt64(freeList)
        )
        freeList = index
        count &-= 1
    }

    /// Removes every entry and gives their memory back; statistics are kept.
    mutating func removeAll() {
        if let slab {
            slab.deinitialize(count: records)
            slab.deallocate()
        }
        slab = nil
        capacity = 0
        records = 0
        slots = []
        freeList = -1
        count = 0
    }

    /// Doubles the slab (at least 8 records), moving the records over.
    private mutating func growSlab() {
        let newCapacity = Swift.max(8, capacity &* 2)
        let bytes = UnsafeMutableRawPointer.allocate(
            byteCount: newCapacity * MemoryLayout<Entry>.stride, alignment: Shard.cacheLine
        )
        let grown = bytes.bindMemory(to: Entry.self, capacity: newCapacity)
        if let slab {
            grown.moveInitialize(from: slab, count: records)
            slab.deallocate()
        }
        slab = grown
        capacity = newCapacity
    }

    // MARK: - Hash index

    private mutating func grow() {
        let capacity = Swift.max(8, slots.count &* 2)
        let old = slots
        slots = ContiguousArray(repeating: 0, count: capacity)
        for slot in old where slot != 0 {
            placeSlot(tag: UInt32(truncatingIfNeeded: slot &>> 32), index: Int32(truncatingIfNeeded: slot) &- 1)
        }
    }

    private mutating func placeSlot(tag: UInt32, index: Int32) {
        let mask = slots.count &- 1
        var position = Int(tag) & mask
        while slots[position] != 0 { position = (position &+ 1) & mask }
        slots[position] = UInt64(tag) &<< 32 | UInt64(UInt32(index &+ 1))
    }

    /// Backward-shift deletion: pulls later members of the probe cluster into the hole so that
    /// every remaining slot stays reachable from its home position.
    private mutating func removeSlot(tag: UInt32, index: Int32) {
        let mask = slots.count &- 1
        let wanted = UInt64(tag) &<< 32 | UInt64(UInt32(index &+ 1))
        var hole = Int(tag) & mask
        while slots[hole] != wanted { hole = (hole &+ 1) & mask }
        var next = hole
        while true {
            next = (next &+ 1) & mask
            let slot = slots[next]
            if slot == 0 { break }
            let home = Int(UInt32(truncatingIfNeeded: slot &>> 32)) & mask
            // The slot may move into the hole unless its home lies cyclically in (hole, next].
            let homeBetween = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
            if !homeBetween {
                slots[hole] = slot
                hole = next
            }
        }
        slots[hole] = 0
    }
}
