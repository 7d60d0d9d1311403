/// One shard's entries: a slab of entries threaded on a least-recently-used list, indexed by an
/// open-addressing hash table.
///
/// Every operation is O(1) (amortized for inserts that grow the table). A lookup hashes nothing:
/// the caller hashes the key once, outside any lock, and passes the 32-bit ``KeyHash/tag``.
///
/// Layout, chosen for the hit path and for memory per entry:
/// - `entries` is a slab of fixed-size records; a removed record is recycled through a free list,
///   so indices stay stable and nothing moves when the LRU order changes;
/// - `slots` (linear probing, load factor at most 1/2) hold `tag << 32 | (index + 1)`, 0 meaning
///   empty, so most probes that do not match are rejected without touching the entry;
/// - removal shifts later slots of the cluster back (no tombstones, so probe lengths stay short).
///
/// Not thread-safe: a `Shard` guards it with its lock.
struct EntryTable {
    struct Entry {
        var key: String
        var value: any Sendable
        /// The clock reading at which the entry expires; `.infinity` for never.
        var deadline: Double
        /// The store-wide recency stamp of the last use; larger is more recent.
        var tick: UInt64
        var tag: UInt32
        /// Neighbour towards the most recently used end, or -1.
        var newer: Int32
        /// Neighbour towards the least recently used end, or -1. Links the free list of
        /// recycled records too.
        var older: Int32
    }

    private(set) var entries: ContiguousArray<Entry> = []
    private var slots: ContiguousArray<UInt64> = []
    private var freeList: Int32 = -1
    /// The most recently used entry, or -1.
    private(set) var head: Int32 = -1
    /// The least recently used entry, or -1.
    private(set) var tail: Int32 = -1
    /// Live records (expired entries not yet met included).
    private(set) var count = 0
    /// This shard's share of the store's statistics.
    var statistics = CacheStatistics()

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
                if matches(entries[Int(index)].key) { return index }
            }
            position = (position &+ 1) & mask
        }
    }

    subscript(index: Int32) -> Entry {
        _read { yield entries[Int(index)] }
        _modify { yield &entries[Int(index)] }
    }

    // MARK: - Recency

    /// Makes the entry the most recently used, stamping it with `tick`.
    @inline(__always)
    mutating func markUsed(_ index: Int32, tick: UInt64) {
        let head = head
        var tail = tail
        entries.withUnsafeMutableBufferPointer { entries in
            // One uniqueness check for the whole relink, not one per field written.
            entries[Int(index)].tick = tick
            guard head != index else { return }
            let newer = entries[Int(index)].newer  // >= 0: the entry is not the head
            let older = entries[Int(index)].older
            entries[Int(newer)].older = older
            if older >= 0 { entries[Int(older)].newer = newer } else { tail = newer }
            entries[Int(index)].newer = -1
            entries[Int(index)].older = head
            entries[Int(head)].newer = index
        }
        self.tail = tail
        self.head = index
    }

    private mutating func unlink(_ index: Int32) {
        let newer = entries[Int(index)].newer
        let older = entries[Int(index)].older
        if newer >= 0 { entries[Int(newer)].older = older } else { head = older }
        if older >= 0 { entries[Int(older)].newer = newer } else { tail = newer }
    }

    private mutating func linkAtHead(_ index: Int32) {
        entries[Int(index)].newer = -1
        entries[Int(index)].older = head
        if head >= 0 { entries[Int(head)].newer = index } else { tail = index }
        head = index
    }

    // MARK: - Insertion and removal

    /// Adds an entry for `key`, which must not be present, as the most recently used.
    @discardableResult
    mutating func insert(
        _ key: String, tag: UInt32, value: any Sendable, deadline: Double, tick: UInt64
    ) -> Int32 {
        if (count &+ 1) &* 2 > slots.count { grow() }
        let entry = Entry(key: key, value: value, deadline: deadline, tick: tick, tag: tag, newer: -1, older: -1)
        let index: Int32
        if freeList >= 0 {
            index = freeList
            freeList = entries[Int(index)].older
            entries[Int(index)] = entry
        } else {
            index = Int32(entries.count)
            entries.append(entry)
        }
        placeSlot(tag: tag, index: index)
        linkAtHead(index)
        count &+= 1
        return index
    }

    /// Removes the entry at `index`, releasing its key and value.
    mutating func remove(at index: Int32) {
        removeSlot(tag: entries[Int(index)].tag, index: index)
        unlink(index)
        entries[Int(index)].key = ""
        entries[Int(index)].value = ()
        entries[Int(index)].older = freeList
        freeList = index
        count &-= 1
    }

    /// Removes every entry and gives their memory back; statistics are kept.
    mutating func removeAll() {
        entries = []
        slots = []
        freeList = -1
        head = -1
        tail = -1
        count = 0
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
