import Foundation
import Testing

@testable import LocMemBenchmarks

/// Ratios, goals, the table and the JSON, on made-up numbers (never on timings).
@Suite struct ReportTests {
    static func result(
        _ group: BenchmarkResult.Group, _ operation: String, _ implementation: String, threads: Int = 1,
        median: Double, opsPerSecond: Double = 1_000, cpuShare: Double? = 1
    ) -> BenchmarkResult {
        BenchmarkResult(
            group: group, operation: operation, implementation: implementation, threads: threads, batchSize: 100,
            latency: LatencyStatistics(samples: 1_000, median: median, p99: median * 2, mean: median, min: median,
                                       max: median * 3),
            operationsPerSecond: opsPerSecond, operations: 100_000, cpuShare: cpuShare
        )
    }

    static let machine = MachineInfo(
        cpuModel: "Test CPU 9000", cores: 2, memoryBytes: 8 << 30, operatingSystem: "TestOS 1, Linux 6.1",
        swiftVersion: "6.3.1", buildConfiguration: "release", loadAverage: "0.10 0.20 0.30"
    )

    static func report(machine: MachineInfo = machine, cpuShare: Double = 1) -> BenchmarkReport {
        var options = BenchmarkOptions.full
        options.threadCounts = [1, 2]
        return BenchmarkReport(
            machine: machine, options: options, timerOverheadNanoseconds: 25,
            results: [
                result(.repository, "book(id:)", Implementation.sqliteUncached, median: 2_000),
                result(.repository, "book(id:)", Implementation.locMemCached, median: 50),
                result(.repository, "topRatedBooks(limit: 10)", Implementation.sqliteUncached, median: 3_000_000),
                result(.repository, "topRatedBooks(limit: 10)", Implementation.locMemCached, median: 1_000),
                result(.cache, "get hit", Implementation.locMem, median: 100, opsPerSecond: 10_000_000),
                result(.cache, "get hit", Implementation.nsCache, median: 300, opsPerSecond: 3_000_000),
                result(.cache, "get hit", Implementation.mutexDictionary, median: 40, opsPerSecond: 25_000_000),
                result(.cache, "get hit", Implementation.locMem, threads: 2, median: 110, opsPerSecond: 18_000_000,
                       cpuShare: cpuShare),
                result(.cache, "get hit", Implementation.nsCache, threads: 2, median: 400, opsPerSecond: 4_000_000),
            ],
            memory: [
                MemoryResult(subject: .locMem, entries: 1_000, growth: 100_000, isolated: true),
                MemoryResult(subject: .mutexDictionary, entries: 1_000, growth: 70_000, isolated: true),
            ],
            singleFlight: [
                SingleFlightResult(read: "book(id:)", readers: 8, cachedQueries: [1, 1], uncachedQueries: [8, 8],
                                   consistent: true),
            ]
        )
    }

    // MARK: - Ratios

    @Test func cachedRowsShowDatabaseOverCache() throws {
        let report = Self.report()
        let ratio = try #require(report.ratios.first { $0.shownOn == "repository/book(id:)/LocMem (cached)/1" })
        #expect(ratio.value == 40)
        #expect(ratio.metric == .medianLatency)
    }

    @Test func peerRowsShowPeerOverLocMemByMedianOnOneThreadAndByThroughputOnMore() throws {
        let report = Self.report()
        let single = try #require(report.ratios.first { $0.shownOn == "cache/get hit/NSCache/1" })
        #expect(single.value == 3)
        #expect(single.metric == .medianLatency)
        let multi = try #require(report.ratios.first { $0.shownOn == "cache/get hit/NSCache/2" })
        #expect(multi.value == 4.5)
        #expect(multi.metric == .throughput)
    }

    @Test func locMemRowsOnMoreThreadsShowScaling() throws {
        let scaling = try #require(Self.report().ratios.first { $0.shownOn == "cache/get hit/LocMem/2" })
        #expect(scaling.value == 1.8)
    }

    // MARK: - Goals

