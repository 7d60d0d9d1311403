import Foundation
import LocMem
import LocMemTesting
@testable import QueryCache
import SQLiteStore
import Synchronization
import Testing

/// Commits by other connections and other processes are noticed, and the read/write race of cache-aside is
/// closed.
@Suite struct CachedDatabaseOtherWritersTests {
    @Test func aCommitByAnotherConnectionIsNoticed() throws {
        let test = try TestDatabase(.file)
        let other = try test.secondConnection()
        #expect(try test.title(1) == "Earthsea")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
        try other.execute("UPDATE books SET title = 'Changed elsewhere' WHERE id = 1", [])
        #expect(try assertQueries(1, on: test.database) { try test.title(1) } == "Changed elsewhere")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Changed elsewhere")
        // Its rolled-back transaction changes nothing that matters: at most one extra miss.
        try other.execute("BEGIN; DELETE FROM books; ROLLBACK")
        #expect(try test.title(1) == "Changed elsewhere")
    }

    @Test func aCommitByAnotherProcessIsNoticed() throws {
        let test = try TestDatabase(.file)
        let path = try #require(test.path)
        #expect(try test.price(2) == 1200)
        #expect(try assertQueries(0, on: test.database) { try test.price(2) } == 1200)
        try SQLiteShellForTests.run("UPDATE books SET price = 1500 WHERE id = 2", on: path)
        #expect(try assertQueries(1, on: test.database) { try test.price(2) } == 1500)
        #expect(try assertQueries(0, on: test.database) { try test.price(2) } == 1500)
    }

    /// On a WAL file, a hit's change check reads the WAL-index without the connection: it is served while
    /// another thread holds the connection (here, inside a `map` closure). Were it to wait, the holder would give
    /// up after 30 seconds and the test fail.
    @Test func aHitOnAFileDoesNotWaitWhileAnotherThreadRunsSQL() throws {
        let test = try TestDatabase(.file)
        #expect(try test.title(1) == "Earthsea")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
        let inside = DispatchSemaphore(value: 0), served = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let servedInTime = Atomic(false)
        let database = test.database
        let holder = Thread {
            _ = try? database.query("SELECT id FROM books WHERE id = 1", []) { row -> Int64 in
                inside.signal()
                servedInTime.store(served.wait(timeout: .now() + 30) == .success, ordering: .relaxed)
                return try row.int64(0)
            }
            done.signal()
        }
        holder.start()
        inside.wait()
        #expect(try test.title(1) == "Earthsea")
        served.signal()
        done.wait()
        let wasServedInTime = servedInTime.load(ordering: .relaxed)
        #expect(wasServedInTime)
    }

    /// A transaction begun with a raw `BEGIN` leaves the connection between statements; reads meanwhile still see
    /// its uncommitted writes rather than the cached results (the change check takes the connection).
    @Test func readsInsideARawTransactionSeeItsWritesOnAFile() throws {
        let test = try TestDatabase(.file)
        #expect(try test.title(1) == "Earthsea")
        #expect(try test.title(1) == "Earthsea")
        try test.queries.execute("BEGIN")
        try test.queries.execute("UPDATE books SET title = 'Uncommitted' WHERE id = 1", [])
        #expect(try test.title(1) == "Uncommitted")
        try test.queries.execute("ROLLBACK")
        #expect(try test.title(1) == "Earthsea")
        #expect(try assertQueries(0, on: test.database) { try test.title(1) } == "Earthsea")
    }

