import Dispatch
import LocMem
import Synchronization
import Testing

/// Reads of a store that is mostly read skip the shard locks (a shard's read bias, see `Shard`):
/// these tests drive stores into that state with many reads, then write, expire and count while
/// other threads read, and check that nothing a lock-free reader sees is stale, torn or freed.
@Suite struct LocMemCacheLockFreeReadTests {
    /// Enough reads of every key that each shard has gone read-biased (it does after 256 locked reads
    /// of it, or 16 per live thread if more: the test process has a few dozen threads).
    private static let warmUpReads = 100_000

    private static func unlimited(maxEntries: Int = 10_000) -> CacheConfiguration {
        CacheConfiguration(timeout: nil, maxEntries: maxEntries)
    }

    private static func warmUp(_ cache: LocMemCache, keys: [String]) {
        for round in 0..<warmUpReads {
            _ = cache.get(keys[round % keys.count], as: Int.self)
        }
    }

    /// A value with a reference, so that a reader that copied a freed or half-written one would
    /// crash under AddressSanitizer or break the invariant.
    final class Payload: Sendable {
        let serial: Int
        let check: [Int]

        init(serial: Int) {
            self.serial = serial
            self.check = [serial, serial &* 7, serial &* 13]
        }

        var isIntact: Bool { check == [serial, serial &* 7, serial &* 13] }
    }

    @Test func everyWriteIsSeenByTheNextReadOfAReadBiasedStore() throws {
        let cache = try makeCache(Self.unlimited())
        let keys = (0..<64).map { "k\($0)" }
        for (index, key) in keys.enumerated() { cache.set(key, index) }
        Self.warmUp(cache, keys: keys)
        for (index, key) in keys.enumerated() {
            cache.set(key, index + 1_000)
            #expect(cache.get(key, as: Int.self) == index + 1_000)
            #expect(try cache.incr(key, by: 5) == index + 1_005)
            #expect(cache.get(key, as: Int.self) == index + 1_005)
            cache.delete(key)
            #expect(cache.get(key, as: Int.self) == nil)
            #expect(cache.add(key, -index))
            #expect(cache.get(key, as: Int.self) == -index)
        }
    }

    /// One writer per key stores ever larger serials, replaces and deletes them while two threads
    /// read: a reader never sees a serial go back (each read sees the latest write or a later one)
    /// nor a value that is not intact.
    @Test func readersRacingWritersSeeOnlyWholeValuesInWriteOrder() throws {
        let cache = try makeCache(Self.unlimited())
        let keys = (0..<16).map { "k\($0)" }
        for key in keys { cache.set(key, Payload(serial: 0)) }
        for round in 0..<Self.warmUpReads { _ = cache.get(keys[round % keys.count], as: Payload.self) }
        let broken = Mutex(0)
        let wentBack = Mutex(0)
        let seen = Mutex(0)
        onThreads(4) { thread in
            if thread < 2 {
                // Writers: thread 0 owns the even keys, thread 1 the odd ones.
                for serial in 1...4_000 {
                    for key in stride(from: thread, to: keys.count, by: 2) {
                        if serial % 97 == 0 {
                            cache.delete(keys[key])
                        }
                        cache.set(keys[key], Payload(serial: serial))
                    }
                }
            } else {
                var last = [Int](repeating: 0, count: keys.count)
                var reads = 0
                for round in 0..<200_000 {
                    let key = round % keys.count
                    if round % 1_000 == 0 {
                        // Reads that lock (hasKey, the statistics) meet the lock-free ones too.
                        _ = cache.hasKey(keys[key])
                        _ = cache.statistics
                    }
                    guard let payload = cache.get(keys[key], as: Payload.self) else { continue }
                    reads += 1
                    if !payload.isIntact { broken.withLock { $0 += 1 } }
                    if payload.serial < last[key] { wentBack.withLock { $0 += 1 } }
                    last[key] = payload.serial
                }
                seen.withLock { $0 += reads }
            }
        }
        #expect(broken.withLock { $0 } == 0)
        #expect(wentBack.withLock { $0 } == 0)
        #expect(seen.withLock { $0 } > 0)
        for key in keys { #expect(cache.get(key, as: Payload.self)?.serial == 4_000) }
    }

    @Test func anEntryThatExpiresUnderLockFreeReadsIsRemovedAndCounted() throws {
        let clock = ManualClock()
        let cache = try makeCache(Self.unlimited(), clock: clock)
        let keys = (0..<32).map { "k\($0)" }
        for (index, key) in keys.enumerated() { cache.set(key, index, timeout: 10) }
        cache.set("forever", -1, timeout: .never)
        Self.warmUp(cache, keys: keys)
        cache.resetStatistics()
        clock.advance(by: 10)
        for key in keys { #expect(cache.get(key, as: Int.self) == nil) }
        #expect(cache.count == 1)
        #expect(cache.get("forever", as: Int.self) == -1)
        let statistics = cache.statistics
        #expect(statistics.expired == keys.count)
        #expect(statistics.misses == keys.count)
        #expect(statistics.hits == 1)
    }

    /// Hits and misses are counted in each thread's own memory, in a few slots shared by stores:
    /// six stores (more than the slots) read by threads that then exit still add up exactly, and
    /// resetting one store's counts leaves the others' alone.
    @Test func readCountsOfManyStoresAndExitedThreadsAreExact() throws {
        let caches = try (0..<6).map { try makeCache(Self.unlimited(), name: "counts-\($0)") }
        for cache in caches {
            for index in 0..<10 { cache.set("k\(index)", index) }
            cache.resetStatistics()
        }
        onThreads(4) { thread in
            for round in 0..<3_000 {
                let cache = caches[(round &+ thread) % caches.count]
                _ = cache.get("k\(round % 20)", as: Int.self)  // k10...k19 miss
            }
        }
        for cache in caches {
            #expect(cache.statistics.hits == 1_000)
            #expect(cache.statistics.misses == 1_000)
        }
        caches[0].resetStatistics()
        #expect(caches[0].statistics.hits == 0)
        #expect(caches[0].statistics.misses == 0)
        #expect(caches[1].statistics.hits == 1_000)
        _ = caches[0].get("k1", as: Int.self)
        #expect(caches[0].statistics.hits == 1)
    }

    /// A full store culls while other threads read it without locks: the limit holds, and every
    /// value read is one that was written under that key.
    @Test func cullingWhileReadersSkipTheLockKeepsTheLimitAndTheValues() throws {
        let cache = try makeCache(Self.unlimited(maxEntries: 60))
        let keys = (0..<40).map { "k\($0)" }
        for (index, key) in keys.enumerated() { cache.set(key, index) }
        Self.warmUp(cache, keys: keys)
        let wrong = Mutex(0)
        onThreads(3) { thread in
            if thread == 0 {
                for index in 0..<5_000 { cache.set("new\(index)", 1_000 + index) }
            } else {
                for round in 0..<100_000 {
                    let index = round % keys.count
                    if let value = cache.get(keys[index], as: Int.self), value != index {
                        wrong.withLock { $0 += 1 }
                    }
                    if cache.count > 60 { wrong.withLock { $0 += 1 } }
                }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
        #expect(cache.count <= 60)
        #expect(cache.get("new4999", as: Int.self) == 5_999)
    }
}
