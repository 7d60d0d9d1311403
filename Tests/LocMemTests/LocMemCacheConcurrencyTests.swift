import Dispatch
import LocMem
import Synchronization
import Testing

/// Many threads and tasks at once: no crash, no lost update, limits held.
@Suite struct LocMemCacheConcurrencyTests {
    private static func makeCache(
        _ name: String = #function, maxEntries: Int = 300, clock: any CacheClock = MonotonicClock()
    ) throws -> LocMemCache {
        try LocMemCache(
            location: "concurrency-\(name)-\(UInt64.random(in: 0...UInt64.max))",
            configuration: CacheConfiguration(timeout: nil, maxEntries: maxEntries),
            clock: clock
        )
    }

    @Test func concurrentIncrementsAreNeverLost() throws {
        let cache = try Self.makeCache()
        cache.set("counter", 0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 { _ = try? cache.incr("counter") }
        }
        #expect(cache.get("counter", as: Int.self) == 16_000)
    }

    @Test func mixedOperationsOnASmallStoreNeverExceedItsLimit() throws {
        let cache = try Self.makeCache(maxEntries: 50)
        let overLimit = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            var random = SystemRandomNumberGenerator()
            for step in 0..<5_000 {
                let key = "k\(Int.random(in: 0..<200, using: &random))"
                switch step % 7 {
                case 0: cache.set(key, step)
                case 1: cache.add(key, step)
                case 2: _ = cache.get(key, as: Int.self)
                case 3: cache.delete(key)
                case 4: _ = try? cache.incr(key, by: thread)
                case 5: cache.touch(key, timeout: 60)
                default: _ = cache.getMany([key, "k\(step % 200)"], as: Int.self)
                }
                if cache.count > 50 { overLimit.withLock { $0 += 1 } }
            }
        }
        #expect(overLimit.withLock { $0 } == 0)
        #expect(cache.count <= 50)
        let live = (0..<200).filter { cache.hasKey("k\($0)") }.count
        #expect(live == cache.count)
    }

    @Test func oneStoreSharedByTwoCachesUnderLoadSeesEveryWrite() throws {
        let location = "concurrency-shared-\(UInt64.random(in: 0...UInt64.max))"
        let first = try LocMemCache(location: location, configuration: CacheConfiguration(timeout: nil, maxEntries: 10_000))
        let second = try LocMemCache(location: location, configuration: CacheConfiguration(timeout: nil, maxEntries: 10_000))
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            let cache = thread.isMultiple(of: 2) ? first : second
            for index in 0..<1_000 { cache.set("t\(thread)-\(index)", index) }
        }
        for thread in 0..<4 {
            for index in stride(from: 0, to: 1_000, by: 97) {
                #expect(first.get("t\(thread)-\(index)", as: Int.self) == index)
                #expect(second.get("t\(thread)-\(index)", as: Int.self) == index)
            }
        }
        #expect(first.count == 4_000)
    }

    @Test func separateLocationsStayIsolatedUnderLoad() throws {
        let caches = try (0..<4).map { _ in try Self.makeCache(maxEntries: 1_000) }
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            for step in 0..<2_000 { caches[index].set("shared-name-\(step % 100)", index) }
        }
        for (index, cache) in caches.enumerated() {
            #expect(cache.getMany((0..<100).map { "shared-name-\($0)" }, as: Int.self).values.allSatisfy { $0 == index })
            #expect(cache.count == 100)
        }
    }

    @Test func tasksHammeringGetAndSetSeeOnlyValuesTheyWrote() async throws {
        let cache = try Self.makeCache(maxEntries: 10_000)
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var consistent = true
                    for step in 0..<500 {
                        let key = "task\(task)-\(step % 50)"
                        cache.set(key, [task, step])
                        if let value = cache.get(key, as: [Int].self), value[0] != task { consistent = false }
                    }
                    return consistent
                }
            }
            for await consistent in group { #expect(consistent) }
        }
    }

    @Test func statisticsCountEveryReadExactlyOnceUnderContention() throws {
        let cache = try Self.makeCache(maxEntries: 1_000)
        for index in 0..<100 { cache.set("k\(index)", index) }
        cache.resetStatistics()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for index in 0..<1_000 { _ = cache.get("k\(index % 200)", as: Int.self) }
        }
        let statistics = cache.statistics
        #expect(statistics.hits == 4_000)
        #expect(statistics.misses == 4_000)
    }

    /// Threads that read the most recently used key many times at once (which then keeps its stamp: see
    /// `RecencyClock.touch`) leave the order of every other key as it was: the next cull removes exactly the
    /// least recently used third, in the order the keys were used, and never the hot key.
    @Test func concurrentReadersOfTheHotKeyLeaveTheCullOrderExact() throws {
        let cache = try Self.makeCache(maxEntries: 30)
        for index in 0..<30 { cache.set("k\(index)", index) }
        _ = cache.get("k0", as: Int.self)  // now the most recently used; k1 the least
        onThreads(2) { _ in
            for _ in 0..<5_000 { _ = cache.get("k0", as: Int.self) }
        }
        cache.set("new", 30)  // a full store culls 30 / 3 = 10 keys
        let kept = (0..<30).filter { cache.hasKey("k\($0)") }
        #expect(kept == [0] + Array(11..<30))
        #expect(cache.get("new", as: Int.self) == 30)
    }
}
