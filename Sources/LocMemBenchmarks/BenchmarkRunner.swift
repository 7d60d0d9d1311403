/// Runs every case of `locmem bench` and assembles the report.
///
/// ```swift
/// let report = try BenchmarkRunner(options: .quick).run()
/// print(report.table())
/// ```
///
/// Order: memory (in fresh processes when ``memoryIsolation`` allows), then
/// ``BenchmarkOptions/rounds`` rounds of the timed suites (repository reads, cache operations with
/// their peers), then single-flight. The Django side is separate (``DjangoPeer``), joined with
/// ``BenchmarkReport/join(_:)``.
///
/// - Note: Not for concurrent use: the cases start threads of their own and are timed on an
///   otherwise idle process.
public struct BenchmarkRunner: Sendable {
    public var options: BenchmarkOptions
    public var memoryIsolation: MemoryIsolation
    /// Called with a line before each case (the CLI prints it to standard error).
    public var progress: @Sendable (String) -> Void

    public init(
        options: BenchmarkOptions, memoryIsolation: MemoryIsolation = .inProcess,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.options = options
        self.memoryIsolation = memoryIsolation
        self.progress = progress
    }

    /// Measures everything and returns the report, ratios and goals derived.
    ///
    /// - Throws: ``BenchmarkError`` when a sanity check before or after a case fails (a hit that
    ///   missed, a cached read that ran SQL, ...), or the errors of loading the fixtures.
    public func run() throws -> BenchmarkReport {
        let machine = MachineInfo.current()
        let sampler = Sampler(options: options)
        let overhead = BenchmarkClock.readingOverhead()
        let memory = try MemoryBenchmarks.run(options: options, isolation: memoryIsolation, progress: progress)

        let repository: RepositoryBenchmarks? = RepositoryBenchmarks.caseNames.contains(where: options.includes)
            ? try RepositoryBenchmarks(sampler: sampler, progress: progress) : nil
        let queryCache: QueryCacheBenchmarks? = QueryCacheBenchmarks.caseNames.contains(where: options.includes)
            ? try QueryCacheBenchmarks(sampler: sampler, progress: progress) : nil
        defer { queryCache?.tearDown() }
        let cache = try CacheBenchmarks(sampler: sampler, progress: progress)
        let suites: [any RoundedSuite] = (repository.map { [$0] } ?? []) + (queryCache.map { [$0] } ?? []) + [cache]
        var order: [String] = []
        var rounds: [String: [MeasuredCase]] = [:]
        for round in 1...max(options.rounds, 1) {
            if options.rounds > 1 { progress("round \(round) of \(options.rounds)") }
            for suite in suites {
                for measured in try suite.measureRound() {
                    if rounds[measured.id] == nil { order.append(measured.id) }
                    rounds[measured.id, default: []].append(measured)
                }
            }
        }
        let singleFlight = try repository?.singleFlight() ?? []
        cache.cache.clear()
        return BenchmarkReport(
            machine: machine, options: options, timerOverheadNanoseconds: overhead,
            results: order.map { BenchmarkResult(merging: rounds[$0]!) }, memory: memory,
            singleFlight: singleFlight,
            notes: [
                "Uncached reads are BookRepository.uncached: the statements the repository runs on a miss, "
                    + "prepared once and reused from the database's statement cache, with the same row decoding. "
                    + "The database is SQLite in memory, loaded from Fixtures/*.sql. Every cached case is checked "
                    + "to run no SQL while measured.",
                "CachedDatabase reads: the same BookRepository reads on a database file (every hit checks "
                    + "the WAL-index for other processes' commits) and in memory (no check), against a "
                    + "plain LocMemCache.get of the same value under a key built beforehand.",
                "Single-flight: the readers are threads released together on a cleared cache; queries are "
                    + "db.queryCount differences (SQLite's trace hook). Uncached: the same readers, no cache.",
            ]
        )
    }
}
