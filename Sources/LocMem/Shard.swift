import CLocMemAtomics
import Synchronization

/// A lock and the ``EntryTable`` it guards, side by side in a store's shard block.
///
/// Shards are plain pointers into one allocation owned by the ``Store`` (see ``ShardBlock``), so
/// reaching one costs no reference counting: on a hot path shared by many threads, a retain and
/// release of a shared object would bounce its cache line between cores. The table is reached
/// through a pointer, so no dynamic exclusivity check runs either. The lock is the one inside
/// `Synchronization.Mutex` (`_MutexHandle`, a futex word on Linux): taking and releasing it
/// uncontended is one compare-and-swap each; contended, it spins briefly and then sleeps in the
/// kernel.
///
/// **Read bias.** A shard that is read much more often than written lets reads skip the lock
/// (BRAVO, Dice and Kogan, 2019): while its read-bias word is set, a reader announces the shard in
/// its own ``ThreadRecord``, checks the word again, and reads the table without locking, writing no
/// line another reader uses. Anything that changes the table (``exclusive()``) first clears the
/// word and waits until no thread announces the shard: so a lock-free reader never meets a change
/// half made, nor a key or value freed under it. Clearing the word is the costly part (a look at
/// every thread's record), so after it the shard stays locked for reads until
/// ``Shard/biasCountdown`` locked reads (more with many threads) have passed, then the next locked
/// read sets the word again.
/// A shard that is written often thus stays locked, as before, and one that is mostly read goes
/// lock-free.
///
/// With only ``lock()`` held, lock-free readers may be reading the table: the holder may read it
/// (through ``table``'s `pointee`, never `inout`) and must call ``exclusive()`` before changing it;
/// ``withExclusiveLock(_:)`` does both. Culling holds every shard of a store at once, always in
/// index order.
struct Shard {
    static let cacheLine = 64
    static let countersOffset = MemoryLayout<_MutexHandle>.stride
    static let readBiasOffset = (countersOffset + MemoryLayout<ShardCounters>.stride + 7) / 8 * 8
    static let tableOffset = roundUp(readBiasOffset + MemoryLayout<UInt64>.stride)
    /// Locked reads after the read bias was cleared before one sets it again: at least this many,
    /// and 16 per thread record the revocation looked at.
    static let biasCountdown = 256
    /// Bytes per shard, whole cache lines, so that two shards never share one.
    static let stride = roundUp(tableOffset + MemoryLayout<EntryTable>.stride)

    private static func roundUp(_ bytes: Int) -> Int {
        (bytes + cacheLine - 1) / cacheLine * cacheLine
    }

    let base: UnsafeMutableRawPointer

    @inline(__always)
    private var mutex: UnsafeMutablePointer<_MutexHandle> {
        base.assumingMemoryBound(to: _MutexHandle.self)
    }

    /// The table: changed only under the lock after ``exclusive()``; read under the lock, or
    /// without it by a reader announced in its ``ThreadRecord`` while the shard is read-biased.
    @inline(__always)
    var table: UnsafeMutablePointer<EntryTable> {
        (base + Shard.tableOffset).assumingMemoryBound(to: EntryTable.self)
    }

    /// The counters: changed only under the lock (the clock only after ``exclusive()``); the clock
    /// is read by lock-free readers too.
    @inline(__always)
    var counters: UnsafeMutablePointer<ShardCounters> {
        (base + Shard.countersOffset).assumingMemoryBound(to: ShardCounters.self)
    }

    /// The read-bias word: nonzero while reads may skip the lock. Changed only under the lock.
    @inline(__always)
    private var readBias: UnsafeMutablePointer<UInt64> {
        (base + Shard.readBiasOffset).assumingMemoryBound(to: UInt64.self)
    }

    /// What a lock-free reader announces in its ``ThreadRecord``: the shard's address.
    @inline(__always)
    var identity: UInt64 { UInt64(UInt(bitPattern: base)) }

    /// Whether reads skip the lock now (a hint: the reader checks again after announcing itself).
    @inline(__always)
    var isReadBiased: Bool { locmem_load_relaxed_u64(readBias) != 0 }

