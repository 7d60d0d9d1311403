import SQLiteStore
import Testing

@Suite struct QueryCountingTests {
    @Test func newDatabaseHasCountedNothing() throws {
        #expect(try Database.inMemory().queryCount == 0)
    }

    @Test(arguments: Storage.allCases)
    func everyStatementOfAScriptCounts(storage: Storage) throws {
        try withDatabase(storage) { db in
            let before = db.queryCount
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); -- done")
            #expect(db.queryCount - before == 3)
        }
    }

    @Test func eachRunOfACachedStatementCounts() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x)")
        let before = db.queryCount
        for value in 0..<5 {
            try db.execute("INSERT INTO t VALUES (?)", [.integer(Int64(value))])
        }
        _ = try db.query("SELECT x FROM t") { try $0.int(0) }
        _ = try db.queryFirst("SELECT x FROM t") { try $0.int(0) }
        _ = try db.queryFirst("SELECT x FROM t WHERE x > 100") { try $0.int(0) }  // no row: still ran
        #expect(db.queryCount - before == 8)
    }

    @Test func statementsThatFailToCompileDoNotCountButFailingRunsDo() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)")
        let before = db.queryCount
        #expect(throws: SQLiteError.self) { try db.execute("SELEC 1") }
        #expect(db.queryCount == before)
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO t VALUES (?)", [1]) }
        #expect(db.queryCount == before + 1)
    }

    @Test func triggerBodiesAreNotCountedSeparately() throws {
        let db = try Database.inMemory()
        try db.execute("""
            CREATE TABLE t(x);
            CREATE TABLE log(x);
            CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.x); END;
            """)
        let (_, statements) = try db.capturingQueries {
            try db.execute("INSERT INTO t VALUES (?)", [1])
        }
        #expect(statements == ["INSERT INTO t VALUES (?)"])
        #expect(try db.queryFirst("SELECT count(*) FROM log") { try $0.int(0) } == 1)
    }

    @Test func statementStartingWithACommentCounts() throws {
        let db = try Database.inMemory()
        let sql = "-- the answer\nSELECT 42"
        let (value, statements) = try db.capturingQueries { try db.queryFirst(sql) { try $0.int(0) } }
        #expect(value == 42)
        #expect(statements == [sql])
    }

    @Test func capturingReturnsTheSQLInOrderWithPlaceholders() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x)")
        let (count, statements) = try db.capturingQueries {
            try db.execute("INSERT INTO t VALUES (?)", [1])
            try db.execute("INSERT INTO t VALUES (2); INSERT INTO t VALUES (3)")
            return try db.queryFirst("SELECT count(*) FROM t WHERE x > ?", [0]) { try $0.int(0) }
        }
        #expect(count == 3)
        #expect(statements == [
            "INSERT INTO t VALUES (?)",
            "INSERT INTO t VALUES (2);",
            " INSERT INTO t VALUES (3)",  // SQLite reports each statement of a script as written
            "SELECT count(*) FROM t WHERE x > ?",
        ])
    }

    @Test func capturesNest() throws {
        let db = try Database.inMemory()
        let (inner, outer) = try db.capturingQueries {
            _ = try db.queryFirst("SELECT 1") { _ in () }
            let (_, inner) = try db.capturingQueries {
                _ = try db.queryFirst("SELECT 2") { _ in () }
            }
            _ = try db.queryFirst("SELECT 3") { _ in () }
            return inner
        }
        #expect(inner == ["SELECT 2"])
        #expect(outer == ["SELECT 1", "SELECT 2", "SELECT 3"])
    }

    @Test func capturingRethrowsAndEnds() throws {
        let db = try Database.inMemory()
        #expect(throws: TestError(id: 1)) {
            _ = try db.capturingQueries {
                _ = try db.queryFirst("SELECT 1") { _ in () }
                throw TestError(id: 1)
            }
        }
        let (_, statements) = db.capturingQueries { () }
        #expect(statements == [])
    }

    @Test func transactionStatementsAreCaptured() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x)")
        let (_, statements) = try db.capturingQueries {
            try db.inTransaction { try db.execute("INSERT INTO t VALUES (?)", [1]) }
        }
        #expect(statements == ["BEGIN IMMEDIATE", "INSERT INTO t VALUES (?)", "COMMIT"])
    }

    @Test func countsAreIndependentPerDatabase() throws {
        let first = try Database.inMemory()
        let second = try Database.inMemory()
        let (_, statements) = try first.capturingQueries {
            _ = try second.queryFirst("SELECT 1") { _ in () }
        }
        #expect(statements == [])
        #expect(first.queryCount == 0)
        #expect(second.queryCount == 1)
    }
}
