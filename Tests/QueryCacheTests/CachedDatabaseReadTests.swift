import Foundation
import LocMem
import LocMemTesting
import QueryCache
import SQLiteStore
import Testing

/// A miss runs the SQL once, a hit runs none; keys tell values, their types and result types apart; the
/// tables come from SQLite.
@Suite struct CachedDatabaseReadTests {
    @Test(arguments: Storage.allCases)
    func aMissRunsOneQueryAndAHitRunsNone(storage: Storage) throws {
        let test = try TestDatabase(storage)
        #expect(try assertQueries(1, on: test.database) { try test.title(1) } == "Earthsea")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
        #expect(try assertQueries(1, on: test.database) { try test.title(2) } == "Dune")
        #expect(try assertQueries(1, on: test.database) { try test.authorNames() } == ["Le Guin", "Herbert"])
    }

    @Test func anAbsentRowIsCachedToo() throws {
        let test = try TestDatabase()
        #expect(try assertQueries(1, on: test.database) { try test.title(99) } == nil)
        #expect(try assertQueries(0, on: test.database) { try test.title(99) } == nil)
    }

    @Test func integerRealAndTextArgumentsAreThreeKeys() throws {
        let test = try TestDatabase()
        let sql = "SELECT typeof(?) || ':' || COUNT(*) FROM books"
        func run(_ value: SQLiteValue) throws -> String? {
            try test.queries.queryFirst(sql, [value]) { row in try row.string(0) }
        }
        try assertQueries(3, on: test.database) { () throws in
            #expect(try run(.integer(1)) == "integer:3")
            #expect(try run(.real(1)) == "real:3")
            #expect(try run(.text("1")) == "text:3")
        }
        try assertQueries(0, on: test.database) { () throws in
            #expect(try run(.integer(1)) == "integer:3")
            #expect(try run(.real(1)) == "real:3")
            #expect(try run(.text("1")) == "text:3")
        }
    }