    @Test func goalsAreJudgedOnTheRatios() throws {
        let goals = Self.report().goals
        func goal(_ text: String) throws -> Goal { try #require(goals.first { $0.summary.contains(text) }) }
        #expect(try goal("NSCache").met == true)
        #expect(try goal("Mutex dictionary").measured == 2.5)  // LocMem / dictionary: 100 / 40
        #expect(try goal("Mutex dictionary").met == true)
        #expect(try goal("book(id:)").met == true)  // 40x >= 20x
        #expect(try goal("topRatedBooks").met == true)  // 3,000x >= 1,000x
        #expect(try goal("threads").met == true)
        #expect(try goal("memory").measured == 100.0 / 70.0)
        #expect(try goal("memory").met == false)  // 1.43x > 1.3x (issue #11's bound)
    }

    @Test func theDjangoGoalIsNotJudgedWithoutDjango() throws {
        let goal = try #require(Self.report().goals.first { $0.summary.contains("Django") })
        #expect(goal.met == nil)
        #expect(goal.detail.contains("--with-django"))
    }

    @Test func aGoalOnAStarvedCaseIsFlaggedNoisy() throws {
        let goal = try #require(Self.report(cpuShare: 0.8).goals.first { $0.summary.contains("threads") })
        #expect(goal.noisy)
        #expect(goal.met == true)
        #expect(Self.report(cpuShare: 0.8).table().contains("MET*"))
    }

    @Test func scalingIsNotJudgedWhenTheThreadsDidNotGetTheirCores() throws {
        let goal = try #require(Self.report(cpuShare: 0.5).goals.first { $0.summary.contains("threads") })
        #expect(goal.met == nil)
        #expect(goal.measured == 1.8)
        #expect(goal.detail.contains("not judged"))
    }

    // MARK: - Table

    @Test func tableHeaderNamesTheMachineAndBuild() {
        let table = Self.report().table()
        for text in ["Test CPU 9000", "2 cores", "8.0 GiB", "TestOS 1, Linux 6.1", "6.3.1", "release build",
                     "0.10 0.20 0.30"] {
            #expect(table.contains(text), "\(text)")
        }
        #expect(!table.contains("DEBUG BUILD"))
    }

    @Test func aDebugBuildIsWarnedAboutAndItsGoalsAreNotJudged() {
        var machine = Self.machine
        machine.buildConfiguration = "debug"
        let table = Self.report(machine: machine).table()
        #expect(table.hasPrefix("!!!"))
        #expect(table.contains("WARNING: DEBUG BUILD"))
        #expect(!table.contains("  MET "))
        #expect(table.contains("(debug)"))
        #expect(Self.report(machine: machine).goals.allSatisfy { $0.met == nil })
    }

    @Test func timingColumnsAreAligned() throws {
        let table = Self.report().table()
        let lines = table.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("Cache operations") })
        let medianEnd = try #require(header.range(of: "median")).upperBound
        let column = header.distance(from: header.startIndex, to: medianEnd)
        let rows = lines.filter { $0.hasPrefix("get hit") }
        #expect(rows.count == 5)
        for row in rows {
            let characters = Array(row)
            #expect(characters.count > column)
            #expect(characters[column - 1] == "s", "\(row)")  // "ns" ends under "median"
            #expect(characters[column] == " ")
        }
    }

    @Test func tableHasEverySection() {
        let table = Self.report().table()
        let sections = ["Repository reads", "Cache operations", "Memory per entry", "Single-flight", "Goals", "Method"]
        for section in sections {
            #expect(table.contains(section), "\(section)")
        }
        #expect(table.contains("40.0x"))
        #expect(table.contains("one query each"))
    }

    // MARK: - JSON

    @Test func jsonHasTheDocumentedShapeAndReadsBack() throws {
        let report = Self.report()
        let text = try report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["machine", "options", "results", "memory", "singleFlight", "ratios", "goals",
                    "timerOverheadNanoseconds"] {
            #expect(object[key] != nil, "\(key)")
        }
        let results = try #require(object["results"] as? [[String: Any]])
        let first = try #require(results.first)
        for key in ["group", "operation", "implementation", "threads", "batchSize", "latency", "operationsPerSecond",
                    "operations"] {
            #expect(first[key] != nil, "\(key)")
        }
        let latency = try #require(first["latency"] as? [String: Any])
        #expect(latency["median"] as? Double == 2_000)
        #expect(latency["p99"] as? Double == 4_000)
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cpuModel"] as? String == "Test CPU 9000")
        #expect(machine["buildConfiguration"] as? String == "release")

        let decoded = try JSONDecoder().decode(BenchmarkReport.self, from: Data(text.utf8))
        #expect(decoded.results == report.results)
        #expect(decoded.goals == report.goals)
    }

    // MARK: - Django

    /// What `Benchmarks/django_bench.py --json` prints (abridged): keep in step with its `result()`.
    static let djangoJSON = """
        {
          "python": "3.11.7", "django": "5.2.19", "sqlite": "3.40.1", "cpu": "Test CPU 9000",
          "load": "0.10 0.20 0.30", "quick": false,
          "results": [
            {"group": "cache", "operation": "get hit", "implementation": "Django LocMemCache", "threads": 1,
             "batchSize": 8, "operationsPerSecond": 330000.0, "operations": 40000,
             "latency": {"samples": 5000, "median": 9000.0, "p99": 12000.0, "mean": 9100.0, "min": 8800.0,
                         "max": 40000.0}},
            {"group": "repository", "operation": "book(id:)", "implementation": "Python sqlite3", "threads": 1,
             "batchSize": 16, "operationsPerSecond": 400000.0, "operations": 80000,
             "latency": {"samples": 5000, "median": 2500.0, "p99": 4000.0, "mean": 2600.0, "min": 2400.0,
                         "max": 9000.0}}
          ]
        }
        """

    @Test func djangoOutputJoinsTheReportAndJudgesTheDjangoGoal() throws {
        var report = Self.report()
        let output = try JSONDecoder().decode(DjangoOutput.self, from: Data(Self.djangoJSON.utf8))
        report.join(output)
        #expect(report.django?.django == "5.2.19")
        let goal = try #require(report.goals.first { $0.summary.contains("Django") })
        #expect(goal.measured == 90)  // 9 µs / 100 ns
        #expect(goal.met == true)
        let sqlite = try #require(report.ratios.first { $0.shownOn == "repository/book(id:)/Python sqlite3/1" })
        #expect(sqlite.value == 1.25)  // Python's read / Swift's uncached read
        #expect(report.table().contains("Django 5.2.19"))
    }
}
