@testable import Bookstore
import Foundation
import SQLiteStore
import Testing

@Suite struct FixturesTests {
    /// A temporary folder holding the given files, removed when the test ends.
    final class TemporaryFolder: Sendable {
        let url: URL

        init(files: [String: String]) throws {
            url = FileManager.default.temporaryDirectory
                .appendingPathComponent("bookstore-fixtures-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (name, text) in files {
                try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }

        deinit {
            try? FileManager.default.removeItem(at: url)
        }
    }

    func tableCount(_ database: Database) throws -> Int {
        try database.queryFirst("SELECT COUNT(*) FROM sqlite_master") { try $0.int(0) } ?? -1
    }

    @Test(arguments: DatabaseKind.allCases)
    func loadCreatesTheSchemaAndTheSeedRows(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        #expect(try store.count("authors") == 200)
        #expect(try store.count("books") == 2_000)
        #expect(try store.count("reviews") == 20_000)
        let firstIDs = try store.database.queryFirst(
            "SELECT (SELECT MIN(id) FROM authors), (SELECT MIN(id) FROM books), (SELECT MIN(id) FROM reviews)"
        ) { [try $0.int(0), try $0.int(1), try $0.int(2)] }
        #expect(firstIDs == [1, 1, 1])
        let indexes = try store.database.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ) { try $0.string(0) }
        #expect(indexes == ["books_author_id", "reviews_book_id_rating"])
    }

    @Test func theSchemaEnforcesItsChecks() throws {
        let store = try TestBookstore()
        #expect(throws: SQLiteError.self) {
            try store.database.execute("UPDATE books SET price_cents = -1 WHERE id = 1")
        }
        #expect(throws: SQLiteError.self) {
            try store.database.execute("INSERT INTO reviews (book_id, rating, body) VALUES (1, 6, 'x')")
        }
        #expect(throws: SQLiteError.self) { try store.database.execute("INSERT INTO authors (id) VALUES (1000)") }
    }

    @Test func aBrokenFileNamesTheFileAndLineAndLeavesTheDatabaseEmpty() throws {
        let folder = try TemporaryFolder(files: [
            "001_schema.sql": "CREATE TABLE t (x INTEGER NOT NULL);\nINSERT INTO t VALUES (1);\n",
            "002_data.sql": """
                -- a comment; with a semicolon
                INSERT INTO t VALUES (2);
                INSERT INTO t VALUES
                    (3),
                    (NULL);
                INSERT INTO t VALUES (4);
                """,
        ])
        let database = try Database.inMemory()
        do {
            try Fixtures.load(into: database, from: folder.url)
            Issue.record("loading a broken file succeeded")
        } catch {
            guard case .statementFailed(let file, let line, let sqliteError) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(file.lastPathComponent == "002_data.sql")
            #expect(line == 3)
            #expect(sqliteError.message.contains("NOT NULL"))
            #expect(error.description.contains("002_data.sql:3"))
        }
        #expect(try tableCount(database) == 0, "the first file's table was rolled back too")
    }

    @Test func aFileWithItsOwnTransactionFailsAndLeavesTheDatabaseEmpty() throws {
        let folder = try TemporaryFolder(files: [
            "001.sql": "CREATE TABLE t (x);\n",
            "002.sql": "BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n",
        ])
        let database = try Database.inMemory()
        #expect {
            try Fixtures.load(into: database, from: folder.url)
        } throws: { error in
            guard case .statementFailed(let file, let line, _) = error as? FixturesError else { return false }
            return file.lastPathComponent == "002.sql" && line == 1
        }
        #expect(try tableCount(database) == 0)
    }

    @Test func filesRunInNameOrder() throws {
        let folder = try TemporaryFolder(files: [
            "b.sql": "INSERT INTO t VALUES ('b');",
            "a.sql": "CREATE TABLE t (x TEXT);",
            "c.sql": "INSERT INTO t SELECT 'c' WHERE (SELECT COUNT(*) FROM t) = 1",  // no trailing ;
            "notes.txt": "not SQL",
        ])
        let database = try Database.inMemory()
        try Fixtures.load(into: database, from: folder.url)
        #expect(try database.query("SELECT x FROM t ORDER BY rowid") { try $0.string(0) } == ["b", "c"])
    }

    @Test func aMissingFolderThrowsFolderNotFound() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)")
        let database = try Database.inMemory()
        #expect {
            try Fixtures.load(into: database, from: missing)
        } throws: { error in
            guard case .folderNotFound(let searched) = error as? FixturesError else { return false }
            return searched == [missing] && "\(error)".contains(missing.path)
        }
    }

    @Test func aFolderWithoutSQLFilesThrowsNoSQLFiles() throws {
        let folder = try TemporaryFolder(files: ["README.md": "# nothing"])
        let database = try Database.inMemory()
        #expect {
            try Fixtures.load(into: database, from: folder.url)
        } throws: { error in
            guard case .noSQLFiles(let named) = error as? FixturesError else { return false }
            return named == folder.url
        }
    }

    @Test func theFolderSearchTriesTheEnvironmentThenTheSourceTreeThenTheCurrentDirectory() {
        let named = Fixtures.searchedFolders(
            environment: ["LOCMEM_FIXTURES": "/data/fixtures"],
            sourceFile: "/repo/Sources/Bookstore/Fixtures.swift",
            currentDirectory: "/somewhere"
        )
        #expect(named.map(\.path) == ["/data/fixtures"], "an explicit folder is the only one tried")

        let searched = Fixtures.searchedFolders(
            environment: [:],
            sourceFile: "/repo/Sources/Bookstore/Fixtures.swift",
            currentDirectory: "/somewhere"
        )
        #expect(searched.map(\.path) == ["/repo/Fixtures", "/somewhere/Fixtures"])
    }

    @Test func theDefaultFolderIsTheRepositorysFixtures() throws {
        let folder = try Fixtures.defaultFolder()
        #expect(folder.lastPathComponent == "Fixtures")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("001_schema.sql").path))
    }
}
