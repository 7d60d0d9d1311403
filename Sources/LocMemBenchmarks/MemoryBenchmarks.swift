import Foundation
import LocMem

/// Memory per entry: how much a process's resident memory grows when a cache is filled with
/// small entries, LocMem against the bare dictionary.
///
/// Each measurement runs best in a fresh process (``MemoryIsolation/subprocess(arguments:)``):
/// memory a process has freed often stays resident or is reused, and would distort the growth
/// of whatever is measured after it.
public enum MemoryBenchmarks {
    /// What is filled.
    public enum Subject: String, Sendable, Hashable, Codable, CaseIterable {
        /// A `LocMemCache` with `maxEntries` above the entry count, so nothing is culled.
        case locMem = "locmem"
        /// A `Mutex<[String: SmallValue]>`.
        case mutexDictionary = "dictionary"

        var implementation: String {
            switch self {
            case .locMem: Implementation.locMem
            case .mutexDictionary: Implementation.mutexDictionary
            }
        }
    }

    /// Fills a new `subject` with `entries` entries in this process and measures the growth of
    /// its resident memory (`VmRSS`, from `/proc/self/statm`).
    ///
    /// Keys are `key:0`, `key:1`, ... (small strings, stored inline, as are LocMem's final keys
    /// such as `:1:key:999999`); values are a 16-byte struct. The baseline is read after the empty
    /// container exists, the end after the last insert, with the container still alive.
    ///
    /// - Throws: ``BenchmarkError/setUpFailed(_:)`` if the container does not hold every entry.
    public static func probe(_ subject: Subject, entries: Int) throws -> MemoryResult {
        switch subject {
        case .locMem:
            let configuration = CacheConfiguration(timeout: 300, maxEntries: Swift.max(entries * 2, 1))
            let cache = try LocMemCache(location: "locmem-bench/memory-\(entries)", configuration: configuration)
            cache.clear()
            let before = residentBytes()
            for index in 0..<entries {
                cache.set("key:\(index)", SmallValue(id: index, score: Double(index)))
            }
            let after = residentBytes()
            guard cache.count == entries else {
                throw BenchmarkError.setUpFailed("LocMem holds \(cache.count) of \(entries) entries")
            }
            // The store outlives the instance (stores are per location, for the process's lifetime):
            // empty it, so that an in-process run does not keep the entries.
            cache.clear()
            return MemoryResult(subject: subject, entries: entries, growth: after - before, isolated: false)
        case .mutexDictionary:
            let dictionary = MutexDictionary<SmallValue>()
            let before = residentBytes()
            for index in 0..<entries {
                dictionary.set("key:\(index)", SmallValue(id: index, score: Double(index)))
            }
            let after = residentBytes()
            guard dictionary.count == entries else {
                throw BenchmarkError.setUpFailed("the dictionary holds \(dictionary.count) of \(entries) entries")
            }
            withExtendedLifetime(dictionary) {}
            return MemoryResult(subject: subject, entries: entries, growth: after - before, isolated: false)
        }
    }

    /// Runs every subject at every count of `options`, each in a process of its own when
    /// `isolation` allows.
    static func run(
        options: BenchmarkOptions, isolation: MemoryIsolation, progress: @Sendable (String) -> Void
    ) throws -> [MemoryResult] {
        var results: [MemoryResult] = []
        for entries in options.memoryEntryCounts {
            for subject in Subject.allCases where options.includes("memory/\(subject.implementation)/\(entries)") {
                progress("memory: \(subject.implementation), \(entries) entries")
                switch isolation {
                case .inProcess:
                    results.append(try probe(subject, entries: entries))
                case .subprocess(let arguments):
                    var result = try probeInSubprocess(subject, entries: entries, arguments: arguments)
                    result.isolated = true
                    results.append(result)
                }
            }
        }
        return results
    }

    /// Runs this executable again as `arguments + ["--memory-probe", subject, "--memory-entries", n]`
    /// and reads the ``MemoryResult`` JSON it prints.
    static func probeInSubprocess(_ subject: Subject, entries: Int, arguments: [String]) throws -> MemoryResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments + ["--memory-probe", subject.rawValue, "--memory-entries", String(entries)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let status = process.terminationStatus
            throw BenchmarkError.setUpFailed("memory probe \(subject.rawValue) exited with \(status)")
        }
        do {
            return try JSONDecoder().decode(MemoryResult.self, from: data)
        } catch {
            throw BenchmarkError.setUpFailed("memory probe printed no result: \(String(decoding: data, as: UTF8.self))")
        }
    }

    /// This process's resident memory in bytes: the second field of `/proc/self/statm` (pages).
    static func residentBytes() -> Int {
        guard let statm = MachineInfo.readFile("/proc/self/statm") else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Where the memory cases run.
public enum MemoryIsolation: Sendable, Hashable {
    /// In the benchmark's own process, one after the other (for tests: numbers less reliable).
    case inProcess
    /// Each in a fresh run of this executable with `arguments` before the probe options, which
    /// must make it call ``MemoryBenchmarks/probe(_:entries:)`` and print the result as JSON
    /// (`locmem bench` does this with `--memory-probe` and `--memory-entries`).
    case subprocess(arguments: [String])
}

/// The resident memory growth of one container filled with `entries` entries.
public struct MemoryResult: Sendable, Hashable, Codable {
    public var implementation: String
    public var entries: Int
    /// Growth of resident memory, in bytes.
    public var residentGrowthBytes: Int
    /// ``residentGrowthBytes`` over ``entries``.
    public var bytesPerEntry: Double
    /// Whether it was measured in a fresh process of its own.
    public var isolated: Bool

    init(subject: MemoryBenchmarks.Subject, entries: Int, growth: Int, isolated: Bool) {
        implementation = subject.implementation
        self.entries = entries
        residentGrowthBytes = growth
        bytesPerEntry = entries > 0 ? Double(growth) / Double(entries) : 0
        self.isolated = isolated
    }
}