    @Test func oneValueWithoutAnArrayIsTheSameQueryAsInAnArray() throws {
        let test = try TestDatabase()
        let sql = "SELECT typeof(?) || ':' || COUNT(*) FROM books"
        #expect(try assertQueries(1, on: test.database, cache: test.cache, hits: 0, misses: 1) {
            try test.queries.queryFirst(sql, [.integer(1)]) { try $0.string(0) }
        } == "integer:3")
        #expect(try assertQueries(0, on: test.database, cache: test.cache, hits: 1, misses: 0) {
            try test.queries.queryFirst(sql, .integer(1)) { try $0.string(0) }
        } == "integer:3")
        // Still one key per value and type.
        #expect(try assertQueries(1, on: test.database) { try test.queries.queryFirst(sql, .real(1)) { try $0.string(0) } }
                    == "real:3")
        #expect(try assertQueries(1, on: test.database) { try test.queries.queryFirst(sql, "1") { try $0.string(0) } }
                    == "text:3")
        #expect(try assertQueries(0, on: test.database) { try test.queries.queryFirst(sql, [.text("1")]) { try $0.string(0) } }
                    == "text:3")
        let titles = "SELECT title FROM books WHERE author_id = ? ORDER BY id"
        #expect(try assertQueries(1, on: test.database) { try test.queries.query(titles, 1) { try $0.string(0) } }
                    == ["Earthsea", "Lathe"])
        #expect(try assertQueries(0, on: test.database) { try test.queries.query(titles, [1]) { try $0.string(0) } }
                    == ["Earthsea", "Lathe"])
    }

    /// The key's hash of the SQL text is remembered by the identity of the `String`: equal texts in other
    /// `String`s, and more texts than the memo holds, are still found by their bytes.
    @Test func sqlBuiltAnewOnEachCallAndManyTextsAreStillHits() throws {
        let test = try TestDatabase()
        func sql(_ number: Int) -> String {
            "SELECT price + \(number) FROM books WHERE id = ?" + String(repeating: " ", count: number % 7)
        }
        for round in 0..<2 {
            try assertQueries(round == 0 ? 600 : 0, on: test.database) { () throws in
                for number in 0..<600 {
                    #expect(try test.queries.queryFirst(sql(number), .integer(1)) { try $0.int(0) } == 900 + number)
                }
            }
        }
        let kept = sql(1)  // the same `String` each time
        for _ in 0..<3 {
            #expect(try assertQueries(0, on: test.database) { try test.queries.queryFirst(kept, .integer(1)) { try $0.int(0) } }
                        == 901)
        }
    }

    @Test func theResultTypeIsPartOfTheKey() throws {
        let test = try TestDatabase()
        let sql = "SELECT price FROM books WHERE id = 1"
        #expect(try assertQueries(1, on: test.database) { try test.queries.queryFirst(sql) { try $0.int(0) } } == 900)
        let wide = try assertQueries(1, on: test.database) { try test.queries.queryFirst(sql) { try $0.int64(0) } }
        #expect(wide == Int64(900))
        #expect(try assertQueries(0, on: test.database) { try test.queries.queryFirst(sql) { try $0.int(0) } } == 900)
        #expect(try assertQueries(0, on: test.database) { try test.queries.queryFirst(sql) { try $0.int64(0) } } == 900)
    }

    @Test func queryAndQueryFirstOfOneSQLAreKeptApart() throws {
        let test = try TestDatabase()
        let sql = "SELECT id FROM books ORDER BY id"
        #expect(try test.queries.query(sql) { row in try row.int64(0) } == [1, 2, 3])
        #expect(try test.queries.queryFirst(sql) { row in try row.int64(0) } == 1)
        #expect(try test.queries.query(sql) { row in try row.int64(0) } == [1, 2, 3])
    }

    @Test func tablesComeFromSQLiteThroughJoinsViewsCTEsAndSubqueries() throws {
        let test = try TestDatabase()
        let queries = test.queries
        #expect(queries.tables(read: "SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id")
            == ["authors", "books"])
        #expect(queries.tables(read: "SELECT * FROM book_authors") == ["authors", "books"])
        #expect(queries.tables(read: "WITH t AS (SELECT name FROM tags) SELECT COUNT(*) FROM t") == ["tags"])
        #expect(queries.tables(read: "SELECT title FROM books WHERE author_id IN (SELECT id FROM authors)")
            == ["authors", "books"])
        #expect(queries.tables(read: "SELECT COUNT(*) FROM notes") == ["notes"])
        #expect(queries.tables(read: "SELECT EXISTS (SELECT 1 FROM audit)") == ["audit"])
        #expect(queries.tables(read: "SELECT 1 + 1") == [])
        #expect(queries.tables(read: "SELECT * FROM Books") == ["books"])
        #expect(queries.tables(read: "SELECT nonsense FROM") == [])
    }

    @Test func aViewReadIsInvalidatedByAWriteOfItsBaseTable() throws {
        let test = try TestDatabase()
        let sql = "SELECT name FROM book_authors WHERE title = 'Dune'"
        #expect(try test.queries.queryFirst(sql) { try $0.string(0) } == "Herbert")
        try test.queries.execute("UPDATE authors SET name = 'F. Herbert' WHERE id = 2", [])
        try assertQueries(1, on: test.database) { () throws in
            #expect(try test.queries.queryFirst(sql) { try $0.string(0) } == "F. Herbert")
        }
    }

    @Test func dependenciesSayWhatIsRead() throws {
        let test = try TestDatabase()
        let plain = try test.queries.dependencies(of: "SELECT * FROM book_authors")
        #expect(plain.tables == ["authors", "books"])
        #expect(plain.isCacheable)
        let volatile = try test.queries.dependencies(of: "SELECT random() FROM books")
        #expect(volatile.uncacheableReason == "calls random()")
    }

    @Test func missesOnOneKeyAreSingleFlight() throws {
        let test = try TestDatabase(.file)
        let threads = 8
        let gate = DispatchGateForTests(count: threads)
        let (_, statements) = try test.database.capturingQueries {
            try runConcurrently(threads) { _ throws in
                gate.arriveAndWait()
                #expect(try test.queries.queryFirst("SELECT COUNT(*) FROM books, authors") { try $0.int(0) } == 6)
            }
        }
        // One loader ran the SELECT; the waiters took its result (the change checks run no counted statement).
        #expect(statements == ["SELECT COUNT(*) FROM books, authors"])
        try assertQueries(0, on: test.database) { () throws in
            #expect(try test.queries.queryFirst("SELECT COUNT(*) FROM books, authors") { try $0.int(0) } == 6)
        }
    }

    @Test func aMapErrorIsRethrownAndNothingIsCached() throws {
        struct Refused: Error {}
        let test = try TestDatabase()
        #expect(throws: Refused.self) {
            try test.queries.query("SELECT id FROM books") { _ -> Int in throw Refused() }
        }
        try assertQueries(1, on: test.database) { () throws in
            #expect(try test.queries.query("SELECT id FROM books") { try $0.int(0) } == [1, 2, 3])
        }
    }

    @Test func theTimeoutStillApplies() throws {
        let clock = ManualClock()
        let database = try Database.inMemory()
        try database.execute(TestDatabase.schema)
        let cache = try LocMemCache(location: "querycache-timeout-\(UUID().uuidString)",
                                    clock: clock)
        let queries = CachedDatabase(database: database, cache: cache, timeout: 60)
        let read = { try queries.queryFirst("SELECT COUNT(*) FROM books") { try $0.int(0) } }
        #expect(try assertQueries(1, on: database) { try read() } == 3)
        clock.advance(by: 59)
        #expect(try assertQueries(0, on: database) { try read() } == 3)
        clock.advance(by: 1)
        #expect(try assertQueries(1, on: database) { try read() } == 3)
    }

    @Test func twoInstancesOnOneCacheLocationDoNotMix() throws {
        let first = try TestDatabase()
        let second = try Database.inMemory()
        try second.execute(TestDatabase.schema)
        try second.execute("UPDATE books SET title = 'Other' WHERE id = 1")
        let other = CachedDatabase(database: second, cache: first.cache, timeout: .never)
        let sql = "SELECT title FROM books WHERE id = 1"
        #expect(try first.queries.queryFirst(sql) { try $0.string(0) } == "Earthsea")
        #expect(try other.queryFirst(sql) { try $0.string(0) } == "Other")
        #expect(try first.queries.queryFirst(sql) { try $0.string(0) } == "Earthsea")
        // A write through one invalidates its own results only.
        try other.execute("UPDATE books SET title = 'Changed' WHERE id = 1", [])
        try assertQueries(0, on: first.database) { () throws in
            #expect(try first.queries.queryFirst(sql) { try $0.string(0) } == "Earthsea")
        }
        #expect(try other.queryFirst(sql) { try $0.string(0) } == "Changed")
    }

    @Test func keysNeverWarnWhateverTheSQL() throws {
        let warnings = WarningsForTests()
        let database = try Database.inMemory()
        try database.execute(TestDatabase.schema)
        let cache = try LocMemCache(
            location: "querycache-warnings-\(UUID().uuidString)",
            configuration: CacheConfiguration(onKeyWarning: { warning in warnings.append("\(warning)") }))
        let queries = CachedDatabase(database: database, cache: cache)
        let long = "SELECT title FROM books WHERE title <> '\(String(repeating: "x", count: 400))'\n ORDER BY id"
        _ = try queries.query(long) { try $0.string(0) }
        #expect(warnings.all.isEmpty)
    }
}
