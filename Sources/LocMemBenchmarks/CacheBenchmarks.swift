import LocMem

/// A cache as the operation benchmarks drive it: LocMem, or one of its peers (``PeerBenchmarks``).
///
/// The cases are generic over this protocol and specialized for each implementation, so a call
/// through it costs what a direct call costs.
protocol BenchmarkedCache: Sendable {
    /// The key as the implementation takes it, built before timing starts.
    associatedtype Key: Sendable
    /// The name in the report.
    static var implementation: String { get }
    func makeKey(_ key: String) -> Key
    func get(_ key: Key) -> SmallValue?
    func set(_ key: Key, _ value: SmallValue)
}

/// LocMem's own operations: `get` hit and miss, `set`, `getOrSet` hit, `incr`, each on 1 thread
/// and on all cores, on 1,024 keys read round-robin.
struct CacheBenchmarks {
    /// Keys per case: more than one, so that lookups spread over the table, few enough to stay
    /// in the processor's caches as a web server's hot keys would.
    static let keyCount = 1_024
    /// Like Django's `CACHES` entry used on the Python side: `TIMEOUT` 300, `MAX_ENTRIES` 10,000
    /// (room for every key, so nothing is culled), `CULL_FREQUENCY` 3.
    static let configuration = CacheConfiguration(timeout: 300, maxEntries: 10_000, cullFrequency: 3)

    let sampler: Sampler
    let progress: @Sendable (String) -> Void

    func run() throws -> [BenchmarkResult] {
        let cache = try LocMemCache(location: "locmem-bench/cache-operations", configuration: Self.configuration)
        cache.clear()
        let subject = LocMemSubject(cache: cache)
        var results = try CacheCases(subject: subject, sampler: sampler, progress: progress).run()

        let keys = CacheCases<LocMemSubject>.keys("key")
        let counters = CacheCases<LocMemSubject>.keys("counter")
        for key in counters { cache.set(key, 0, timeout: .never) }
        guard (try? cache.incr(counters[0], by: 0)) == 0 else { throw BenchmarkError.setUpFailed("incr") }
        for threads in sampler.options.threadCounts {
            let getOrSetID = BenchmarkResult.id(.cache, "getOrSet hit", Implementation.locMem, threads: threads)
            let incrID = BenchmarkResult.id(.cache, "incr", Implementation.locMem, threads: threads)
            if sampler.options.includes(getOrSetID) {
                progress("cache: getOrSet hit, LocMem, \(threads) thread(s)")
                results.append(measureGetOrSet(cache, keys: keys, threads: threads))
            }
            if sampler.options.includes(incrID) {
                progress("cache: incr, LocMem, \(threads) thread(s)")
                results.append(measureIncr(cache, counters: counters, threads: threads))
            }
        }
        cache.clear()
        return results
    }

    private func measureGetOrSet(_ cache: LocMemCache, keys: [String], threads: Int) -> BenchmarkResult {
        let mask = Self.keyCount - 1
        let getOrSet = sampler.measureConcurrently(threads: threads) { thread in
                var position = thread &* 397
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= cache.getOrSet(keys[position & mask]) { SmallValue(id: -1, score: 0) }.id
                        position &+= 1
                    }
                    return sum
                }
            }
            return BenchmarkResult(
                group: .cache, operation: "getOrSet hit", implementation: Implementation.locMem,
                measurements: getOrSet
            )
    }

    private func measureIncr(_ cache: LocMemCache, counters: [String], threads: Int) -> BenchmarkResult {
        let mask = Self.keyCount - 1
        let incr = sampler.measureConcurrently(threads: threads) { thread in
                var position = thread &* 397
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= (try? cache.incr(counters[position & mask])) ?? -1
                        position &+= 1
                    }
                    return sum
                }
            }
            return BenchmarkResult(
                group: .cache, operation: "incr", implementation: Implementation.locMem, measurements: incr
            )
    }
}

/// LocMem behind ``BenchmarkedCache``.
struct LocMemSubject: BenchmarkedCache {
    static let implementation = Implementation.locMem
    let cache: LocMemCache

    func makeKey(_ key: String) -> String { key }

    @inline(__always)
    func get(_ key: String) -> SmallValue? {
        cache.get(key, as: SmallValue.self)
    }

    @inline(__always)
    func set(_ key: String, _ value: SmallValue) {
        cache.set(key, value)
    }
}

/// The operations every implementation has: `get` hit, `get` miss, `set`, on each thread count.
struct CacheCases<Subject: BenchmarkedCache> {
    let subject: Subject
    let sampler: Sampler
    let progress: @Sendable (String) -> Void

    /// `prefix:0` ... `prefix:1023`: short keys (the final LocMem key `:1:key:1023` too fits in a
    /// small string, so building it allocates nothing).
    static func keys(_ prefix: String) -> [String] {
        (0..<CacheBenchmarks.keyCount).map { "\(prefix):\($0)" }
    }

    func run() throws -> [BenchmarkResult] {
        let subject = subject
        let present = Self.keys("key").map(subject.makeKey)
        let absent = Self.keys("absent").map(subject.makeKey)
        for (index, key) in present.enumerated() { subject.set(key, SmallValue(id: index, score: 1)) }
        guard subject.get(present[1])?.id == 1, subject.get(absent[1]) == nil else {
            throw BenchmarkError.setUpFailed("\(Subject.implementation): get after set")
        }
        let mask = CacheBenchmarks.keyCount - 1
        var results: [BenchmarkResult] = []
        for threads in sampler.options.threadCounts {
            results += measure("get hit", threads: threads) { thread in
                var position = thread &* 397
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= subject.get(present[position & mask])?.id ?? -1
                        position &+= 1
                    }
                    return sum
                }
            }
            results += measure("get miss", threads: threads) { thread in
                var position = thread &* 397
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= subject.get(absent[position & mask])?.id ?? 1
                        position &+= 1
                    }
                    return sum
                }
            }
            results += measure("set", threads: threads) { thread in
                var position = thread &* 397
                return { operations in
                    for _ in 0..<operations {
                        subject.set(present[position & mask], SmallValue(id: position & mask, score: 2))
                        position &+= 1
                    }
                    return position
                }
            }
        }
        return results
    }

    /// The case, or nothing when the filter excludes it.
    private func measure(
        _ operation: String, threads: Int, _ makeBody: @escaping @Sendable (Int) -> BatchBody
    ) -> [BenchmarkResult] {
        let id = BenchmarkResult.id(.cache, operation, Subject.implementation, threads: threads)
        guard sampler.options.includes(id) else { return [] }
        progress("cache: \(operation), \(Subject.implementation), \(threads) thread(s)")
        return [BenchmarkResult(
            group: .cache, operation: operation, implementation: Subject.implementation,
            measurements: sampler.measureConcurrently(threads: threads, makeBody)
        )]
    }
}

/// A benchmark that could not be set up as it must be to measure what it claims.
public enum BenchmarkError: Error, CustomStringConvertible {
    /// A sanity check before timing failed (for example, a key that should hit missed).
    case setUpFailed(String)
    /// The Django script could not be run or its output not read.
    case djangoFailed(String)

    public var description: String {
        switch self {
        case .setUpFailed(let what): "benchmark set-up failed: \(what)"
        case .djangoFailed(let why): "the Django benchmark failed: \(why)"
        }
    }
}
