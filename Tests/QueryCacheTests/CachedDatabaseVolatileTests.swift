import Foundation
import LocMem
import LocMemTesting
import QueryCache
import SQLiteStore
import Testing

/// Statements whose result can change with no write run every time; statements that are not reads are
/// refused with a typed error and change nothing.
@Suite struct CachedDatabaseVolatileTests {
    @Test(arguments: [
        "SELECT random()",
        "SELECT hex(randomblob(4)) FROM books LIMIT 1",
        "SELECT datetime('now')",
        "SELECT CURRENT_TIMESTAMP",
        "SELECT date(title) FROM books LIMIT 1",
        "SELECT changes()",
        "SELECT total_changes()",
        "SELECT last_insert_rowid()",
        "SELECT COUNT(*) FROM sqlite_schema",
        "SELECT COUNT(*) FROM sqlite_master",
        "SELECT COUNT(*) FROM pragma_table_info('books')",
        "PRAGMA table_info(books)",
        "PRAGMA user_version",
    ])
    func aVolatileStatementRunsEveryTime(sql: String) throws {
        let test = try TestDatabase()
        #expect(try test.queries.dependencies(of: sql).isCacheable == false)
        for _ in 0..<3 {
            try assertQueries(1, on: test.database) { () throws in
                _ = try test.queries.query(sql) { $0.value(0) }
            }
        }
    }

    @Test func aTempTableIsNeverCached() throws {
        let test = try TestDatabase()
        try test.database.execute("CREATE TEMP TABLE scratch(x); INSERT INTO scratch VALUES (1)")
        let count = { try test.queries.queryFirst("SELECT COUNT(*) FROM scratch") { try $0.int(0) } }
        #expect(try assertQueries(1, on: test.database) { try count() } == 1)
        try test.database.execute("INSERT INTO scratch VALUES (2)")
        #expect(try assertQueries(1, on: test.database) { try count() } == 2)
    }

    @Test func lastInsertRowIDIsRightAfterEveryInsert() throws {
        let test = try TestDatabase()
        for body in ["a", "b", "c"] {
            try test.queries.execute("INSERT INTO notes(body) VALUES (?)", [.text(body)])
            let id = try test.queries.queryFirst("SELECT last_insert_rowid()") { try $0.int64(0) }
            #expect(id == test.database.lastInsertRowID)
        }
    }

    @Test(arguments: [
        "UPDATE books SET price = 0",
        "DELETE FROM books",
        "INSERT INTO notes(body) VALUES ('x')",
        "CREATE TABLE t(x)",
        "DROP TABLE notes",
        "BEGIN",
        "PRAGMA user_version = 7",
    ])
    func aWritePassedToQueryIsRefusedAndChangesNothing(sql: String) throws {
        let test = try TestDatabase()
        let before = try test.database.query("SELECT COUNT(*) FROM books UNION ALL SELECT COUNT(*) FROM notes") {
            try $0.int(0)
        }
        #expect(throws: QueryCacheError.notReadOnly(sql: sql)) {
            try test.queries.query(sql) { $0.value(0) }
        }
        #expect(throws: QueryCacheError.notReadOnly(sql: sql)) {
            try test.queries.queryFirst(sql) { $0.value(0) }
        }
        let after = try test.database.query("SELECT COUNT(*) FROM books UNION ALL SELECT COUNT(*) FROM notes") {
            try $0.int(0)
        }
        #expect(after == before)
        #expect(try test.database.queryFirst("PRAGMA user_version") { try $0.int(0) } == 0)
        #expect(test.database.isInTransaction == false)
        #expect("\(QueryCacheError.notReadOnly(sql: sql))".contains(sql))
    }

    @Test func badSQLAndUnknownTablesThrowSQLiteErrors() throws {
        let test = try TestDatabase()
        #expect(throws: SQLiteError.self) { try test.queries.query("SELEKT 1") { $0.value(0) } }
        let error = #expect(throws: SQLiteError.self) { try test.queries.query("SELECT * FROM nowhere") { $0.value(0) } }
        #expect(error?.message.contains("nowhere") == true)
        #expect(throws: SQLiteError.self) { try test.queries.dependencies(of: "SELECT * FROM nowhere") }
    }

    @Test func readsOfAnAttachedDatabaseAreRefusedWithATypedError() throws {
        let test = try TestDatabase()
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("querycache-attached-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try test.database.execute("ATTACH DATABASE '\(path)' AS archive")
        try test.queries.execute("CREATE TABLE archive.old_books(id INTEGER PRIMARY KEY, title TEXT)")
        // Writes to it work, and invalidate by qualified name.
        try test.queries.execute("INSERT INTO archive.old_books(title) VALUES (?)", ["Old"])
        let sql = "SELECT title FROM archive.old_books"
        #expect(throws: QueryCacheError.attachedDatabase(name: "archive", sql: sql)) {
            try test.queries.query(sql) { try $0.string(0) }
        }
        #expect(test.queries.tables(read: "SELECT b.title FROM books b, archive.old_books o")
            == ["books", "archive.old_books"])
        // The main database is still cached as usual.
        #expect(try test.title(2) == "Dune")
        #expect(try assertQueries(0, on: test.database) { try test.title(2) } == "Dune")
        try test.database.execute("DETACH DATABASE archive")
    }
}

/// Looking at a write without running it changes nothing, so it invalidates nothing.
@Suite struct AnalysingWithoutRunningTests {
    @Test func analysingOrRefusingAWriteInvalidatesNothing() throws {
        let test = try TestDatabase()
        #expect(try test.title(1) == "Earthsea")
        _ = test.queries.tables(read: "DELETE FROM books")
        #expect(throws: QueryCacheError.self) { try test.queries.dependencies(of: "DROP TABLE books") }
        #expect(throws: QueryCacheError.self) { try test.queries.query("UPDATE books SET price = 0") { $0.value(0) } }
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
    }
}
