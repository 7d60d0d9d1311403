import CLocMemAtomics
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What each thread that uses a cache keeps of its own, in one cache line found through a
/// `pthread` thread-specific value: its recency counter (``RecencyClock``), the shard it is
/// reading without a lock (``Shard``), and its not-yet-summed read counts.
///
/// Memory of its own, so that a hit writes no line that another core reads on its hits: with a
/// shard in read-biased mode, a hit by this thread stores only here and into the entry it used.
///
/// Layout, 64-bit words:
/// - 0: the recency counter: read and written by the owning thread only;
/// - 1: the base address of the shard the thread reads without its lock, 0 for none: written by
///   the owner, read by writers waiting for readers to leave (``ThreadRecords/waitForReaders(of:)``);
/// - 2...: ``pendingSlots`` slots of (store identity, hits, misses): the reads the thread counted
///   for a store and not yet added to its totals; written by the owner, read by whoever sums the
///   statistics. A store uses slot `serial % pendingSlots`, so a thread that alternates between a
///   few stores keeps counting in place.
struct ThreadRecord {
    static let pendingSlots = 4
    static let words = 2 + 3 * pendingSlots
    static let byteCount = (words * MemoryLayout<UInt64>.stride + 63) / 64 * 64

    let base: UnsafeMutablePointer<UInt64>

    /// The recency counter (the largest stamp this thread has given or seen).
    @inline(__always)
    var clock: UInt64 {
        get { base.pointee }
        nonmutating set { base.pointee = newValue }
    }

    /// Announces that this thread reads `shard` without its lock: a sequentially consistent store,
    /// so that a writer that turns the shard's read bias off and then looks here either sees this
    /// announcement or is seen by the reader's own check of the bias that follows it.
    @inline(__always)
    func enter(_ shard: UInt64) {
        locmem_store_seq_cst_u64(base + 1, shard)
    }

    /// Ends the lock-free read: a release store, so that everything the read did happens before a
    /// writer that then sees the thread gone.
    @inline(__always)
    func leave() {
        locmem_store_release_u64(base + 1, 0)
    }

    @inline(__always)
    func reading() -> UInt64 {
        locmem_load_seq_cst_u64(base + 1)
    }

    /// Counts a read of `store`: a hit, a miss, or (both false) nothing.
    @inline(__always)
    func count(hit: Bool, miss: Bool, in store: StoreIdentity) {
        let slot = base + 2 + 3 * (store.serial & (ThreadRecord.pendingSlots - 1))
        if locmem_load_relaxed_u64(slot) != store.address {
            ThreadRecords.claim(slot, for: store)
        }
        if hit { locmem_store_relaxed_u64(slot + 1, locmem_load_relaxed_u64(slot + 1) &+ 1) }
        if miss { locmem_store_relaxed_u64(slot + 2, locmem_load_relaxed_u64(slot + 2) &+ 1) }
    }
}

/// Who a store is for the per-thread counts: its address (stores live as long as the process, see
/// ``Store/named(_:)``) and its serial number, which picks the slot.
struct StoreIdentity: Sendable {
    let address: UInt64
    let serial: Int
}

/// Every live thread's ``ThreadRecord``, for writers that wait for lock-free readers and for the
/// sums of the read statistics.
enum ThreadRecords {
    private struct Registry: @unchecked Sendable {
        var records: [UnsafeMutablePointer<UInt64>] = []
        /// Hits and misses of exited threads and of slots given to another store, by store address.
        var flushed: [UInt64: (hits: Int, misses: Int)] = [:]
    }

    /// Guards the list of records and every record's pending slots' ownership (not the counts,
    /// which their thread bumps without it).
    private static let registry = Mutex(Registry())

    /// The process's one thread-specific key for the records (keys are a scarce resource: one for
    /// all stores, never deleted). The destructor adds the thread's counts to the totals and frees
    /// the record when the thread exits.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, { record in
            guard let record else { return }
            ThreadRecords.remove(record.assumingMemoryBound(to: UInt64.self))
        })
        precondition(result == 0, "pthread_key_create failed: \(result)")
        return key
    }()

    /// This thread's record, made on its first use.
    @inline(__always)
    static func current(_ key: pthread_key_t) -> ThreadRecord {
        if let record = pthread_getspecific(key) { return ThreadRecord(base: record.assumingMemoryBound(to: UInt64.self)) }
        return make(key)
    }

    @inline(never)
    private static func make(_ key: pthread_key_t) -> ThreadRecord {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: ThreadRecord.byteCount, alignment: 64)
        let words = raw.initializeMemory(as: UInt64.self, repeating: 0, count: ThreadRecord.byteCount / 8)
        registry.withLock { $0.records.append(words) }
        let result = pthread_setspecific(key, raw)
        precondition(result == 0, "pthread_setspecific failed: \(result)")
        return ThreadRecord(base: words)
    }

    private static func remove(_ record: UnsafeMutablePointer<UInt64>) {
        registry.withLock { registry in
            for slot in 0..<ThreadRecord.pendingSlots { flush(record + 2 + 3 * slot, into: &registry) }
            registry.records.removeAll { $0 == record }
        }
        record.deallocate()
    }

    /// Gives the thread's pending `slot` to `store`, adding what it held to its previous store's totals.
    @inline(never)
    fileprivate static func claim(_ slot: UnsafeMutablePointer<UInt64>, for store: StoreIdentity) {
        registry.withLock { registry in
            flush(slot, into: &registry)
            locmem_store_relaxed_u64(slot, store.address)
        }
    }

    private static func flush(_ slot: UnsafeMutablePointer<UInt64>, into registry: inout Registry) {
        let address = locmem_load_relaxed_u64(slot)
        guard address != 0 else { return }
        let hits = Int(truncatingIfNeeded: locmem_load_relaxed_u64(slot + 1))
        let misses = Int(truncatingIfNeeded: locmem_load_relaxed_u64(slot + 2))
        registry.flushed[address, default: (0, 0)].hits &+= hits
        registry.flushed[address, default: (0, 0)].misses &+= misses
        locmem_store_relaxed_u64(slot + 1, 0)
        locmem_store_relaxed_u64(slot + 2, 0)
        locmem_store_relaxed_u64(slot, 0)
    }

    /// Every hit and miss ever counted for `store`, by any thread, live or exited.
    ///
    /// The counts of threads reading meanwhile are taken as they are at that moment.
    static func reads(of store: StoreIdentity) -> (hits: Int, misses: Int) {
        registry.withLock { registry in
            var (hits, misses) = registry.flushed[store.address] ?? (0, 0)
            let offset = 2 + 3 * (store.serial & (ThreadRecord.pendingSlots - 1))
            for record in registry.records where locmem_load_relaxed_u64(record + offset) == store.address {
                hits &+= Int(truncatingIfNeeded: locmem_load_relaxed_u64(record + offset + 1))
                misses &+= Int(truncatingIfNeeded: locmem_load_relaxed_u64(record + offset + 2))
            }
            return (hits, misses)
        }
    }

    /// Returns once no thread reads the shard at `shard` without its lock. The caller holds that
    /// shard's lock and has just turned its read bias off, so no new lock-free read of it begins;
    /// those under way are a few hundred instructions, and none waits for anything.
    ///
    /// - Returns: How many thread records it looked at.
    @discardableResult
    static func waitForReaders(of shard: UInt64) -> Int {
        registry.withLock { registry in
            for record in registry.records {
                var spins = 0
                while ThreadRecord(base: record).reading() == shard {
                    spins &+= 1
                    if spins & 63 == 0 { sched_yield() }
                }
            }
            return registry.records.count
        }
    }
}
