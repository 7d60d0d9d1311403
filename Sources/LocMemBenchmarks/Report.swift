import Foundation

/// Everything one `locmem bench` run measured, with the machine it ran on, the ratios between
/// cases and the goals they are judged against.
///
/// Every ratio compares two cases of the same run, so they share the machine's state. The report
/// prints as an aligned table (``table()``) or encodes as JSON (``json()``).
public struct BenchmarkReport: Sendable, Codable {
    public var machine: MachineInfo
    public var options: BenchmarkOptions
    /// The measured cost of one clock reading, in nanoseconds (not subtracted: see the footnotes).
    public var timerOverheadNanoseconds: Double
    public var results: [BenchmarkResult]
    public var memory: [MemoryResult]
    public var singleFlight: [SingleFlightResult]
    /// The Django side, when `--with-django` ran it (its rows are in ``results`` too).
    public var django: DjangoRun?
    /// Derived from the cases by ``deriveComparisons()``.
    public var ratios: [Ratio] = []
    /// Derived from the cases by ``deriveComparisons()``.
    public var goals: [Goal] = []
    /// Notes on how the cases were measured (printed under the table).
    public var notes: [String] = []

    public init(
        machine: MachineInfo, options: BenchmarkOptions, timerOverheadNanoseconds: Double,
        results: [BenchmarkResult], memory: [MemoryResult], singleFlight: [SingleFlightResult],
        django: DjangoRun? = nil, notes: [String] = []
    ) {
        self.machine = machine
        self.options = options
        self.timerOverheadNanoseconds = timerOverheadNanoseconds
        self.results = results
        self.memory = memory
        self.singleFlight = singleFlight
        self.django = django
        self.notes = notes
        deriveComparisons()
    }

