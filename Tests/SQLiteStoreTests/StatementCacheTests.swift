import SQLiteStore
import Testing

@Suite struct StatementCacheTests {
    @Test func repeatedQueryIsPreparedOnce() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x INTEGER PRIMARY KEY, y TEXT)")
        let preparesBefore = db.prepareCount
        for value in 0..<1_000 {
            try db.execute("INSERT INTO t(x, y) VALUES (?, ?)", [.integer(Int64(value)), .text("v\(value)")])
        }
        var sum = 0
        for value in 0..<1_000 {
            let text = try db.queryFirst("SELECT y FROM t WHERE x = ?", [.integer(Int64(value))]) { try $0.string(0) }
            #expect(text == "v\(value)")
            sum += try db.query("SELECT x FROM t WHERE x = ?", [.integer(Int64(value))]) { try $0.int(0) }[0]
        }
        #expect(sum == (0..<1_000).reduce(0, +))
        #expect(db.prepareCount - preparesBefore == 3)
        #expect(db.cachedStatementCount == 3)
    }

    @Test func bindingsDoNotLeakIntoTheNextRun() throws {
        let db = try Database.inMemory()
        let sql = "SELECT ? IS NULL"
        #expect(try db.queryFirst(sql, [1]) { try $0.int(0) } == 0)
        #expect(try db.queryFirst(sql, [nil]) { try $0.int(0) } == 1)
        #expect(try db.queryFirst(sql, [.text("x")]) { try $0.int(0) } == 0)
    }

    @Test func nestedQueryOfTheSameSQLGetsItsOwnStatement() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
        let sql = "SELECT x FROM t WHERE x >= ? ORDER BY x"
        let pairs = try db.query(sql, [1]) { outer in
            let x = try outer.int(0)
            let inner = try db.query(sql, [.integer(Int64(x))]) { try $0.int(0) }
            return (x, inner, try outer.int(0))  // the outer row is still readable after the nested run
        }
        #expect(pairs.map(\.0) == [1, 2, 3])
        #expect(pairs.map(\.1) == [[1, 2, 3], [2, 3], [3]])
        #expect(pairs.map(\.2) == [1, 2, 3])
        #expect(db.busyStatementCount == 0)
        #expect(db.openStatementCount == db.cachedStatementCount)  // the one-off statements were finalized
    }

    @Test func cacheStaysBoundedWithManyDistinctStatements() throws {
        let db = try Database.inMemory()
        for value in 0..<600 {
            #expect(try db.queryFirst("SELECT \(value) + ?", [1]) { try $0.int(0) } == value + 1)
        }
        #expect(db.cachedStatementCount <= 256)
        #expect(db.openStatementCount == db.cachedStatementCount)
    }

    @Test func schemaChangeIsPickedUpByCachedStatements() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1)")
        #expect(try db.queryFirst("SELECT * FROM t") { $0.columnNames } == ["a"])
        try db.execute("ALTER TABLE t ADD COLUMN b DEFAULT 2")
        let row = try db.queryFirst("SELECT * FROM t") { ($0.columnNames, try $0.int("b")) }
        #expect(row?.0 == ["a", "b"])
        #expect(row?.1 == 2)
    }
}
