import SQLiteStore
import Testing

/// Error paths must leave no statement mid-run and no one-off statement unfinalized.
@Suite struct StatementLifecycleTests {
    func expectClean(_ db: Database, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(db.busyStatementCount == 0, sourceLocation: sourceLocation)
        #expect(db.openStatementCount == db.cachedStatementCount, sourceLocation: sourceLocation)
    }

    @Test func errorPathsLeaveNoOpenStatements() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1), (2), (3)")
        expectClean(db)

        // A script failing in its second statement, at compile time and at run time.
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO t VALUES (10); SELEC 1; SELECT 2") }
        expectClean(db)
        #expect(throws: SQLiteError.self) { try db.execute("SELECT 1; INSERT INTO t VALUES (1); SELECT 2") }
        expectClean(db)
        // A constraint violation in a cached statement.
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO t VALUES (?)", [2]) }
        expectClean(db)
        // A map closure throwing mid-query, with rows left.
        #expect(throws: TestError(id: 9)) {
            try db.query("SELECT x FROM t") { _ in throw TestError(id: 9) }
        }
        expectClean(db)
        // A type mismatch mid-query.
        #expect(throws: SQLiteError.self) { try db.query("SELECT x FROM t") { try $0.string(0) } }
        expectClean(db)
        // queryFirst stopping after one of several rows.
        #expect(try db.queryFirst("SELECT x FROM t ORDER BY x") { try $0.int(0) } == 1)
        expectClean(db)
        // Wrong argument count, several statements where one is expected, empty SQL.
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO t VALUES (?)", []) }
        #expect(throws: SQLiteError.self) { try db.execute("SELECT ?; SELECT ?", [1]) }
        #expect(throws: SQLiteError.self) { try db.execute("SELECT ?; SELEC ?", [1]) }
        #expect(throws: SQLiteError.self) { try db.execute(" ", []) }
        expectClean(db)
        // A failing transaction.
        #expect(throws: TestError(id: 10)) {
            try db.inTransaction {
                _ = try db.query("SELECT x FROM t") { try $0.int(0) }
                throw TestError(id: 10)
            }
        }
        expectClean(db)
        // The database still works.
        #expect(try db.query("SELECT count(*) FROM t") { try $0.int(0) } == [4])
    }

    @Test func mapRunningMidQueryHoldsABusyStatement() throws {
        // Guards the checks above: they would pass vacuously if busyStatementCount could not see a running query.
        let db = try Database.inMemory()
        let busy = try db.queryFirst("SELECT 1 UNION ALL SELECT 2") { _ in db.busyStatementCount }
        #expect(busy == 1)
        #expect(db.busyStatementCount == 0)
    }
}