    /// The check after the announcement (see ``ThreadRecord/enter(_:)``).
    @inline(__always)
    var isStillReadBiased: Bool { locmem_load_seq_cst_u64(readBias) != 0 }

    /// Makes the table the caller's alone: with the lock held, waits for lock-free readers to leave
    /// and keeps new ones out. Every change to the table is made after this.
    @inline(__always)
    func exclusive() {
        if locmem_load_relaxed_u64(readBias) != 0 { revokeReadBias() }
    }

    @inline(never)
    private func revokeReadBias() {
        locmem_store_seq_cst_u64(readBias, 0)
        let records = ThreadRecords.waitForReaders(of: identity)
        // The look at every thread's record is what a revocation costs: the more threads, the longer
        // the shard stays locked after one, so that revocations cost each locked read a few
        // nanoseconds at most (about one record, one cache line, per 16 locked reads).
        counters.pointee.biasCountdown = Swift.max(Shard.biasCountdown, records &* 16)
    }

    /// Counts a locked read while the bias is off; the last of ``biasCountdown`` sets it again.
    @inline(__always)
    func countLockedRead() {
        guard locmem_load_relaxed_u64(readBias) == 0 else { return }
        counters.pointee.biasCountdown &-= 1
        if counters.pointee.biasCountdown <= 0 { locmem_store_release_u64(readBias, 1) }
    }

    fileprivate func initialize() {
        base.bindMemory(to: _MutexHandle.self, capacity: 1).initialize(to: _MutexHandle())
        (base + Shard.countersOffset).bindMemory(to: ShardCounters.self, capacity: 1).initialize(to: ShardCounters())
        readBias.initialize(to: 0)
        (base + Shard.tableOffset).bindMemory(to: EntryTable.self, capacity: 1).initialize(to: EntryTable())
    }

    fileprivate func deinitialize() {
        mutex.deinitialize(count: 1)
        counters.deinitialize(count: 1)
        readBias.deinitialize(count: 1)
        table.deinitialize(count: 1)
    }

    @inline(__always)
    func lock() {
        unsafe mutex.pointee.unsafeLock()
    }

    @inline(__always)
    func unlock() {
        unsafe mutex.pointee.unsafeUnlock()
    }

    /// Runs `body` with the table the caller's alone (lock held, no lock-free reader).
    @inline(__always)
    func withExclusiveLock<Result, Failure: Error>(
        _ body: (inout EntryTable) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        exclusive()
        return try body(&table.pointee)
    }
}

/// What a shard keeps on its lock's cache line (see ``Shard``), changed only under the lock.
struct ShardCounters {
    /// The last recency stamp given by a write to one of the shard's entries (``RecencyClock``).
    var clock: UInt64 = 0
    /// Locked reads left before the read bias is set again.
    var biasCountdown = Shard.biasCountdown
}

/// The shards of one store: a single cache-line-aligned allocation of `count` shards, after a
/// line that holds the store's recency clock (``RecencyClock``).
///
/// `@unchecked Sendable` is safe: the pointer never changes, each shard's table is only changed
/// under that shard's lock and with no lock-free reader in it (``Shard``), and the store's clock is
/// only used atomically.
struct ShardBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    static func allocate(count: Int) -> ShardBlock {
        let block = ShardBlock(
            base: UnsafeMutableRawPointer.allocate(
                byteCount: Shard.cacheLine + count * Shard.stride, alignment: Shard.cacheLine
            ),
            count: count
        )
        block.base.bindMemory(to: UInt64.self, capacity: 1).initialize(to: 0)
        for index in 0..<count { block[index].initialize() }
        return block
    }

    /// Destroys every shard and frees the block; nothing may use it afterwards.
    func deallocate() {
        for index in 0..<count { self[index].deinitialize() }
        base.deallocate()
    }

    /// The store's recency clock: the largest counter a thread has published (atomic).
    @inline(__always)
    var clock: UnsafeMutablePointer<UInt64> { base.assumingMemoryBound(to: UInt64.self) }

    @inline(__always)
    subscript(index: Int) -> Shard {
        Shard(base: base + (Shard.cacheLine &+ index &* Shard.stride))
    }

    var all: [Shard] { (0..<count).map { self[$0] } }
}