    /// The WAL-index fast path is only for WAL databases; a rollback-journal file is checked with
    /// `PRAGMA data_version` every time, and commits of other processes are noticed there too.
    @Test(arguments: ["DELETE", "TRUNCATE"])
    func aCommitByAnotherProcessIsNoticedOutsideWALMode(journalMode: String) throws {
        let test = try TestDatabase(.file)
        try test.database.execute("PRAGMA journal_mode = \(journalMode)")
        #expect(try test.price(1) == 900)
        #expect(try assertQueries(0, on: test.database) { try test.price(1) } == 900)
        try SQLiteShellForTests.run("UPDATE books SET price = 901 WHERE id = 1", on: try #require(test.path))
        #expect(try assertQueries(1, on: test.database) { try test.price(1) } == 901)
        #expect(try assertQueries(0, on: test.database) { try test.price(1) } == 901)
    }

    /// Hits on a WAL database keep the WAL-index mapping; leaving WAL mode unmaps it (SQLite closes the WAL), so
    /// the mapping is dropped before the pragma runs: later reads do the full check, without touching the unmapped
    /// memory, and still notice other processes' commits, in the new mode and back in WAL mode.
    @Test func leavingWALModeAfterHitsStillNoticesOtherProcesses() throws {
        let test = try TestDatabase(.file)
        let path = try #require(test.path)
        #expect(try test.price(1) == 900)
        #expect(try assertQueries(0, on: test.database) { try test.price(1) } == 900)
        for (journalMode, price) in [("DELETE", 901), ("WAL", 902)] {
            try test.database.execute("PRAGMA journal_mode = \(journalMode)")
            #expect(try test.price(1) == price - 1)
            try SQLiteShellForTests.run("UPDATE books SET price = \(price) WHERE id = 1", on: path)
            #expect(try assertQueries(1, on: test.database) { try test.price(1) } == price)
            #expect(try assertQueries(0, on: test.database) { try test.price(1) } == price)
        }
    }

    /// A checkpoint that empties the WAL, then a write that starts it again from its first frame: the
    /// WAL-index header still differs (new salts), so the write is noticed.
    @Test func aWriteAfterATruncatingCheckpointIsNoticed() throws {
        let test = try TestDatabase(.file)
        let path = try #require(test.path)
        for price in 1...3 {
            #expect(try test.price(3) == (price == 1 ? 800 : 800 + price - 1))
            #expect(try assertQueries(0, on: test.database) { try test.price(3) } == (price == 1 ? 800 : 800 + price - 1))
            try SQLiteShellForTests.run(
                "PRAGMA wal_checkpoint(TRUNCATE); UPDATE books SET price = \(800 + price) WHERE id = 3", on: path)
            #expect(try assertQueries(1, on: test.database) { try test.price(3) } == 800 + price)
        }
    }

    @Test func ownWritesDoNotLookLikeOtherConnections() throws {
        let test = try TestDatabase(.file)
        _ = try test.authorNames()
        try test.queries.execute("UPDATE books SET price = 1 WHERE id = 1", [])
        // books and audit changed; authors is still a hit.
        #expect(try assertQueries(0, on: test.database) { try test.authorNames() } == ["Le Guin", "Herbert"])
    }

    /// Hand-written cache-aside (the old `BookRepository`): a read misses and runs its query, a write commits
    /// and deletes the key, then the read stores what it read before the write. Stale until the timeout.
    @Test func cacheAsideServesStaleDataInTheRacyInterleaving() throws {
        let test = try TestDatabase(.file)
        let read = DispatchSemaphore(value: 0)
        let written = DispatchSemaphore(value: 0)
        let reader = Thread {
            _ = test.cache.getOrSet("book:1:title", timeout: .never) { () -> String? in
                let title = try? test.database.queryFirst("SELECT title FROM books WHERE id = 1") { try $0.string(0) }
                read.signal()
                written.wait()
                return title ?? nil
            }
            read.signal()
        }
        reader.start()
        read.wait()
        try test.database.execute("UPDATE books SET title = 'New' WHERE id = 1")
        test.cache.delete("book:1:title")
        written.signal()
        read.wait()
        #expect(test.cache.get("book:1:title", as: String?.self) == .some("Earthsea"))  // stale
        #expect(try test.database.queryFirst("SELECT title FROM books WHERE id = 1") { try $0.string(0) } == "New")
    }

    /// The same interleaving through `CachedDatabase`: the write lands after the read's SQL ran and before its
    /// result is stored. The stored result carries the versions from before the write, so it is never served.
    @Test(arguments: [false, true])
    func cachedDatabaseNeverServesAResultComputedBeforeAWrite(writerIsAnotherConnection: Bool) throws {
        let test = try TestDatabase(.file)
        let read = DispatchSemaphore(value: 0)
        let written = DispatchSemaphore(value: 0)
        let pauses = Atomic<Int>(1)
        let queries = CachedDatabase(database: test.database, cache: test.cache, timeout: .never) {
            // Only the first load pauses.
            guard pauses.subtract(1, ordering: .relaxed).newValue == 0 else { return }
            read.signal()
            written.wait()
        }
        let title = { @Sendable () throws -> String? in
            try queries.queryFirst("SELECT title FROM books WHERE id = 1") { try $0.string(0) }
        }
        let firstRead = Mutex<String??>(nil)
        let reader = Thread {
            let value = try? title()
            firstRead.withLock { $0 = value }
            read.signal()
        }
        reader.start()
        read.wait()
        if writerIsAnotherConnection {
            try test.secondConnection().execute("UPDATE books SET title = 'New' WHERE id = 1", [])
        } else {
            try queries.execute("UPDATE books SET title = 'New' WHERE id = 1", [])
        }
        written.signal()
        read.wait()
        #expect(firstRead.withLock { $0 } == .some("Earthsea"))  // the reader's own call returns what it read
        #expect(try assertQueries(1, on: test.database) { try title() } == "New")
        #expect(try assertQueries(0, on: test.database) { try title() } == "New")
    }

    /// Leaving WAL mode retires the lock-free check's own mapping of the WAL-index while other threads' hits may
    /// be reading through it: they never fault, and never serve a value older than the last commit.
    @Test func hitsOnOtherThreadsStayCurrentWhileTheJournalModeChanges() throws {
        let test = try TestDatabase(.file)
        #expect(try test.price(3) == 800)
        let committed = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let failures = Atomic<Int>(0)
        try runConcurrently(3) { index throws in
            if index == 0 {
                for round in 1...40 {
                    try test.database.execute("PRAGMA journal_mode = \(round % 2 == 0 ? "WAL" : "DELETE")")
                    try test.queries.execute("UPDATE books SET price = ? WHERE id = 3", [.integer(Int64(800 + round))])
                    committed.store(800 + round, ordering: .sequentiallyConsistent)
                }
                done.store(true, ordering: .sequentiallyConsistent)
                return
            }
            while !done.load(ordering: .sequentiallyConsistent) {
                let floor = committed.load(ordering: .sequentiallyConsistent)
                if try test.price(3) ?? -1 < floor {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try test.price(3) == 840)
    }

    @Test func manyReadersAndAWriterOnTwoConnectionsNeverSeeAnOlderValueAfterACommit() throws {
        let test = try TestDatabase(.file)
        let writer = try test.secondConnection()
        let committed = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let failures = Atomic<Int>(0)
        try runConcurrently(4) { index throws in
            if index == 0 {
                for price in 1...150 {
                    try writer.execute("UPDATE books SET price = ? WHERE id = 3", [.integer(Int64(price))])
                    committed.store(price, ordering: .sequentiallyConsistent)
                }
                done.store(true, ordering: .sequentiallyConsistent)
                return
            }
            while !done.load(ordering: .sequentiallyConsistent) {
                let floor = committed.load(ordering: .sequentiallyConsistent)
                let price = try test.price(3) ?? -1
                if floor > 0 && price < floor {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try test.price(3) == 150)
    }
}

/// The `sqlite3` command-line shell, run as a child process: another process writing the database file.
enum SQLiteShellForTests {
    static func run(_ sql: String, on path: String) throws {
        let shell = try #require(
            ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "the sqlite3 shell is not installed")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "sqlite3 failed")
    }
}
