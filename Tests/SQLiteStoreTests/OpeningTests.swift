import Foundation
import SQLiteStore
import Testing

@Suite struct OpeningTests {
    @Test func fileDatabaseIsCreatedInWALModeWithForeignKeys() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("new.sqlite").path
            #expect(!FileManager.default.fileExists(atPath: path))
            let db = try Database(path: path)
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(db.path == path)
            #expect(try db.queryFirst("PRAGMA journal_mode") { try $0.string(0) } == "wal")
            #expect(try db.queryFirst("PRAGMA foreign_keys") { try $0.int(0) } == 1)
            #expect(try db.queryFirst("PRAGMA busy_timeout") { try $0.int(0) } == 5_000)
        }
    }

    @Test func inMemoryDatabasesArePrivate() throws {
        let first = try Database.inMemory()
        let second = try Database.inMemory()
        try first.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        #expect(try first.query("SELECT x FROM t") { try $0.int(0) } == [1])
        #expect(throws: SQLiteError.self) { try second.query("SELECT x FROM t") { _ in () } }
        #expect(try first.queryFirst("PRAGMA foreign_keys") { try $0.int(0) } == 1)
        // CREATE, INSERT, SELECT, PRAGMA: the set-up statements of the initializer are not counted.
        #expect(first.queryCount == 4)
    }

    @Test func dataPersistsAcrossConnections() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("persist.sqlite").path
            do {
                let db = try Database(path: path)
                try db.execute("CREATE TABLE t(x TEXT)")
                try db.execute("INSERT INTO t VALUES (?)", ["kept"])
            }
            let reopened = try Database(path: path, readOnly: true)
            #expect(reopened.isReadOnly)
            #expect(try reopened.query("SELECT x FROM t") { try $0.string(0) } == ["kept"])
            let error = #expect(throws: SQLiteError.self) { try reopened.execute("INSERT INTO t VALUES (?)", ["no"]) }
            #expect(error?.code == 8)  // SQLITE_READONLY
        }
    }

    @Test func nonSQLiteFileIsRejectedAtOpening() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("notes.txt").path
            let text = String(repeating: "These are plain notes, not a database. ", count: 200)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SQLiteError.self) { try Database(path: path) }
            #expect(error?.code == 26)  // SQLITE_NOTADB
            #expect(error?.message == "file is not a database (opening '\(path)')")
            #expect(error?.sql == nil)
            #expect(error?.description == "SQLite error 26 (SQLITE_NOTADB): file is not a database (opening '\(path)')")
            // The file was not touched.
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        }
    }

    @Test(arguments: [50, 100, 2_048, 4_096, 12_288])
    func truncatedDatabaseIsRejectedAtOpening(keptBytes: Int) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("truncated.sqlite").path
            do {
                let db = try Database(path: path)
                try db.execute("PRAGMA journal_mode = DELETE; CREATE TABLE t(x TEXT); CREATE INDEX t_x ON t(x)")
                try db.inTransaction {
                    for index in 0..<200 {
                        try db.execute("INSERT INTO t VALUES (?)", [.text(String(repeating: "\(index)", count: 100))])
                    }
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(keptBytes))
            try handle.close()
            let error = #expect(throws: SQLiteError.self) { try Database(path: path) }
            #expect(error?.code == 11)  // SQLITE_CORRUPT
            #expect(error?.message.contains("malformed") == true)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func directoryIsRejectedAtOpening() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: SQLiteError.self) { try Database(path: directory.path) }
            #expect(error?.code == 14)  // SQLITE_CANTOPEN
            #expect(error?.message == "unable to open database file (opening '\(directory.path)')")
        }
    }

    @Test func missingFileOpenedReadOnlyIsRejected() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("missing.sqlite").path
            let error = #expect(throws: SQLiteError.self) { try Database(path: path, readOnly: true) }
            #expect(error?.code == 14)
            #expect(error?.message == "unable to open database file (opening '\(path)')")
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func missingFolderIsRejected() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("no/such/folder/db.sqlite").path
            let error = #expect(throws: SQLiteError.self) { try Database(path: path) }
            #expect(error?.code == 14)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func closingCheckpointsAndRemovesTheWALFiles() throws {
        // SQLite deletes the -wal and -shm files when the last connection closes cleanly: proof that deinit
        // finalized every statement (cached ones, one left mid-query by an escaped row) and sqlite3_close worked.
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("close.sqlite").path
            var escaped: Row?
            do {
                let db = try Database(path: path)
                try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
                _ = try db.query("SELECT x FROM t WHERE x > ?", [0]) { try $0.int(0) }
                escaped = try db.queryFirst("SELECT x FROM t") { $0 }
                #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            }
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
            #expect(throws: SQLiteError.self) { try escaped?.int(0) }
        }
    }
}
