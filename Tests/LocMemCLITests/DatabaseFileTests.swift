import Foundation
import Testing

/// `--db PATH`: a missing file is created and seeded, and what the demo writes persists.
@Suite struct DatabaseFileTests {
    @Test func theDemoCreatesTheFileThenKeepsItsChangesBetweenRuns() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("bookstore.sqlite")

        let first = try LocMemExecutable.run(["--db", file.path, "--timeout", "0.05"])
        #expect(first.exitCode == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("database  \(file.path), new: seeded from Fixtures/"))
        #expect(FileManager.default.fileExists(atPath: file.path))
        let firstBook = try #require(CallLine.all(in: first.stdout, call: "book(id: 1)").last)

        let second = try LocMemExecutable.run(["--db", file.path, "--timeout", "0.05"])
        #expect(second.exitCode == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("database  \(file.path), kept from an earlier run"))
        // The second run starts from the price the first one wrote.
        let secondBook = try #require(CallLine.all(in: second.stdout, call: "book(id: 1)").first)
        #expect(secondBook.result == firstBook.result)
        #expect(secondBook.source == "database")
    }

    @Test func theFileIsARealBookstoreDatabase() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("bookstore.sqlite")
        let run = try LocMemExecutable.run(["book", "7", "--db", file.path])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(try SQLiteShell.value("SELECT count(*) FROM books", in: file) == "2000")
        #expect(try SQLiteShell.value("SELECT count(*) FROM authors", in: file) == "200")
    }

    @Test func anEmptyFileIsSeeded() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("empty.sqlite")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data())
        let run = try LocMemExecutable.run(["book", "1", "--db", file.path])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("new: seeded from Fixtures/"))
        #expect(CallLine.all(in: run.stdout).first?.result.contains("The Shattered Lantern") == true)
    }

    @Test func aFileThatCannotBeSeededIsRemovedAgain() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("bookstore.sqlite")
        let missing = folder.file("no-fixtures").path
        let run = try LocMemExecutable.run(["book", "1", "--db", file.path], environment: ["LOCMEM_FIXTURES": missing])
        #expect(run.exitCode == 1)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.hasPrefix("Error: cannot seed the database: fixtures folder not found"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }
}
