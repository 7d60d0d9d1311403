import CLocMemAtomics

/// The recency stamps that order a store's entries for culling: a Lamport clock with one
/// counter per thread (in its ``ThreadRecord``), one per shard and one per store, instead of one
/// counter that every use of the store increments.
///
/// - A **write** (`set`, `add`, `incr`, under the shard's lock and with no lock-free reader in it)
///   takes the stamp `max(thread, shard, store) + 1` and leaves it as the thread's and the shard's
///   counter.
/// - A **read** (a hit, with or without the shard's lock) of an entry whose stamp is already at
///   least `max(thread, shard, store)` keeps that stamp (the thread's counter moves up to it), so
///   repeated reads of a hot key write nothing; otherwise it stamps the entry
///   `max(thread, shard, store) + 1`, which becomes the thread's counter. Reads never write the
///   shard's counter: a read writes only the entry it used and its own thread's memory.
/// - Each thread adds its counter to the store's (an atomic maximum) each time its counter
///   crosses a multiple of ``publishInterval``, so at most every 64 of its stamps.
///
/// Culling orders entries by `(stamp, shard index)` and removes the smallest (ties, which
/// concurrent reads can make, in table order). What that means:
/// - **One thread:** its uses are culled in exactly the order it made them, across all shards:
///   exact least-recently-used order, as with a single store-wide counter.
/// - **Several threads:** a thread's uses in the order it made them; writes of one shard in the
///   order its lock admitted them, and after every use of that shard the writing thread had seen;
///   and a use by any thread after another thread's use that was followed by 64 more of that
///   thread's stamps. Other pairs of uses by different threads (within that window of each other)
///   can be ordered either way, and two reads of one entry at the same moment may leave either's
///   stamp. A task that resumes on another thread between two uses counts as two threads.
enum RecencyClock {
    /// A thread publishes its counter to the store when the counter crosses a multiple of this.
    static let publishInterval: UInt64 = 64

    /// The stamp for a write on the shard whose clock is `shardClock` (under its lock, exclusive),
    /// left as the thread's and the shard's counter.
    @inline(__always)
    static func next(_ shardClock: inout UInt64, store: UnsafeMutablePointer<UInt64>, thread: ThreadRecord) -> UInt64 {
        let previous = thread.clock
        let stamp = Swift.max(previous, shardClock, locmem_load_relaxed_u64(store)) &+ 1
        shardClock = stamp
        thread.clock = stamp
        publish(stamp, after: previous, to: store)
        return stamp
    }

    /// Records a read of the entry whose stamp is at `stamp` (an atomic word: other readers may use
    /// the entry at the same moment) in a shard whose clock is `shardClock`.
    @inline(__always)
    static func touch(_ stamp: UnsafeMutablePointer<UInt64>, shardClock: UInt64, store: UnsafeMutablePointer<UInt64>, thread: ThreadRecord) {
        let current = locmem_load_relaxed_u64(stamp)
        let previous = thread.clock
        let latest = Swift.max(previous, shardClock, locmem_load_relaxed_u64(store))
        if current >= latest {
            thread.clock = current
            return
        }
        let next = latest &+ 1
        locmem_store_relaxed_u64(stamp, next)
        thread.clock = next
        publish(next, after: previous, to: store)
    }

    /// Raises the store's clock to `stamp` when the thread's counter has crossed a multiple of
    /// ``publishInterval`` since `previous`.
    @inline(__always)
    private static func publish(_ stamp: UInt64, after previous: UInt64, to store: UnsafeMutablePointer<UInt64>) {
        if stamp / publishInterval != previous / publishInterval { raise(store, to: stamp) }
    }

    @inline(never)
    private static func raise(_ store: UnsafeMutablePointer<UInt64>, to stamp: UInt64) {
        var current = locmem_load_relaxed_u64(store)
        while current < stamp {
            if locmem_compare_exchange_relaxed_u64(store, &current, stamp) { return }
        }
    }
}
