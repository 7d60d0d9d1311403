import Synchronization

/// A lock and the ``EntryTable`` it guards, side by side in a store's shard block.
///
/// Shards are plain pointers into one allocation owned by the ``Store`` (see ``ShardBlock``), so
/// reaching one costs no reference counting: on a hot path shared by many threads, a retain and
/// release of a shared object would bounce its cache line between cores. The table is reached
/// through a pointer, so no dynamic exclusivity check runs either. The lock is the one inside
/// `Synchronization.Mutex` (`_MutexHandle`, a futex word on Linux): taking and releasing it
/// uncontended is one compare-and-swap each, about 10 instructions, where a `pthread` mutex
/// costs about 60 through its library calls; contended, it spins briefly and then sleeps in the
/// kernel.
///
/// The lock's cache line also holds the shard's ``ShardCounters``: a hit writes them, and taking
/// the lock has just made that line this core's, so counting costs no other shared line.
///
/// Explicit ``lock()``/``unlock()`` exist, besides ``withLock(_:)``, because culling must hold
/// every shard of a store at once, always in index order.
struct Shard {
    static let cacheLine = 64
    static let countersOffset = MemoryLayout<_MutexHandle>.stride
    static let tableOffset = roundUp(countersOffset + MemoryLayout<ShardCounters>.stride)
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

    /// The table; only to be used between `lock()` and `unlock()`.
    @inline(__always)
    var table: UnsafeMutablePointer<EntryTable> {
        (base + Shard.tableOffset).assumingMemoryBound(to: EntryTable.self)
    }

    /// The counters; only to be used between `lock()` and `unlock()`.
    @inline(__always)
    var counters: UnsafeMutablePointer<ShardCounters> {
        (base + Shard.countersOffset).assumingMemoryBound(to: ShardCounters.self)
    }

    fileprivate func initialize() {
        base.bindMemory(to: _MutexHandle.self, capacity: 1).initialize(to: _MutexHandle())
        (base + Shard.countersOffset).bindMemory(to: ShardCounters.self, capacity: 1).initialize(to: ShardCounters())
        (base + Shard.tableOffset).bindMemory(to: EntryTable.self, capacity: 1).initialize(to: EntryTable())
    }

    fileprivate func deinitialize() {
        mutex.deinitialize(count: 1)
        counters.deinitialize(count: 1)
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

    /// Runs `body` with exclusive access to the table.
    @inline(__always)
    func withLock<Result, Failure: Error>(
        _ body: (inout EntryTable) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body(&table.pointee)
    }
}

/// What a shard counts on its lock's cache line (see ``Shard``): its recency clock and its reads.
struct ShardCounters {
    /// The last recency stamp given to one of the shard's entries (``RecencyClock``).
    var clock: UInt64 = 0
    var hits = 0
    var misses = 0
}

/// The shards of one store: a single cache-line-aligned allocation of `count` shards.
///
/// `@unchecked Sendable` is safe: the pointer never changes, and each shard's table is only
/// touched between `lock()` and `unlock()` of that shard's mutex.
struct ShardBlock: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let count: Int

    static func allocate(count: Int) -> ShardBlock {
        let block = ShardBlock(
            base: UnsafeMutableRawPointer.allocate(byteCount: count * Shard.stride, alignment: Shard.cacheLine),
            count: count
        )
        for index in 0..<count { block[index].initialize() }
        return block
    }

    /// Destroys every shard and frees the block; nothing may use it afterwards.
    func deallocate() {
        for index in 0..<count { self[index].deinitialize() }
        base.deallocate()
    }

    @inline(__always)
    subscript(index: Int) -> Shard {
        Shard(base: base + index &* Shard.stride)
    }

    var all: [Shard] { (0..<count).map { self[$0] } }
}
