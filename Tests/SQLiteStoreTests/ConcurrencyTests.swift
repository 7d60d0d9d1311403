import Dispatch
import SQLiteStore
import Synchronization
import Testing

@Suite struct ConcurrencyTests {
    @Test(arguments: Storage.allCases)
    func eightThreadsWriteAndReadCorrectly(storage: Storage) throws {
        try withDatabase(storage) { db in
            try db.execute("CREATE TABLE t(thread INTEGER, n INTEGER, label TEXT)")
            let countBefore = db.queryCount
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                do {
                    for n in 0..<100 {
                        try db.execute("INSERT INTO t VALUES (?, ?, ?)", [
                            .integer(Int64(thread)), .integer(Int64(n)), .text("t\(thread)-\(n)"),
                        ])
                        let label = try db.queryFirst(
                            "SELECT label FROM t WHERE thread = ? AND n = ?",
                            [.integer(Int64(thread)), .integer(Int64(n))]
                        ) { try $0.string(0) }
                        if label != "t\(thread)-\(n)" {
                            failures.withLock { $0.append("thread \(thread) read \(String(describing: label))") }
                        }
                    }
                } catch {
                    failures.withLock { $0.append("thread \(thread): \(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
            #expect(db.queryCount - countBefore == 8 * 100 * 2)
            let perThread = try db.query("SELECT thread, count(*), sum(n) FROM t GROUP BY thread ORDER BY thread") {
                [try $0.int(0), try $0.int(1), try $0.int(2)]
            }
            #expect(perThread == (0..<8).map { [$0, 100, 4_950] })
        }
    }

    @Test func transactionsFromEightThreadsDoNotLoseUpdates() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE counter(value INTEGER); INSERT INTO counter VALUES (0)")
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                do {
                    // Read, then write what was read + 1: loses updates unless transactions are isolated.
                    try db.inTransaction {
                        let value = try db.queryFirst("SELECT value FROM counter") { try $0.int(0) } ?? -1
                        try db.execute("UPDATE counter SET value = ?", [.integer(Int64(value + 1))])
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(try db.queryFirst("SELECT value FROM counter") { try $0.int(0) } == 400)
    }

    @Test func capturingSeesOtherThreadsStatements() throws {
        let db = try Database.inMemory()
        let (_, statements) = db.capturingQueries {
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                _ = try? db.queryFirst("SELECT \(thread)") { _ in () }
            }
        }
        #expect(statements.sorted() == ["SELECT 0", "SELECT 1", "SELECT 2", "SELECT 3"])
    }
}