    /// The case with this ``BenchmarkResult/id``.
    public func result(_ id: String) -> BenchmarkResult? {
        results.first { $0.id == id }
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    // MARK: - Ratios and goals

    /// Recomputes ``ratios`` and ``goals`` from the cases (after rows were added, such as
    /// Django's). In a debug build no goal is judged: ``Goal/met`` stays `nil`.
    public mutating func deriveComparisons() {
        ratios = Self.ratios(of: results)
        goals = Self.goals(of: self)
        if machine.isDebugBuild {
            for index in goals.indices where goals[index].met != nil {
                goals[index].met = nil
                goals[index].detail = "not judged (debug build): " + goals[index].detail
            }
        }
    }

    static func ratios(of results: [BenchmarkResult]) -> [Ratio] {
        var ratios: [Ratio] = []
        let byID = Dictionary(results.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for row in results {
            switch (row.group, row.implementation) {
            case (.repository, Implementation.locMemCached):
                let database = BenchmarkResult.id(.repository, row.operation, Implementation.sqliteUncached)
                if let baseline = byID[database] {
                    ratios.append(Ratio(
                        label: "\(row.operation): database / cache", baseline: baseline, subject: row,
                        metric: .medianLatency, shownOn: row.id
                    ))
                }
            case (.repository, Implementation.sqliteUncached):
                break
            case (.repository, _):
                // A peer's cached read (Django's) against LocMem's, a peer's database read
                // (Python's sqlite3) against Swift's.
                let counterpart = row.implementation.hasSuffix("(cached)")
                    ? Implementation.locMemCached : Implementation.sqliteUncached
                if let subject = byID[BenchmarkResult.id(.repository, row.operation, counterpart)] {
                    ratios.append(Ratio(
                        label: "\(row.operation): \(row.implementation) / \(counterpart)",
                        baseline: row, subject: subject, metric: .medianLatency, shownOn: row.id
                    ))
                }
            case (.cache, Implementation.locMem):
                let single = BenchmarkResult.id(.cache, row.operation, Implementation.locMem, threads: 1)
                if row.threads > 1, let baseline = byID[single] {
                    ratios.append(Ratio(
                        label: "\(row.operation): LocMem, \(row.threads) threads / 1 thread",
                        baseline: baseline, subject: row, metric: .throughput, shownOn: row.id
                    ))
                }
            case (.cache, _):
                let locMem = BenchmarkResult.id(.cache, row.operation, Implementation.locMem, threads: row.threads)
                if let subject = byID[locMem] {
                    ratios.append(Ratio(
                        label: "\(row.operation): \(row.implementation) / LocMem, \(row.threads) thread(s)",
                        baseline: row, subject: subject, metric: row.threads == 1 ? .medianLatency : .throughput,
                        shownOn: row.id
                    ))
                }
            }
        }
        return ratios
    }

    static func goals(of report: BenchmarkReport) -> [Goal] {
        func ratio(baseline: String, subject: String) -> Ratio? {
            report.ratios.first { $0.baseline == baseline && $0.subject == subject }
        }
        let locMemGet = BenchmarkResult.id(.cache, "get hit", Implementation.locMem)
        var goals: [Goal] = []

        let django = report.results.first {
            $0.group == .cache && $0.operation == "get hit" && $0.implementation.hasPrefix("Django")
        }
        goals.append(Goal(
            summary: "get hit at least 50x faster than Django's LocMemCache.get hit", target: 50, atLeast: true,
            ratio: django.flatMap { ratio(baseline: $0.id, subject: locMemGet) },
            missing: report.django?.error == nil
                ? "not measured: run with --with-django" : "not measured: Django failed"
        ))
        goals.append(Goal(
            summary: "get hit at least 2x faster than NSCache", target: 2, atLeast: true,
            ratio: ratio(baseline: BenchmarkResult.id(.cache, "get hit", Implementation.nsCache), subject: locMemGet)
        ))
        // Within Nx of the dictionary: LocMem / dictionary <= N, the inverse of the table's ratio.
        func nearDictionary(_ operation: String, within target: Double) -> Goal {
            let dictionary = ratio(
                baseline: BenchmarkResult.id(.cache, operation, Implementation.mutexDictionary),
                subject: BenchmarkResult.id(.cache, operation, Implementation.locMem)
            )
            return Goal(
                summary: "\(operation) within \(Format.ratio(target)) of the bare Mutex dictionary (LocMem / dictionary)",
                target: target, atLeast: false, measured: dictionary.map { 1 / $0.value }, detail: dictionary?.detail,
                cpuShare: dictionary?.cpuShare
            )
        }
        goals.append(nearDictionary("get hit", within: 3))
        for (operation, target) in [("book(id:)", 20.0), ("topRatedBooks(limit: 10)", 1_000)] {
            let cached = ratio(
                baseline: BenchmarkResult.id(.repository, operation, Implementation.sqliteUncached),
                subject: BenchmarkResult.id(.repository, operation, Implementation.locMemCached)
            )
            goals.append(Goal(
                summary: "cached \(operation) at least \(Int(target))x faster than the uncached read",
                target: target, atLeast: true, ratio: cached
            ))
        }
        for operation in ["book(id:), file", "top-rated, file"] {
            // The plain get over the hit: at least 0.5 when a hit costs at most 2x a plain get.
            let hit = ratio(
                baseline: BenchmarkResult.id(.repository, operation, QueryCacheBenchmarks.plainGet),
                subject: BenchmarkResult.id(.repository, operation, Implementation.locMemCached)
            )
            goals.append(Goal(
                summary: "CachedDatabase \(operation): a hit at most 2x a plain get (get / hit >= 0.5)",
                target: 0.5, atLeast: true, ratio: hit
            ))
        }
        let threads = report.options.threadCounts.max() ?? 1
        func scaling(_ operation: String, _ summary: String, target: Double, strictly: Bool) -> Goal {
            let single = BenchmarkResult.id(.cache, operation, Implementation.locMem)
            let multiple = BenchmarkResult.id(.cache, operation, Implementation.locMem, threads: threads)
            var goal = Goal(
                summary: summary, target: target, atLeast: true, strictly: strictly,
                ratio: threads > 1 ? ratio(baseline: single, subject: multiple) : nil,
                missing: "not measured: this machine has one core"
            )
            // Threads that got fewer cores between them than one less than their number cannot show
            // scaling, whatever the cache does: judging them would judge the machine's other work.
            if threads > 1, goal.met != nil, let share = report.result(multiple)?.cpuShare,
                share * Double(threads) < Double(threads) - 0.5
            {
                goal.met = nil
                let cores = Format.significant(share * Double(threads))
                goal.detail = "not judged: the \(threads) threads got \(cores) "
                    + "core(s) between them (cpu \(Format.percent(share))); " + goal.detail
            }
            return goal
        }
        goals.append(scaling(
            "get hit", "\(threads) threads together do more gets per second than 1", target: 1, strictly: true
        ))
        // Issue #11: the read path at the limit, on a working set larger than a core's caches.
        let shuffled = WorkingSet.shuffled, hot = WorkingSet.hotKey
        goals.append(nearDictionary(shuffled.name("get hit"), within: 1.5))
        goals.append(nearDictionary(shuffled.name("set"), within: 2))
        goals.append(nearDictionary(shuffled.name("get miss"), within: 1.2))
        goals.append(scaling(
            shuffled.name("get hit"), "get hits on \(threads) threads, disjoint keys, at least 1.6x one thread's",
            target: 1.6, strictly: false
        ))
        goals.append(scaling(
            hot.name("get hit"), "get hits on \(threads) threads, one shared key, at least 1.6x one thread's",
            target: 1.6, strictly: false
        ))
        let entries = report.memory.map(\.entries).max()
        func perEntry(_ implementation: String) -> Double? {
            report.memory.first { $0.entries == entries && $0.implementation == implementation }?.bytesPerEntry
        }
        let locMem = perEntry(Implementation.locMem), bare = perEntry(Implementation.mutexDictionary)
        var measured: Double?
        if let locMem, let bare, bare > 0 { measured = locMem / bare }
        goals.append(Goal(
            summary: "memory per entry at most 1.3x the bare dictionary's"
                + (entries.map { " (\(Format.count($0)) entries)" } ?? ""),
            target: 1.3, atLeast: false, measured: measured,
            detail: "LocMem \(Format.bytes(locMem ?? 0)), dictionary \(Format.bytes(bare ?? 0)) per entry",
            missing: entries == nil ? "not measured" : "not measured: the dictionary's growth was not positive"
        ))
        return goals
    }
}

/// How many times faster the LocMem side of a comparison is than its baseline (the database or a
/// peer): above 1, LocMem is faster.
public struct Ratio: Sendable, Hashable, Codable {
    /// What is compared with what.
    public enum Metric: String, Sendable, Hashable, Codable {
        /// Baseline median latency / subject median latency (single-thread cases).
        case medianLatency
        /// Subject ops/s / baseline ops/s (multi-thread cases, and scaling).
        case throughput
    }

    public var label: String
    /// The ``BenchmarkResult/id`` of the slower-expected side: the database, a peer, 1 thread.
    public var baseline: String
    /// The ``BenchmarkResult/id`` of the LocMem side.
    public var subject: String
    public var metric: Metric
    public var value: Double
    /// The row whose speed-up cell shows this ratio.
    public var shownOn: String
    /// The two numbers the ratio comes from, for the goals' lines.
    public var detail: String
    /// The smaller ``BenchmarkResult/cpuShare`` of the two cases, if known.
    public var cpuShare: Double?

    init(label: String, baseline: BenchmarkResult, subject: BenchmarkResult, metric: Metric, shownOn: String) {
        self.label = label
        self.baseline = baseline.id
        self.subject = subject.id
        self.metric = metric
        self.shownOn = shownOn
        cpuShare = [baseline.cpuShare, subject.cpuShare].compactMap { $0 }.min()
        switch metric {
        case .medianLatency:
            value = subject.latency.median > 0 ? baseline.latency.median / subject.latency.median : 0
            detail = "\(baseline.implementation) \(Format.latency(baseline.latency.median)), "
                + "\(subject.implementation) \(Format.latency(subject.latency.median)) median"
        case .throughput:
            value = baseline.operationsPerSecond > 0 ? subject.operationsPerSecond / baseline.operationsPerSecond : 0
            detail = "\(Format.rate(subject.operationsPerSecond)) ops/s with \(subject.threads) thread(s), "
                + "\(Format.rate(baseline.operationsPerSecond)) ops/s with \(baseline.threads)"
        }
    }
}

/// One of the goals of issues #5 and #11, judged on this run's numbers.
public struct Goal: Sendable, Hashable, Codable {
    public var summary: String
    /// The bound the measured ratio must reach (``atLeast``) or stay under.
    public var target: Double
    public var atLeast: Bool
    /// The bound itself does not count (`>` rather than `>=`).
    public var strictly: Bool
    /// The measured ratio; `nil` when the case was not run.
    public var measured: Double?
    /// Whether the goal is met; `nil` when it was not measured.
    public var met: Bool?
    public var detail: String
    /// Whether a case behind it ran with less than 90% of a core per thread.
    public var noisy: Bool

    init(
        summary: String, target: Double, atLeast: Bool, strictly: Bool = false, measured: Double?,
        detail: String?, missing: String = "not measured", cpuShare: Double? = nil
    ) {
        noisy = (cpuShare ?? 1) < 0.9
        self.summary = summary
        self.target = target
        self.atLeast = atLeast
        self.strictly = strictly
        self.measured = measured
        self.detail = measured == nil ? missing : (detail ?? "")
        met = measured.map { value in
            switch (atLeast, strictly) {
            case (true, false): value >= target
            case (true, true): value > target
            case (false, false): value <= target
            case (false, true): value < target
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case summary, target, atLeast, strictly, measured, met, detail, noisy
    }

    /// Encodes every key, `null` for a goal that was not measured, so readers need not guess.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary, forKey: .summary)
        try container.encode(target, forKey: .target)
        try container.encode(atLeast, forKey: .atLeast)
        try container.encode(strictly, forKey: .strictly)
        try container.encode(measured, forKey: .measured)
        try container.encode(met, forKey: .met)
        try container.encode(detail, forKey: .detail)
        try container.encode(noisy, forKey: .noisy)
    }

    init(
        summary: String, target: Double, atLeast: Bool, strictly: Bool = false, ratio: Ratio?,
        missing: String = "not measured"
    ) {
        self.init(
            summary: summary, target: target, atLeast: atLeast, strictly: strictly, measured: ratio?.value,
            detail: ratio?.detail, missing: missing, cpuShare: ratio?.cpuShare
        )
    }
}

/// N concurrent cold reads of one key through the repository, and the queries they ran.
public struct SingleFlightResult: Sendable, Hashable, Codable {
    /// The repository read, e.g. `topRatedBooks(limit: 10)`.
    public var read: String
    /// Threads released at once on the cold key, per round.
    public var readers: Int
    /// Statements SQLite ran in each round through the cache (`db.queryCount` difference).
    public var cachedQueries: [Int]
    /// Statements SQLite ran in each round when the same readers bypass the cache.
    public var uncachedQueries: [Int]
    /// Whether every reader of every round got the same value as the uncached read.
    public var consistent: Bool
}
