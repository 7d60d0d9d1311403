import Dispatch
import LocMem
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `getOrSet` is single-flight: concurrent misses on one key run the loader once.
@Suite struct LocMemCacheSingleFlightTests {
    private struct LoaderFailure: Error, Equatable {
        let attempt: Int
    }

    /// A counter that escaping closures can share.
    private final class Counter: Sendable {
        private let atomic = Atomic<Int>(0)
        @discardableResult func increment() -> Int { atomic.add(1, ordering: .acquiringAndReleasing).newValue }
        var value: Int { atomic.load(ordering: .acquiring) }
    }

    private static func makeCache(_ name: String = #function) throws -> LocMemCache {
        try LocMemCache(location: "single-flight-\(name)-\(UInt64.random(in: 0...UInt64.max))")
    }

    /// Holds a loader open until `callers` have missed on the cache (each miss is counted before
    /// the caller joins the flight, a few instructions later), then a little longer, so that every
    /// caller really meets the flight. Gives up after 30 s, which then fails the test's counts.
    private static func holdFlightOpen(on cache: LocMemCache, until callers: Int) {
        let deadline = MonotonicClock().now() + 30
        while cache.statistics.misses < callers, MonotonicClock().now() < deadline {
            sched_yield()
        }
        usleep(200_000)
    }

    @Test func sixtyFourConcurrentThreadsRunTheLoaderOnce() throws {
        let cache = try Self.makeCache()
        let runs = Counter()
        let results = Mutex<[Int]>([])
        onThreads(64) { _ in
            let value = cache.getOrSet("answer", timeout: .never) { () -> Int in
                runs.increment()
                // Hold the flight open while the other callers pile up behind it.
                Self.holdFlightOpen(on: cache, until: 64)
                return 42
            }
            results.withLock { $0.append(value) }
        }
        #expect(runs.value == 1)
        #expect(results.withLock { $0 } == Array(repeating: 42, count: 64))
        #expect(cache.get("answer", as: Int.self) == 42)
    }

    @Test func sixtyFourConcurrentTasksRunTheAsyncLoaderOnce() async throws {
        let cache = try Self.makeCache()
        let runs = Counter()
        let values = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    (try? await cache.getOrSet("answer", timeout: .never) { () async throws -> Int in
                        runs.increment()
                        try await Task.sleep(for: .milliseconds(200))  // keeps the flight open; not a timing assertion
                        return 7
                    }) ?? -1
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(runs.value == 1)
        #expect(values == Array(repeating: 7, count: 64))
    }

    @Test func aThrowingLoaderFailsEveryWaiterAndStoresNothing() throws {
        let cache = try Self.makeCache()
        let runs = Counter()
        let failures = Counter()
        onThreads(16) { _ in
            do throws(LoaderFailure) {
                _ = try cache.getOrSet("fragile") { () throws(LoaderFailure) -> Int in
                    let attempt = runs.increment()
                    Self.holdFlightOpen(on: cache, until: 16)
                    throw LoaderFailure(attempt: attempt)
                }
            } catch {
                if error == LoaderFailure(attempt: 1) { failures.increment() }
            }
        }
        #expect(runs.value == 1)
        #expect(failures.value == 16)
        #expect(cache.hasKey("fragile") == false)
    }

    @Test func aThrowingAsyncLoaderFailsEveryWaiter() async throws {
        let cache = try Self.makeCache()
        let runs = Counter()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    do {
                        _ = try await cache.getOrSet("fragile") { () async throws -> Int in
                            runs.increment()
                            try await Task.sleep(for: .milliseconds(100))
                            throw LoaderFailure(attempt: 1)
                        }
                        return false
                    } catch {
                        return error as? LoaderFailure == LoaderFailure(attempt: 1)
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(runs.value == 1)
        #expect(failures == 16)
        #expect(cache.hasKey("fragile") == false)
    }

    @Test func theNextCallAfterAFailureLoadsAgain() throws {
        let cache = try Self.makeCache()
        #expect(throws: LoaderFailure.self) {
            try cache.getOrSet("retry") { () throws(LoaderFailure) -> Int in throw LoaderFailure(attempt: 1) }
        }
        #expect(cache.getOrSet("retry") { 2 } == 2)
        #expect(cache.get("retry", as: Int.self) == 2)
    }

    @Test func aLoaderMayUseTheCacheForOtherKeys() throws {
        let cache = try Self.makeCache()
        let total = cache.getOrSet("total") { () -> Int in
            let a = cache.getOrSet("a") { 1 }
            let b = cache.getOrSet("b") { cache.getOrSet("c") { 2 } }
            cache.set("side", "effect")
            return a + b
        }
        #expect(total == 3)
        #expect(cache.getMany(["a", "b", "c", "total"], as: Int.self) == ["a": 1, "b": 2, "c": 2, "total": 3])
        #expect(cache.get("side", as: String.self) == "effect")
    }

    @Test func aLoaderAskingForItsOwnKeyDoesNotDeadlock() throws {
        let cache = try Self.makeCache()
        let depth = Counter()
        let value = cache.getOrSet("self") { () -> Int in
            if depth.increment() < 3 {
                return cache.getOrSet("self") { 10 } + 1
            }
            return 10
        }
        #expect(value == 11)
        #expect(cache.get("self", as: Int.self) == 11)
    }

    @Test func anAsyncLoaderAskingForItsOwnKeyDoesNotDeadlock() async throws {
        let cache = try Self.makeCache()
        let value = try await cache.getOrSet("self") { () async throws -> Int in
            let inner = try await cache.getOrSet("self") { () async throws -> Int in 5 }
            return inner * 2
        }
        #expect(value == 10)
    }

    @Test func differentKeysLoadInParallel() throws {
        let cache = try Self.makeCache()
        let runs = Counter()
        onThreads(8) { index in
            _ = cache.getOrSet("key-\(index % 4)") { () -> Int in
                runs.increment()
                return index % 4
            }
        }
        // Exactly one load per key: a caller that misses while a load runs waits for it, and one
        // that leads a new flight after the first landed finds the value stored and loads nothing.
        #expect(runs.value == 4)
        for key in 0..<4 { #expect(cache.get("key-\(key)", as: Int.self) == key) }
    }

    @Test func waitersOfAnotherTypeLoadForThemselves() throws {
        let cache = try Self.makeCache()
        cache.set("typed", "a string")
        // A hit of the wrong type is a miss: the loader runs and its value replaces the string.
        #expect(cache.getOrSet("typed") { 5 } == 5)
        #expect(cache.get("typed", as: Int.self) == 5)
    }

    @Test func hitsAndMissesOfGetOrSetAreCounted() throws {
        let cache = try Self.makeCache()
        _ = cache.getOrSet("k") { 1 }
        _ = cache.getOrSet("k") { 1 }
        _ = cache.getOrSet("k") { 1 }
        let statistics = cache.statistics
        #expect(statistics.misses == 1)
        #expect(statistics.hits == 2)
        #expect(statistics.sets == 1)
    }
}
