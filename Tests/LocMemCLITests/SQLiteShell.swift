import Foundation
import Testing

/// The `sqlite3` command-line shell, for making database files the CLI did not make.
enum SQLiteShell {
    static let url: URL? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        .map { URL(fileURLWithPath: $0) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// Runs `statements` on the database file at `file`, creating it if needed.
    static func run(_ statements: [String], on file: URL) throws {
        let shell = try #require(url, "the sqlite3 shell is not installed")
        let run = try LocMemExecutable.runProcess(shell, [file.path] + statements)
        try #require(run.exitCode == 0, "sqlite3 failed: \(run.stderr)")
    }

    /// The first column of the first row of `query`, as text.
    static func value(_ query: String, in file: URL) throws -> String {
        let shell = try #require(url, "the sqlite3 shell is not installed")
        let run = try LocMemExecutable.runProcess(shell, ["-readonly", file.path, query])
        try #require(run.exitCode == 0, "sqlite3 failed: \(run.stderr)")
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
