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
/// round-robin. Then, on LocMem and the bare dictionary only, the same three operations on
/// 10,000 keys read in a shuffled order (a working set larger than a core's nearest caches; with
/// N threads each reads its own N-th of the keys), and `get` hits of one key that every thread reads
/// (``WorkingSet``).
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
        var subjects: [(String, Int) -> MeasuredCase?] = []
        for workingSet in WorkingSet.allCases {
            // The shuffled set has a store of its own, so that the 1,024-key case reads the table it
            // always read.
            let locMemCache = workingSet == .shuffled
                ? try LocMemCache(location: "locmem-bench/cache-operations-10k", configuration: Self.shuffledConfiguration)
                : cache
            if workingSet == .shuffled { locMemCache.clear() }
            let locMem = try CacheCases(
                subject: LocMemSubject(cache: locMemCache), workingSet: workingSet, sampler: sampler, progress: progress
            )
            let dictionary = try CacheCases(
                subject: MutexDictionarySubject(), workingSet: workingSet, sampler: sampler, progress: progress
            )
            subjects.append(locMem.measure)
            if workingSet == .roundRobin {
                let nsCache = try CacheCases(
                    subject: NSCacheSubject(), workingSet: workingSet, sampler: sampler, progress: progress
                )
                subjects.append(nsCache.measure)
            }
            subjects.append(dictionary.measure)
        }
        self.subjects = subjects
    }

    /// For the shuffled working set: room for all its keys, so nothing is culled.
    static let shuffledConfiguration = CacheConfiguration(timeout: 300, maxEntries: 20_000, cullFrequency: 3)

    /// Every operation of every working set, in the table's order.
    static var operations: [String] {
        WorkingSet.allCases.flatMap { set in set.operations.map { set.name($0) } }
    }

    /// `prefix:0` ... `prefix:1023` (or up to `count - 1`): short keys (the final LocMem key
    /// `:1:key:9999` too fits in a small string, so building it allocates nothing).
    static func keys(_ prefix: String, count: Int = keyCount) -> [String] {
        (0..<count).map { "\(prefix):\($0)" }
    }

    func measureRound() throws -> [MeasuredCase] {
        var cases: [MeasuredCase] = []
        for threads in sampler.options.threadCounts {
            for operation in Self.operations {
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

/// The keys a case reads, and in which order.
enum WorkingSet: CaseIterable {
    /// 1,024 keys read round-robin; thread *t* starts at key 397 *t*, so threads read the same
    /// keys at different moments.
    case roundRobin
    /// 10,000 keys read in a fixed shuffled order; with *N* threads, thread *t* reads the keys at
    /// positions *t*, *t* + *N*, ... of that order, so no two threads read the same key.
    case shuffled
    /// One key, read by every thread.
    case hotKey

    var keyCount: Int {
        switch self {
        case .roundRobin: CacheBenchmarks.keyCount
        case .shuffled: 10_000
        case .hotKey: 1
        }
    }

    /// The operations measured on this working set.
    var operations: [String] {
        self == .hotKey ? ["get hit"] : CacheBenchmarks.sharedOperations
    }

    /// The case's operation name: `get hit`, `get hit, 10k shuffled`, `get hit, one hot key`.
    func name(_ operation: String) -> String {
        switch self {
        case .roundRobin: operation
        case .shuffled: operation + ", 10k shuffled"
        case .hotKey: operation + ", one hot key"
        }
    }

    /// Positions (into the present or absent keys) in the order thread `thread` of `threads` reads them.
    func order(thread: Int, of threads: Int) -> [Int] {
        switch self {
        case .roundRobin:
            let start = thread &* 397
            return (0..<keyCount).map { (start &+ $0) & (keyCount - 1) }
        case .shuffled:
            // A fixed permutation (SplitMix64, seed 11), the same in every run and for every subject.
            var state: UInt64 = 11
            var permutation = Array(0..<keyCount)
            for index in stride(from: keyCount - 1, to: 0, by: -1) {
                state &+= 0x9E37_79B9_7F4A_7C15
                var mixed = (state ^ (state &>> 30)) &* 0xBF58_476D_1CE4_E5B9
                mixed = (mixed ^ (mixed &>> 27)) &* 0x94D0_49BB_1331_11EB
                mixed ^= mixed &>> 31
                permutation.swapAt(index, Int(mixed % UInt64(index + 1)))
            }
            return stride(from: thread, to: keyCount, by: threads).map { permutation[$0] }
        case .hotKey:
            return [0]
        }
    }
}

/// The operations every implementation has: `get` hit, `get` miss, `set`, on one ``WorkingSet``.
struct CacheCases<Subject: BenchmarkedCache> {
    let subject: Subject
    let workingSet: WorkingSet
    let sampler: Sampler
    let progress: @Sendable (String) -> Void
    let present: [Subject.Key]
    let absent: [Subject.Key]

    /// Fills `subject` with the present keys and checks that they hit and the absent ones miss.
    init(
        subject: Subject, workingSet: WorkingSet, sampler: Sampler, progress: @escaping @Sendable (String) -> Void
    ) throws {
        self.subject = subject
        self.workingSet = workingSet
        self.sampler = sampler
        self.progress = progress
        present = CacheBenchmarks.keys("key", count: workingSet.keyCount).map(subject.makeKey)
        absent = CacheBenchmarks.keys("absent", count: workingSet.keyCount).map(subject.makeKey)
        for (index, key) in present.enumerated() { subject.set(key, SmallValue(id: index, score: 1)) }
        let probe = present.count - 1
        guard subject.get(present[probe])?.id == probe, subject.get(absent[probe]) == nil else {
            throw BenchmarkError.setUpFailed("\(Subject.implementation): get after set")
        }
    }

    /// One case, or `nil` when the working set has no such operation or the filter excludes it.
    func measure(_ name: String, threads: Int) -> MeasuredCase? {
        guard let operation = self.workingSet.operations.first(where: { self.workingSet.name($0) == name }) else { return nil }
        let id = BenchmarkResult.id(.cache, name, Subject.implementation, threads: threads)
        guard sampler.options.includes(id) else { return nil }
        progress("cache: \(name), \(Subject.implementation), \(threads) thread(s)")
        let subject = subject, workingSet = workingSet, present = present, absent = absent
        // Each thread reads its keys from an array of its own, built before timing, in its order.
        @Sendable func keys(_ all: [Subject.Key], thread: Int) -> (keys: [Subject.Key], ids: [Int]) {
            let order = workingSet.order(thread: thread, of: threads)
            return (order.map { all[$0] }, order)
        }
        let makeBody: @Sendable (Int) -> BatchBody
        switch operation {
        case "get hit":
            makeBody = { thread in
                let keys = keys(present, thread: thread).keys
                var position = 0
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= subject.get(keys[position])?.id ?? -1
                        position &+= 1
                        if position == keys.count { position = 0 }
                    }
                    return sum
                }
            }
        case "get miss":
            makeBody = { thread in
                let keys = keys(absent, thread: thread).keys
                var position = 0
                return { operations in
                    var sum = 0
                    for _ in 0..<operations {
                        sum &+= subject.get(keys[position])?.id ?? 1
                        position &+= 1
                        if position == keys.count { position = 0 }
                    }
                    return sum
                }
            }
        case "set":
            makeBody = { thread in
                let (keys, ids) = keys(present, thread: thread)
                var position = 0
                return { operations in
                    for _ in 0..<operations {
                        subject.set(keys[position], SmallValue(id: ids[position], score: 2))
                        position &+= 1
                        if position == keys.count { position = 0 }
                    }
                    return position
                }
            }
        default:
            preconditionFailure("no case \(operation)")
        }
        return MeasuredCase(
            group: .cache, operation: name, implementation: Subject.implementation,
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
