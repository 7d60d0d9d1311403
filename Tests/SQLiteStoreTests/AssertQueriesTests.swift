import LocMem
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

@Suite struct AssertQueriesWithCacheTests {
    /// A tiny read-through lookup: the cache first, then one SELECT on a miss.
    struct Titles {
        let db: Database
        let cache: LocMemCache

        func title(id: Int64) throws -> String? {
            try cache.getOrSet("title:\(id)") {
                try db.queryFirst("SELECT title FROM books WHERE id = ?", [.integer(id)]) { try $0.string(0) }
            }
        }
    }

    func makeTitles() throws -> Titles {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT); INSERT INTO books VALUES (1, 'Dune')")
        // A location of its own: statistics are per store, and other tests must not share it.
        return Titles(db: db, cache: try LocMemCache(location: "assert-queries-\(UInt64.random(in: 0...UInt64.max))"))
    }

    @Test func passesWhenQueriesHitsAndMissesMatch() throws {
        let titles = try makeTitles()
        let cold = try assertQueries(1, on: titles.db, cache: titles.cache, hits: 0, misses: 1) {
            try titles.title(id: 1)
        }
        let warm = try assertQueries(0, on: titles.db, cache: titles.cache, hits: 1, misses: 0) {
            try titles.title(id: 1)
        }
        #expect(cold == "Dune")
        #expect(warm == "Dune")
        // Unchecked counts are not checked.
        try assertQueries(0, on: titles.db, cache: titles.cache, hits: 2) {
            _ = try titles.title(id: 1)
            _ = try titles.title(id: 1)
        }
    }

    @Test func failsOnWrongHitsAndMissesListingTheSQL() throws {
        let titles = try makeTitles()
        try withKnownIssue {
            try assertQueries(1, on: titles.db, cache: titles.cache, hits: 1, misses: 0) { _ = try titles.title(id: 1) }
        } matching: { issue in
            issue.comments.map(\.rawValue) == ["""
                Expected 1 cache hit, 0 happened
                Expected 0 cache misses, 1 happened
                SQL statements that ran (1, as expected):
                  1. SELECT title FROM books WHERE id = ?
                """]
        }
    }

    @Test func failsOnAWrongQueryCountWhenTheCacheIsRight() throws {
        let titles = try makeTitles()
        _ = try titles.title(id: 1)
        try withKnownIssue {
            // Warm: a hit and no SQL, but the block also runs a query of its own.
            try assertQueries(0, on: titles.db, cache: titles.cache, hits: 1, misses: 0) {
                _ = try titles.title(id: 1)
                _ = try titles.db.queryFirst("SELECT count(*) FROM books") { try $0.int(0) }
            }
        } matching: { issue in
            issue.comments.map(\.rawValue) == ["Expected 0 SQL statements, 1 ran:\n  1. SELECT count(*) FROM books"]
        }
    }

    @Test func failureIsReportedAtTheCallersLine() throws {
        let titles = try makeTitles()
        let line = #line + 2
        try withKnownIssue {
            try assertQueries(0, on: titles.db, cache: titles.cache, misses: 0) { _ = try titles.title(id: 1) }
        } matching: { issue in
            issue.sourceLocation?.line == line
        }
    }
}
