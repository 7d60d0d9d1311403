import Foundation
import Testing

/// Bad arguments: a usage error (exit code 64) whose first stderr line names the problem,
/// then argument-parser's usage lines; nothing on stdout and no crash.
@Suite struct BadInputTests {
    static let cases: [(arguments: [String], message: String)] = [
        (["book", "-5"], "Error: a book id is a positive integer (got -5)"),
        (["book", "-5", "--repeat", "2"], "Error: a book id is a positive integer (got -5)"),
        (["book", "0"], "Error: a book id is a positive integer (got 0)"),
        (["book", "abc"], "Error: The value 'abc' is invalid for '<id>'"),
        (["book"], "Error: Missing expected argument '<id>'"),
        (["books-by", "-3"], "Error: an author id is a positive integer (got -3)"),
        (["book", "1", "--repeat", "0"], "Error: --repeat must be at least 1 (got 0)"),
        (["book", "1", "--repeat", "-2"], "Error: --repeat must be at least 1 (got -2)"),
        (["book", "1", "--timeout", "-1"], "Error: --timeout must be a number of seconds, 0 or more (got -1.0)"),
        (["--timeout", "nan"], "Error: --timeout must be a number of seconds, 0 or more (got nan)"),
        (["demo", "--timeout", "soon"], "Error: The value 'soon' is invalid for '--timeout <seconds>'"),
        (["demo", "--timeout", "1e300"], "Error: the demo waits out --timeout, so it must be at most 60 s (got 1e+300 s)"),
        (["top-rated", "--limit", "0"], "Error: --limit must be at least 1 (got 0)"),
        (["--max-entries", "0"], "Error: --max-entries must be at least 1 (got 0)"),
        (["--cull-frequency", "-1"], "Error: --cull-frequency must be 0 or more (got -1)"),
        (["book", "1", "--db", ""], "Error: --db needs a file path (got an empty string)"),
        (["book", "1", "--bogus"], "Error: Unknown option '--bogus'"),
    ]

    @Test(arguments: cases)
    func badArgumentsAreAUsageError(arguments: [String], message: String) throws {
        let run = try LocMemExecutable.run(arguments)
        #expect(run.exitCode == 64)
        #expect(run.stderrLines.first == message)
        #expect(run.stderr.contains("Usage: locmem"))
        #expect(run.stdout.isEmpty)
        #expect(!run.stderr.contains("Fatal error"))
    }
}

/// Bad `--db` paths: exit code 1, exactly one `Error:` line on stderr, and the file untouched.
@Suite struct DatabaseFileErrorTests {
    private func expectOneLineFailure(_ run: LocMemExecutable.Run, mentioning fragment: String) {
        #expect(run.exitCode == 1)
        #expect(run.stderrLines.count == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: --db "))
        #expect(run.stderr.contains(fragment), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// The folder's entries, to check that no `-wal`/`-shm`/journal file appeared.
    private func entries(of folder: TemporaryFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
    }

    @Test func aFileThatIsNotSQLiteIsLeftUntouched() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("notes.txt")
        let bytes = Data("shopping list: milk, eggs, a good book\n".utf8)
        try bytes.write(to: file)
        for command in [["book", "1"], [], ["top-rated"]] {
            let run = try LocMemExecutable.run(command + ["--db", file.path])
            expectOneLineFailure(run, mentioning: "is not an SQLite database")
        }
        #expect(try Data(contentsOf: file) == bytes)
        #expect(try entries(of: folder) == ["notes.txt"])
    }

    @Test func anSQLiteDatabaseOfSomethingElseIsLeftUntouched() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("other.sqlite")
        try SQLiteShell.run(["CREATE TABLE notes(body TEXT)", "INSERT INTO notes VALUES ('keep me')"], on: file)
        let bytes = try Data(contentsOf: file)
        let run = try LocMemExecutable.run(["book", "1", "--db", file.path])
        expectOneLineFailure(run, mentioning: "not a bookstore one (missing tables: authors, books, reviews)")
        #expect(try Data(contentsOf: file) == bytes)
        #expect(try entries(of: folder) == ["other.sqlite"])
    }

    @Test func aDamagedSQLiteFileIsReportedAndLeftUntouched() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("damaged.sqlite")
        // The right header, then garbage: SQLite reports the file as malformed.
        var bytes = Data("SQLite format 3\0".utf8)
        bytes.append(Data((0..<4080).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        try bytes.write(to: file)
        let run = try LocMemExecutable.run(["book", "1", "--db", file.path])
        expectOneLineFailure(run, mentioning: "cannot be opened: SQLite error")
        #expect(try Data(contentsOf: file) == bytes)
        #expect(try entries(of: folder) == ["damaged.sqlite"])
    }

    @Test func aDirectoryIsNotADatabase() throws {
        let folder = try TemporaryFolder()
        let run = try LocMemExecutable.run(["book", "1", "--db", folder.url.path])
        expectOneLineFailure(run, mentioning: "is a directory, not a database file")
        #expect(try entries(of: folder).isEmpty)
    }

    @Test func aFileInAMissingFolderCannotBeCreated() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("no-such-folder/bookstore.sqlite").path
        let run = try LocMemExecutable.run(["book", "1", "--db", path])
        expectOneLineFailure(run, mentioning: "cannot be created: the folder")
        #expect(try entries(of: folder).isEmpty)
    }

    @Test(.enabled(if: getuid() != 0, "root reads every file, whatever its permissions"))
    func anUnreadableFileIsReported() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("locked.sqlite")
        try Data("SQLite format 3\0".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path) }
        let run = try LocMemExecutable.run(["book", "1", "--db", file.path])
        expectOneLineFailure(run, mentioning: "cannot be read")
    }
}
