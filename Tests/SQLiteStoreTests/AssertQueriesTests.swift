import LocMemTesting
import SQLiteStore
import Testing

@Suite struct AssertQueriesTests {
    func makeDatabase() throws -> Database {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT); INSERT INTO books VALUES (1, 'Dune')")
        return db
    }

    func title(_ db: Database, id: Int64) throws -> String? {
        try db.queryFirst("SELECT title FROM books WHERE id = ?", [.integer(id)]) { try $0.string(0) }
    }

    @Test func passesWhenTheCountMatchesAndReturnsTheValue() throws {
        let db = try makeDatabase()
        // Any issue recorded here would fail this test.
        let value = try assertQueries(1, on: db) { try title(db, id: 1) }
        #expect(value == "Dune")
        let none = assertQueries(0, on: db) { 42 }
        #expect(none == 42)
        try assertQueries(3, on: db) {
            try db.inTransaction { try db.execute("UPDATE books SET title = ? WHERE id = ?", ["Dune!", 1]) }
        }
    }

    @Test func failsWhenMoreRanAndListsEveryStatement() throws {
        let db = try makeDatabase()
        try withKnownIssue {
            try assertQueries(1, on: db) {
                _ = try title(db, id: 1)
                try db.execute("UPDATE books SET title = ? WHERE id = ?", ["Dune Messiah", 1])
            }
        } matching: { issue in
            issue.comments.map(\.rawValue) == ["""
                Expected 1 SQL statement, 2 ran:
                  1. SELECT title FROM books WHERE id = ?
                  2. UPDATE books SET title = ? WHERE id = ?
                """]
        }
    }

    @Test func failsWhenFewerRan() throws {
        let db = try makeDatabase()
        try withKnownIssue {
            try assertQueries(2, on: db) { _ = try title(db, id: 1) }
        } matching: { issue in
            issue.comments.map(\.rawValue)
                == ["Expected 2 SQL statements, 1 ran:\n  1. SELECT title FROM books WHERE id = ?"]
        }
        withKnownIssue {
            assertQueries(1, on: db) { () }
        } matching: { issue in
            issue.comments.map(\.rawValue) == ["Expected 1 SQL statement, 0 ran"]
        }
    }

    @Test func failureIsReportedAtTheCallersLine() throws {
        let db = try makeDatabase()
        let line = #line + 2
        try withKnownIssue {
            try assertQueries(0, on: db) { _ = try title(db, id: 1) }
        } matching: { issue in
            issue.sourceLocation?.line == line && issue.sourceLocation?.fileName == "AssertQueriesTests.swift"
        }
    }

    @Test func bodysErrorPassesThroughWithoutAFailure() throws {
        let db = try makeDatabase()
        #expect(throws: TestError(id: 11)) {
            try assertQueries(5, on: db) {
                _ = try title(db, id: 1)
                throw TestError(id: 11)
            }
        }
    }

    @Test func mismatchIsNilWhenCountsAgree() {
        #expect(QueryCountMismatch(expected: 1, statements: ["SELECT 1"]) == nil)
        #expect(QueryCountMismatch(expected: 0, statements: []) == nil)
        let mismatch = QueryCountMismatch(expected: 0, statements: ["SELECT 1"])
        #expect(mismatch?.description == "Expected 0 SQL statements, 1 ran:\n  1. SELECT 1")
    }
}
