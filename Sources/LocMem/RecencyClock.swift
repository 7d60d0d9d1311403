#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The recency stamps that order a store's entries for culling: a Lamport clock with one
/// counter per thread and one per shard, instead of one counter for the whole store.
///
/// A use of an entry (under its shard's lock) takes the stamp `max(thread, shard) + 1` and
/// leaves it as both the thread's and the shard's counter. So a stamp is larger than every
/// stamp given before it by the same thread (on any shard) and by the same shard (to any
/// thread), and transitively along such steps. Culling orders entries by `(stamp, shard index)`,
/// a total order, and removes the smallest. What that means:
/// - **One thread:** its uses are culled in exactly the order it made them, across all shards:
///   exact least-recently-used order, as with a single store-wide counter.
/// - **Several threads:** uses of one shard are ordered as its lock ordered them, and a thread's
///   uses as the thread made them; uses of different shards by different threads, with no use
///   of a common shard between them, can be ordered either way (ties go to the lower shard
///   index). A task that resumes on another thread between two uses counts as two threads.
///
/// What this buys: a hit writes only memory its core already owns (the thread's counter, the
/// shard's lock line, the entry it read), where a store-wide counter bounced one cache line
/// between all cores on every hit. A hit on the entry that already holds its shard's latest
/// stamp, no older than the thread's last, keeps that stamp (``touch(_:_:key:)``): the same
/// orders, and a hot key's entry is not written at all.
///
/// The per-thread counter lives in memory of the thread's own, found through a `pthread`
/// thread-specific value (one lookup per use; the counter is then read and written in place)
/// and freed when the thread exits.
enum RecencyClock {
    /// The process's one thread-specific key for the counters (keys are a scarce resource:
    /// one for all stores, never deleted).
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key, { counter in counter?.deallocate() })
        precondition(result == 0, "pthread_key_create failed: \(result)")
        return key
    }()

    /// The next stamp for a use on the shard whose clock is `shardClock` (under its lock), with
    /// `key` as returned by ``key``.
    @inline(__always)
    static func next(_ shardClock: inout UInt64, key: pthread_key_t) -> UInt64 {
        let thread = threadCounter(key)
        let stamp = Swift.max(thread.pointee, shardClock) &+ 1
        shardClock = stamp
        thread.pointee = stamp
        return stamp
    }

    /// The new stamp for a use of an entry whose stamp is `stamp`, on the shard whose clock is
    /// `shardClock` (under its lock): as ``next(_:key:)``, except that an entry that already
    /// holds its shard's latest stamp, and a stamp no older than this thread's last, keeps it:
    /// then `nil`, and the thread's counter moves up to it instead.
    ///
    /// Re-stamping it would change no order the clock promises: no use of this shard came after
    /// its stamp, and this thread's uses all carry smaller or equal stamps (equal only for this
    /// same entry, for one thread). What it saves: repeated hits on one key, by one thread or
    /// several, write neither the entry's cache line nor the shard's clock, so a hot key's line
    /// stays shared between cores instead of bouncing between them on every read.
    @inline(__always)
    static func touch(_ stamp: UInt64, _ shardClock: inout UInt64, key: pthread_key_t) -> UInt64? {
        let thread = threadCounter(key)
        if stamp == shardClock, stamp >= thread.pointee {
            thread.pointee = stamp
            return nil
        }
        let next = Swift.max(thread.pointee, shardClock) &+ 1
        shardClock = next
        thread.pointee = next
        return next
    }

    /// This thread's counter, made on its first use.
    @inline(__always)
    private static func threadCounter(_ key: pthread_key_t) -> UnsafeMutablePointer<UInt64> {
        if let counter = pthread_getspecific(key) { return counter.assumingMemoryBound(to: UInt64.self) }
        return makeThreadCounter(key)
    }

    @inline(never)
    private static func makeThreadCounter(_ key: pthread_key_t) -> UnsafeMutablePointer<UInt64> {
        let counter = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        counter.initialize(to: 0)
        let result = pthread_setspecific(key, counter)
        precondition(result == 0, "pthread_setspecific failed: \(result)")
        return counter
    }
}
