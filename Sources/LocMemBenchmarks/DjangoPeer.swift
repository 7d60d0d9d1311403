import Foundation

/// Django's `LocMemCache` and Python's `sqlite3`, measured by `Benchmarks/django_bench.py` on the
/// same machine in the same run, so that the Django/LocMem ratios compare like with like.
///
/// The script makes its own virtual environment (`Benchmarks/.venv`) with `django==5.2.19` on
/// first use, measures the same cases the same way (batches, warm-up, percentiles by linear
/// interpolation) and prints ``DjangoOutput`` as JSON with `--json`.
public enum DjangoPeer {
    /// Where the script is: `Benchmarks/django_bench.py` of the source tree this module was built
    /// from, else of the current directory.
    public static func defaultScript(sourceFile: String = #filePath) -> URL {
        let root = URL(fileURLWithPath: sourceFile)
            .deletingLastPathComponent()  // LocMemBenchmarks
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // <root>
        let candidates = [
            root.appendingPathComponent("Benchmarks/django_bench.py"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent("Benchmarks/django_bench.py"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `python script --json` (with `--quick` for a quick run) and decodes what it prints.
    ///
    /// The script's standard error (virtual environment set-up, progress) goes to this process's.
    ///
    /// - Parameter python: The interpreter, looked up on `PATH` unless it is a path.
    /// - Throws: ``BenchmarkError/djangoFailed(_:)`` if it cannot start, fails, or prints no
    ///   report.
    public static func run(
        python: String = "python3", script: URL = defaultScript(), quick: Bool
    ) throws -> DjangoOutput {
        try runScript(python: python, script: script, arguments: ["--json"] + (quick ? ["--quick"] : []))
    }

    /// Runs `python script arguments...` and decodes the JSON it prints as a `T`.
    static func runScript<T: Decodable>(python: String, script: URL, arguments: [String]) throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw BenchmarkError.djangoFailed("cannot run \(python) \(script.path): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError.djangoFailed("\(python) \(script.path) exited with \(process.terminationStatus)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            let text = String(decoding: data.prefix(500), as: UTF8.self)
            throw BenchmarkError.djangoFailed("unreadable output (\(error)): \(text)")
        }
    }
}

/// What `django_bench.py --json` prints.
public struct DjangoOutput: Sendable, Codable {
    /// Python's version, e.g. `3.11.7`.
    public var python: String
    /// Django's version, e.g. `5.2.19`.
    public var django: String
    /// SQLite's version as Python's `sqlite3` module links it.
    public var sqlite: String
    /// Rows in ``BenchmarkResult``'s shape: Django's `LocMemCache` under `cache`, Python's
    /// `sqlite3` under `repository`.
    public var results: [BenchmarkResult]
}

/// The Django side of a joined report: its versions, or why it could not run.
public struct DjangoRun: Sendable, Hashable, Codable {
    public var python: String?
    public var django: String?
    public var sqlite: String?
    /// Why it did not run, if it did not.
    public var error: String?

    public init(output: DjangoOutput) {
        python = output.python
        django = output.django
        sqlite = output.sqlite
    }

    public init(error: String) {
        self.error = error
    }

    var summary: String {
        if let error { return "NOT RUN: \(error)" }
        return "Python \(python ?? "?"), Django \(django ?? "?"), SQLite \(sqlite ?? "?") "
            + "(Benchmarks/django_bench.py, same machine, same run)"
    }
}

extension BenchmarkReport {
    /// Adds the Django script's rows and versions, and recomputes the ratios and goals.
    public mutating func join(_ output: DjangoOutput) {
        results += output.results
        django = DjangoRun(output: output)
        deriveComparisons()
    }
}
