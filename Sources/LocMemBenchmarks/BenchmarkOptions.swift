/// How long and how much `locmem bench` measures.
///
/// Two presets: ``full`` for numbers worth reading, ``quick`` for a seconds-long smoke run (CI runs
/// it, in a debug build too, so that the benchmark keeps compiling and running; its numbers mean
/// little).
public struct BenchmarkOptions: Sendable, Hashable, Codable {
    /// Whether this is the ``quick`` preset.
    public var isQuick: Bool
    /// Seconds each case runs before sampling starts; the batch size is calibrated meanwhile.
    public var warmUpSeconds: Double
    /// Rounds: every suite of cases runs this many times in turn, and each case's rounds are
    /// merged, so that cases alternate in time and share the machine's good and bad moments.
    public var rounds: Int
    /// Seconds of sampling per case and round (at least ``minimumSamples`` are taken even if
    /// slower).
    public var sampleSeconds: Double
    /// Samples taken per case at least, time permitting or not.
    public var minimumSamples: Int
    /// Samples taken per case at most.
    public var maximumSamples: Int
    /// A batch is grown (doubling, from one operation) until it takes at least this long.
    public var targetBatchNanoseconds: UInt64
    /// The largest batch, in operations.
    public var maximumBatchSize: Int
    /// Thread counts for the cache operations: 1 and the number of cores.
    public var threadCounts: [Int]
    /// Entry counts for the memory cases.
    public var memoryEntryCounts: [Int]
    /// Concurrent readers of one cold key in the single-flight case.
    public var singleFlightReaders: Int
    /// Rounds of the single-flight case, each on a cold key.
    public var singleFlightRounds: Int
    /// Only cases whose name contains this text (case-insensitive) run; `nil` runs everything.
    /// Names are `group/operation/implementation/threads` (``BenchmarkResult/id``),
    /// `memory/<implementation>/<entries>` and `single-flight/<read>`.
    public var filter: String?

    /// Whether the case named `name` runs under ``filter``.
    public func includes(_ name: String) -> Bool {
        guard let filter, !filter.isEmpty else { return true }
        return name.lowercased().contains(filter.lowercased())
    }

    /// Numbers worth reading: about a minute in all on two cores.
    public static var full: BenchmarkOptions {
        BenchmarkOptions(
            isQuick: false, warmUpSeconds: 0.05, rounds: 3, sampleSeconds: 0.2, minimumSamples: 100,
            maximumSamples: 20_000, targetBatchNanoseconds: 50_000, maximumBatchSize: 1_000,
            threadCounts: defaultThreadCounts, memoryEntryCounts: [100_000, 1_000_000],
            singleFlightReaders: 8, singleFlightRounds: 5, filter: nil
        )
    }

    /// A smoke run of a few seconds (well under 30 s in a debug build): every case, few samples.
    public static var quick: BenchmarkOptions {
        BenchmarkOptions(
            isQuick: true, warmUpSeconds: 0.005, rounds: 1, sampleSeconds: 0.02, minimumSamples: 5,
            maximumSamples: 2_000, targetBatchNanoseconds: 20_000, maximumBatchSize: 200,
            threadCounts: defaultThreadCounts, memoryEntryCounts: [10_000, 100_000],
            singleFlightReaders: 4, singleFlightRounds: 2, filter: nil
        )
    }

    /// `[1, cores]`, or `[1]` on a single core.
    public static var defaultThreadCounts: [Int] {
        let cores = MachineInfo.coreCount
        return cores > 1 ? [1, cores] : [1]
    }
}
