import Foundation
import Testing

/// `locmem sql "SELECT ..."`: any read through `CachedDatabase`, run as a user runs it.
@Suite struct SQLCommandTests {
    static let join = "SELECT a.name, COUNT(*) FROM books b JOIN authors a ON a.id = b.author_id GROUP BY a.id LIMIT 3"

    @Test func theFirstCallAsksSQLiteAndTheCacheAnswersTheRest() throws {
        let run = try LocMemExecutable.run(["sql", Self.join, "--repeat", "3"])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        let lines = CallLine.all(in: run.stdout, call: "sql")
        #expect(lines.map(\.source) == ["database", "cache", "cache"])
        #expect(lines.map(\.queries) == [1, 0, 0])
        #expect(lines.allSatisfy { $0.result == "3 rows of authors, books" })
        #expect(run.stdout.contains("  reads     authors, books"))
        #expect(run.stdout.contains("cache statistics  2 hits, 1 miss (67% hit rate), 1 set"))
    }

    @Test func jsonNamesTheTablesOfEveryCall() throws {
        struct Report: Decodable {
            struct Call: Decodable {
                struct Result: Decodable {
                    var tables: [String]
                    var cacheable: Bool
                }
                var source: String
                var queries: Int
                var result: Result
            }
            var command: String
            var calls: [Call]
        }
        let run = try LocMemExecutable.run(["sql", "SELECT COUNT(*) FROM reviews", "--repeat", "2", "--json"])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        #expect(report.command == "sql")
        #expect(report.calls.map(\.source) == ["database", "cache"])
        #expect(report.calls.map(\.result.tables) == [["reviews"], ["reviews"]])
        #expect(report.calls.allSatisfy { $0.result.cacheable })
    }

    @Test func aVolatileStatementRunsEveryTimeAndSaysWhy() throws {
        let run = try LocMemExecutable.run(["sql", "SELECT random()", "--repeat", "2"])
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        #expect(CallLine.all(in: run.stdout, call: "sql").map(\.source) == ["database", "database"])
        #expect(run.stdout.contains("cached    never: it calls random(), so it runs every time"))
    }

    @Test(arguments: [
        ("DELETE FROM books", "Error: not a read-only statement (run writes with execute): DELETE FROM books"),
        ("UPDATE books SET price_cents = 0", "Error: not a read-only statement"),
        ("DROP TABLE reviews", "Error: not a read-only statement"),
        ("SELECT * FROM nowhere", "Error: database error: SQLite error 1 (SQLITE_ERROR): no such table: nowhere"),
        ("SELEKT 1", "Error: database error: SQLite error 1 (SQLITE_ERROR): near \"SELEKT\": syntax error"),
        ("SELECT 1; SELECT 2", "Error: database error: SQLite error 21 (SQLITE_MISUSE): more than one SQL statement"),
    ])
    func aBadStatementIsOneErrorLineExitOneAndChangesNothing(sql: String, message: String) throws {
        let folder = try TemporaryFolder()
        let file = folder.file("bookstore.sqlite")
        let seeded = try LocMemExecutable.run(["book", "1", "--db", file.path])
        #expect(seeded.exitCode == 0, "stderr: \(seeded.stderr)")
        let before = try SQLiteShell.value(
            "SELECT (SELECT count(*) FROM books) || '/' || (SELECT sum(price_cents) FROM books) || '/' || "
                + "(SELECT count(*) FROM sqlite_schema)", in: file)

        let run = try LocMemExecutable.run(["sql", sql, "--db", file.path])
        #expect(run.exitCode == 1)
        #expect(run.stderrLines.count == 1, "stderr: \(run.stderr)")
        #expect(run.stderr.hasPrefix(message), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        let after = try SQLiteShell.value(
            "SELECT (SELECT count(*) FROM books) || '/' || (SELECT sum(price_cents) FROM books) || '/' || "
                + "(SELECT count(*) FROM sqlite_schema)", in: file)
        #expect(after == before)
    }
}
