import Dispatch
import SQLiteStore
import Testing

@Suite struct TransactionTests {
    func makeAccounts(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0));
            INSERT INTO accounts VALUES (1, 100), (2, 0);
            """)
    }

    func balances(_ db: Database) throws -> [Int] {
        try db.query("SELECT balance FROM accounts ORDER BY id") { try $0.int(0) }
    }

    @Test(arguments: Storage.allCases)
    func commitsWhenTheBodyReturns(storage: Storage) throws {
        try withDatabase(storage) { db in
            try makeAccounts(db)
            let value = try db.inTransaction {
                try db.execute("UPDATE accounts SET balance = balance - 40 WHERE id = ?", [1])
                try db.execute("UPDATE accounts SET balance = balance + 40 WHERE id = ?", [2])
                return db.changes
            }
            #expect(value == 1)
            #expect(try balances(db) == [60, 40])
            #expect(!db.isInTransaction)
        }
    }

    @Test(arguments: Storage.allCases)
    func rollsBackAndRethrowsTheBodysError(storage: Storage) throws {
        try withDatabase(storage) { db in
            try makeAccounts(db)
            #expect(throws: TestError(id: 3)) {
                try db.inTransaction {
                    try db.execute("UPDATE accounts SET balance = balance + 40 WHERE id = ?", [2])
                    throw TestError(id: 3)
                }
            }
            #expect(try balances(db) == [100, 0])
            #expect(!db.isInTransaction)
        }
    }

    @Test func rollsBackOnAFailingStatement() throws {
        let db = try Database.inMemory()
        try makeAccounts(db)
        let error = #expect(throws: SQLiteError.self) {
            try db.inTransaction {
                try db.execute("UPDATE accounts SET balance = balance + 500 WHERE id = ?", [2])
                try db.execute("UPDATE accounts SET balance = balance - 500 WHERE id = ?", [1])  // CHECK fails
            }
        }
        #expect(error?.code == 19)
        #expect(try balances(db) == [100, 0])
    }

    @Test func nestedTransactionUsesASavepoint() throws {
        let db = try Database.inMemory()
        try makeAccounts(db)
        let (_, statements) = try db.capturingQueries {
            try db.inTransaction {
                try db.execute("UPDATE accounts SET balance = 90 WHERE id = ?", [1])
                #expect(throws: TestError(id: 4)) {
                    try db.inTransaction {
                        try db.execute("UPDATE accounts SET balance = 5 WHERE id = ?", [2])
                        throw TestError(id: 4)
                    }
                }
                try db.inTransaction {
                    try db.execute("UPDATE accounts SET balance = 10 WHERE id = ?", [2])
                }
            }
        }
        #expect(try balances(db) == [90, 10])
        #expect(statements.first == "BEGIN IMMEDIATE")
        #expect(statements.contains("ROLLBACK TO SAVEPOINT locmem_transaction"))
        #expect(statements.last == "COMMIT")
    }

    @Test func otherThreadsStatementsWaitAndStayOutOfTheTransaction() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(who TEXT)")
        let insideTransaction = DispatchSemaphore(value: 0)
        let otherThreadDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            insideTransaction.wait()
            // Blocks until the transaction below ends; must not become part of it.
            try? db.execute("INSERT INTO t VALUES (?)", ["other thread"])
            otherThreadDone.signal()
        }
        #expect(throws: TestError(id: 5)) {
            try db.inTransaction {
                try db.execute("INSERT INTO t VALUES (?)", ["rolled back"])
                insideTransaction.signal()
                // Give the other thread time to reach its INSERT (it waits for the connection).
                #expect(otherThreadDone.wait(timeout: .now() + .milliseconds(200)) == .timedOut)
                throw TestError(id: 5)
            }
        }
        otherThreadDone.wait()
        #expect(try db.query("SELECT who FROM t") { try $0.string(0) } == ["other thread"])
    }
}
