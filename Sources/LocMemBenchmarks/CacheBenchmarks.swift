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

/// Cache operations: `get` hit and miss and `set` on LocMem, NSCache and the bare dictionary,
/// `getOrSet` hit and `incr` on LocMem; each on 1 thread and on all cores, on 1,024 keys read
/// round-robin.
///
/// Within a round, the implementations of one operation run one right after the other, so that
/// their ratio compares moments of the machine that are close in time.
struct CacheBenchmarks: RoundedSuite {
    /// Keys per case: more than one, so that lookups spread over the table, few enough to stay
    /// in the processor's caches as a web server's hot keys would.
    static let keyCount = 1_024
    /// Like Django's `CACHES` entry used on the Python side: `TIMEOUT` 300, `MAX_ENTRIES` 10,000
    /// (room for every key, so nothing is culled), `CULL_FREQUENCY` 3.
    static let configuration = CacheConfiguration(timeout: 300, maxEntries: 10_000, cullFrequency: 3)
    static let sharedOperations = ["get hit", "get miss", "set"]

    let sampler: Sampler
    let progress: @Sendable (String) -> Void
    let cache: LocMemCache
    let keys: [String]
    let counters: [String]
    private let subjects: [(String, Int) -> MeasuredCase?]

    init(sampler: Sampler, progress: @escaping @Sendable (String) -> Void) throws {
        self.sampler = sampler
        self.progress = progress
        cache = try LocMemCache(location: "locmem-bench/cache-operations", configuration: Self.configuration)
        cache.clear()
        keys = Self.keys("key")
        counters = Self.keys("counter")
        for key in counters { cache.set(key, 0, timeout: .never) }
        guard (try? cache.incr(counters[0], by: 0)) == 0 else { throw BenchmarkError.setUpFailed("incr") }
        let locMem = try CacheCases(subject: LocMemSubject(cache: cache), sampler: sampler, progress: progress)
        let nsCache = try CacheCases(subject: NSCacheSubject(), sampler: sampler, progress: progress)
        let dictionary = try CacheCases(subject: MutexDictionarySubject(), sampler: sampler, progress: progress)
        subjects = [locMem.measure, nsCache.measure, dictionary.measure]
    }

    /// `prefix:0` ... `prefix:1023`: short keys (the final LocMem key `:1:key:1023` too fits in a
    /// small string, so building it allocates nothing).
    static func keys(_ prefix: String) -> [String] {
        (0..<keyCount).map { "\(prefix):\($0)" }
    }

    func measureRound() throws -> [MeasuredCase] {
        var cases: [MeasuredCase] = []
        for threads in sampler.options.threadCounts {
            for operation in Self.sharedOperations {
                cases += subjects.compactMap { $0(operation, threads) }
            }
            if let measured = measureGetOrSet(threads: threads) { cases.append(measured) }
            if let measured = measureIncr(threads: threads) { cases.append(measured) }
        }
        return cases
    }

    private func measureGetOrSet(threads: Int) -> MeasuredCase? {
        let id = BenchmarkResult.id(.cache, "getOrSet hit", Implementation.locMem, threads: threads)
        guard sampler.options.includes(id) else { return nil }
        progress("cache: getOrSet hit, LocMem, \(threads) thread(s)")
        let cache = cache, keys = keys, mask = Self.keyCount - 1
        let measurements = sampler.measureConcurrently(threads: threads) { thread in
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
        return MeasuredCase(group: .cache, operation: "getOrSet hit", implementation: Implementation.locMem,
                            measurements: measurements)
    }

    private func measureIncr(threads: Int) -> MeasuredCase? {
        let id = BenchmarkResult.id(.cache, "incr", Implementation.locMem, threads: threads)
        guard sampler.options.includes(id) else { return nil }
        progress("cache: incr, LocMem, \(threads) thread(s)")
        let cache = cache, counters = counters, mask = Self.keyCount - 1
        let measurements = sampler.measureConcurrently(threads: threads) { thread in
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
        return MeasuredCase(group: .cache, operation: "incr", implementation: Implementation.locMem,
                            measurements: measurements)
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

/// The operations every implementation has: `get` hit, `get` miss, `set`.
struct CacheCases<Subject: BenchmarkedCache> {
    let subject: Subject
    let sampler: Sampler
    let progress: @Sendable (String) -> Void
    let present: [Subject.Key]
    let absent: [Subject.Key]

    /// Fills `subject` with the present keys and checks that they hit and the absent ones miss.
    init(subject: Subject, sampler: Sampler, progress: @escaping @Sendable (String) -> Void) throws {
        self.subject = subject
        self.sampler = sampler
        self.progress = progress
        present = CacheBenchmarks.keys("key").map(subject.makeKey)
        absent = CacheBenchmarks.keys("absent").map(subject.makeKey)
        for (index, key) in present.enumerated() { subject.set(key, SmallValue(id: index, score: 1)) }
        guard subject.get(present[1])?.id == 1, subject.get(absent[1]) == nil else {
            throw BenchmarkError.setUpFailed("\(Subject.implementation): get after set")
        }
    }

    /// One case, or `nil` when the filter excludes it.
    func measure(_ operation: String, threads: Int) -> MeasuredCase? {
        let id = BenchmarkResult.id(.cache, operation, Subject.implementation, threads: threads)
        guard sampler.options.includes(id) else { return nil }
        progress("cache: \(operation), \(Subject.implementation), \(threads) thread(s)")
        let subject = subject, present = present, absent = absent
        let mask = CacheBenchmarks.keyCount - 1
        let makeBody: @Sendable (Int) -> BatchBody
        switch operation {
        case "get hit":
            makeBody = { thread in
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
        case "get miss":
            makeBody = { thread in
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
        case "set":
            makeBody = { thread in
                var position = thread &* 397
                return { operations in
                    for _ in 0..<operations {
                        subject.set(present[position & mask], SmallValue(id: position & mask, score: 2))
                        position &+= 1
                    }
                    return position
                }
            }
        default:
            preconditionFailure("no case \(operation)")
        }
        return MeasuredCase(
            group: .cache, operation: operation, implementation: Subject.implementation,
            measurements: sampler.measureConcurrently(threads: threads, makeBody)
        )
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
