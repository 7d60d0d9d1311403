extension BenchmarkReport {
    /// The report as an aligned text table: a header naming the machine and build, a section per
    /// group of cases with a speed-up column, memory, single-flight, the goals, and footnotes.
    public func table() -> String {
        var lines: [String] = []
        if machine.isDebugBuild {
            lines += Self.debugWarning
        }
        lines += header()
        lines.append("")
        lines += timingSection(.repository, title: "Repository reads")
        lines.append("")
        lines += timingSection(.cache, title: "Cache operations")
        if !memory.isEmpty {
            lines.append("")
            lines += memorySection()
        }
        if !singleFlight.isEmpty {
            lines.append("")
            lines += singleFlightSection()
        }
        lines.append("")
        lines += goalSection()
        lines.append("")
        lines += footnotes()
        if machine.isDebugBuild {
            lines += Self.debugWarning
        }
        return lines.joined(separator: "\n")
    }

    static let debugWarning = [
        String(repeating: "!", count: 100),
        "!! WARNING: DEBUG BUILD. These numbers say nothing about LocMem's speed; the goals are not judged.",
        "!! Measure with: swift run -c release locmem bench",
        String(repeating: "!", count: 100),
    ]

    // MARK: - Header

    func header() -> [String] {
        var lines = [
            "LocMem benchmark" + (options.isQuick ? " (--quick smoke run: too few samples to compare)" : ""),
            "  machine  \(machine.cpuModel), \(machine.cores) cores, "
                + "\(Format.bytes(Double(machine.memoryBytes))) memory",
            "  os       \(machine.operatingSystem)",
            "  swift    \(machine.swiftVersion), \(machine.buildConfiguration) build",
            "  load     \(machine.loadAverage) (1, 5, 15 min averages at start; other work on the machine adds noise)",
        ]
        if machine.autogroupScheduling == true {
            lines.append("  sched    autogroup: while another session is busy, this run gets one session's share "
                + "of the cores (cpu column)")
        }
        if let django {
            lines.append("  django   \(django.summary)")
        }
        return lines
    }

    // MARK: - Timed cases

    static let operationOrder = [
        "book(id:)", "books(byAuthor:)", "topRatedBooks(limit: 10)",
        "get hit", "get miss", "set", "getOrSet hit", "incr",
    ]
    static let implementationOrder = [
        Implementation.sqliteUncached, Implementation.locMemCached, Implementation.locMem,
        Implementation.nsCache, Implementation.mutexDictionary,
    ]

    static let timingColumns: [(title: String, width: Int, right: Bool)] = [
        ("", 24, false), ("implementation", 27, false), ("threads", 7, true), ("median", 9, true),
        ("p99", 9, true), ("ops/s", 12, true), ("cpu", 5, true), ("speed-up", 15, true),
    ]

    func timingSection(_ group: BenchmarkResult.Group, title: String) -> [String] {
        let rows = results.filter { $0.group == group }.sorted(by: Self.tableOrder)
        var lines = [Self.row([title] + Self.timingColumns.dropFirst().map(\.title), Self.timingColumns)]
        if rows.isEmpty {
            lines.append("  (not measured)")
        }
        for row in rows {
            var speedUp = ""
            if let ratio = ratios.first(where: { $0.shownOn == row.id }) {
                speedUp = Format.ratio(ratio.value)
                if row.implementation == Implementation.locMem, row.threads > 1 {
                    speedUp += " vs 1 thr"
                } else if ratio.metric == .throughput {
                    speedUp += " ops/s"
                }
            }
            lines.append(Self.row([
                row.operation, row.implementation, String(row.threads), Format.latency(row.latency.median),
                Format.latency(row.latency.p99), Format.rate(row.operationsPerSecond),
                row.cpuShare.map(Format.percent) ?? "", speedUp,
            ], Self.timingColumns))
        }
        return lines
    }

    /// Operation, then thread count, then implementation, each in the table's order.
    static func tableOrder(_ left: BenchmarkResult, _ right: BenchmarkResult) -> Bool {
        func rank(_ value: String, in order: [String]) -> Int { order.firstIndex(of: value) ?? order.count }
        let leftKey = (rank(left.operation, in: operationOrder), left.threads)
        let rightKey = (rank(right.operation, in: operationOrder), right.threads)
        if leftKey != rightKey { return leftKey < rightKey }
        if left.operation != right.operation { return left.operation < right.operation }
        let leftImplementation = rank(left.implementation, in: implementationOrder)
        let rightImplementation = rank(right.implementation, in: implementationOrder)
        if leftImplementation != rightImplementation { return leftImplementation < rightImplementation }
        return left.implementation < right.implementation
    }

    static func row(_ cells: [String], _ columns: [(title: String, width: Int, right: Bool)]) -> String {
        var line = ""
        for (cell, column) in zip(cells, columns) {
            line += (line.isEmpty ? "" : " ") + Format.pad(cell, column.width, right: column.right)
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    // MARK: - Memory and single-flight

    static let memoryColumns: [(title: String, width: Int, right: Bool)] = [
        ("", 34, false), ("entries", 12, true), ("RSS growth", 12, true), ("per entry", 12, true),
        ("vs dictionary", 14, true), ("", 12, false),
    ]

    func memorySection() -> [String] {
        var lines = [Self.row(
            ["Memory per entry"] + Self.memoryColumns.dropFirst().map(\.title), Self.memoryColumns
        )]
        for entry in memory {
            var versus = ""
            if entry.implementation != Implementation.mutexDictionary,
                let bare = memory.first(where: {
                    $0.entries == entry.entries && $0.implementation == Implementation.mutexDictionary
                }),
                bare.bytesPerEntry > 0
            {
                versus = Format.ratio(entry.bytesPerEntry / bare.bytesPerEntry)
            }
            lines.append(Self.row([
                entry.implementation, Format.count(entry.entries), Format.bytes(Double(entry.residentGrowthBytes)),
                Format.bytes(entry.bytesPerEntry), versus, entry.isolated ? "" : "(in-process)",
            ], Self.memoryColumns))
        }
        return lines
    }

    func singleFlightSection() -> [String] {
        let columns: [(title: String, width: Int, right: Bool)] = [
            ("", 34, false), ("readers", 8, true), ("queries per round: cached", 27, true),
            ("uncached", 14, true), ("", 20, false),
        ]
        var lines = [Self.row(["Single-flight: cold reads of one key"] + columns.dropFirst().map(\.title), columns)]
        for flight in singleFlight {
            let verdict = flight.cachedQueries.allSatisfy { $0 == 1 } ? "one query each" : "MORE THAN ONE QUERY"
            lines.append(Self.row([
                flight.read, String(flight.readers), flight.cachedQueries.map(String.init).joined(separator: " "),
                flight.uncachedQueries.map(String.init).joined(separator: " "),
                verdict + (flight.consistent ? "" : ", VALUES DIFFER"),
            ], columns))
        }
        return lines
    }

    // MARK: - Goals and notes

    func goalSection() -> [String] {
        var lines = ["Goals (ratios of this run" + (machine.isDebugBuild ? "; a debug build: not judged)" : ")")]
        defer {
            if goals.contains(where: { $0.met != nil && $0.noisy }) {
                lines.append("  * a case behind it had less than 90% of a core per thread (cpu column): the "
                    + "machine was busy, so its ops/s, and a ratio of ops/s, understate what an idle machine does.")
            }
        }
        for goal in goals {
            var verdict: String
            switch goal.met {
            case .none: verdict = machine.isDebugBuild && goal.measured != nil ? "(debug)" : "n/a"
            case .some(_) where goal.measured == nil: verdict = "n/a"
            case .some(true): verdict = "MET"
            case .some(false): verdict = "NOT MET"
            }
            if goal.met != nil, goal.noisy { verdict += "*" }
            let measured = goal.measured.map { Format.ratio($0) } ?? "-"
            lines.append("  " + Format.pad(verdict, 9) + Format.pad(goal.summary, 78) + " "
                + Format.pad(measured, 8, right: true))
            lines += Self.wrap(goal.detail, width: 110, first: String(repeating: " ", count: 11),
                               rest: String(repeating: " ", count: 11))
        }
        return lines
    }

    func footnotes() -> [String] {
        var lines = ["Method"]
        let method = [
            "Latency: each sample times a batch of consecutive operations (batch size calibrated during warm-up "
                + "until a batch lasts \(Format.latency(Double(options.targetBatchNanoseconds))), at most "
                + "\(Format.count(options.maximumBatchSize)) ops) and divides by the batch size; median and p99 "
                + "are over these per-batch means, so a single slow operation inside a batch is averaged out. "
                + "One clock reading per batch costs \(Format.latency(timerOverheadNanoseconds)) and is not "
                + "subtracted.",
            "Cases run in \(options.rounds) round(s), one case after the other within a round (the implementations "
                + "of an operation back to back), and each case's rounds are merged; per round a case warms up for "
                + "\(Format.latency(options.warmUpSeconds * 1e9)), then samples for "
                + "\(Format.latency(options.sampleSeconds * 1e9)) (at least \(options.minimumSamples) samples). "
                + "ops/s = operations of all threads / wall time from the first thread's start to the last "
                + "one's end. Threads are POSIX threads released together. cpu = the threads' CPU time "
                + "(CLOCK_THREAD_CPUTIME_ID) / (wall time x threads): below 100%, other work on the machine took "
                + "turns on its cores: ops/s suffers fully; medians less, but not nothing (a busy sibling "
                + "hardware thread or a shared cache slows every operation), so compare ratios within one run.",
            "Cache cases read \(Format.count(CacheBenchmarks.keyCount)) keys round-robin (hits: present keys, "
                + "misses: absent keys); values are a 16-byte struct. LocMem: maxEntries 10,000, timeout 300 s. "
                + "NSCache: prebuilt NSString keys, values boxed in a class. '10k shuffled': 10,000 keys in a fixed "
                + "shuffled order, each thread its own share of them (a store of its own, maxEntries 20,000); "
                + "'one hot key': every thread reads the same key.",
            "speed-up: on a cached row, database median / cache median; on a peer row, peer / LocMem (median "
                + "with 1 thread, ops/s with more); on a LocMem row with N threads, its ops/s / 1 thread's. "
                + "Above 1: LocMem is faster.",
            "Memory: growth of VmRSS (/proc/self/statm) while filling an empty container, divided by the entry "
                + "count; each measured in a fresh process unless marked (in-process).",
        ]
        for (index, note) in (method + notes).enumerated() {
            lines += Self.wrap(note, width: 110, first: "  \(index + 1). ", rest: "     ")
        }
        return lines
    }

    static func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
        var lines: [String] = []
        var line = first
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width, line != first, line != rest {
                lines.append(line)
                line = rest
            }
            line += (line == first || line == rest ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }
}
