import ArgumentParser
import Foundation
import LocMemBenchmarks

/// `locmem bench`: database reads against cached reads, and LocMem against its peers, measured
/// in one run on one machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure database reads against cached reads, and LocMem against NSCache, a bare "
            + "dictionary and (with --with-django) Django's LocMemCache.",
        discussion: """
            Build with optimization for numbers worth reading: swift run -c release locmem bench.
            Prints an aligned table (or JSON with --json) headed by the machine it ran on, with each goal \
            judged on this run's ratios. Progress goes to standard error.
            """
    )

    @Flag(help: "A seconds-long smoke run (for CI; works in debug builds): every case, few samples.")
    var quick = false

    @Flag(help: "Print the report as JSON instead of a table.")
    var json = false

    @Flag(help: "Also run Benchmarks/django_bench.py (Django 5.2's LocMemCache, Python's sqlite3) and join it.")
    var withDjango = false

    @Option(help: ArgumentHelp(
        "Run only the cases whose name contains this text (e.g. 'get hit', 'repository/', 'memory').",
        discussion: "Names: group/operation/implementation/threads, memory/<implementation>/<entries>, "
            + "single-flight/<read>. The Django side, when asked for, runs whole."
    ))
    var filter: String?

    @Option(help: ArgumentHelp(
        "Also measure RedisCache on this Redis server (redis://host:port/db), against redis-benchmark and, "
            + "with --with-django, Django's RedisCache; and book(id:) through LocMem, Redis and no cache.",
        valueName: "url"
    ))
    var redis: String?

    @Option(help: "The Python interpreter for --with-django.")
    var python = "python3"

    @Flag(help: "Measure memory in this process instead of a fresh process per measurement.")
    var inProcessMemory = false

    @Option(help: .hidden)
    var memoryProbe: String?

    @Option(help: .hidden)
    var memoryEntries: Int?

    func validate() throws {
        if let memoryProbe, MemoryBenchmarks.Subject(rawValue: memoryProbe) == nil {
            throw ValidationError("unknown memory probe '\(memoryProbe)'")
        }
        if memoryProbe != nil, (memoryEntries ?? 0) < 1 {
            throw ValidationError("--memory-probe needs --memory-entries of at least 1")
        }
    }

    func run() throws {
        if let memoryProbe, let subject = MemoryBenchmarks.Subject(rawValue: memoryProbe) {
            // A child of a benchmark run: measure one container in this fresh process.
            let result = try MemoryBenchmarks.probe(subject, entries: memoryEntries ?? 0)
            let data = try JSONEncoder().encode(result)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var options: BenchmarkOptions = quick ? .quick : .full
        options.filter = filter
        let runner = BenchmarkRunner(
            options: options,
            memoryIsolation: inProcessMemory ? .inProcess : .subprocess(arguments: ["bench"]),
            progress: { line in Self.printError("bench: \(line)") }
        )
        let started = Date()
        var report = try runner.run()
        if withDjango {
            Self.printError("bench: Django: running \(DjangoPeer.defaultScript().path)")
            do {
                report.join(try DjangoPeer.run(python: python, quick: quick))
            } catch {
                report.django = DjangoRun(error: "\(error)")
                report.deriveComparisons()
            }
        }
        var redisReport: RedisBenchmarkReport?
        if let redis {
            let benchmarks = RedisBenchmarks(
                url: redis, options: options,
                django: withDjango ? (python, DjangoRedisPeer.defaultScript()) : nil,
                progress: { line in Self.printError("bench: \(line)") }
            )
            do {
                redisReport = try benchmarks.run()
            } catch {
                throw CLIError.wrapping(error)
            }
        }
        Self.printError("bench: done in \(Int(Date().timeIntervalSince(started).rounded())) s")
        if let redisReport {
            if json {
                print(try Self.combinedJSON(report: report, redis: redisReport))
            } else {
                print(report.table())
                print()
                print(redisReport.table())
            }
        } else {
            print(json ? try report.json() : report.table())
        }
        try NearCacheCommand.bench(url: redis, options: options, json: json) { Self.printError("bench: \($0)") }
        if report.machine.isDebugBuild {
            Self.printError("bench: WARNING: this is a DEBUG build; measure with `swift run -c release locmem bench`")
        }
        if let failure = report.django?.error ?? redisReport?.djangoError {
            // The Swift numbers are printed all the same; the exit status says the asked-for peer is missing.
            Self.printError("bench: --with-django: \(failure)")
            throw ExitCode.failure
        }
    }

    /// `{"report": <the usual report>, "redis": <the Redis section>}`, for `--json` with `--redis`.
    static func combinedJSON(report: BenchmarkReport, redis: RedisBenchmarkReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let redisJSON = String(decoding: try encoder.encode(redis), as: UTF8.self)
        return "{\n\"redis\" : \(redisJSON),\n\"report\" : \(try report.json())\n}"
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
