import Foundation
import SQLiteStore
import Testing

/// Input from an attacker or a broken disk: SQL injection in values, malformed SQL, NUL bytes, invalid UTF-8,
/// damaged database files. Values must stay data, errors must be `SQLiteError`s, and every error path must
/// leave no statement open.
@Suite struct HostileInputTests {
    /// Strings that would change the statement if they were spliced into the SQL instead of bound.
    static let injections = [
        "'); DROP TABLE notes; --",
        "Robert'); DROP TABLE notes;--",
        "1 OR 1=1",
        "' OR '1'='1",
        "\" OR \"\"=\"",
        "1; DELETE FROM notes",
        "'; ATTACH DATABASE '/tmp/pwned.sqlite' AS pwned; --",
        "' || (SELECT group_concat(name) FROM sqlite_schema) || '",
        "\u{0}'); DROP TABLE notes; --",
        "x' /* unterminated comment",
        "?1 ?2 :name @name $name ?",
        "%_\\'",
        "",
    ]

    func makeNotes(_ database: Database) throws {
        try database.execute("""
            CREATE TABLE notes(id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);
            INSERT INTO notes(id, title, body) VALUES (1, 'first', 'kept'), (2, 'second', 'kept');
            """)
    }

    func schema(_ database: Database) throws -> [String] {
        try database.query("SELECT type || ' ' || name FROM sqlite_schema ORDER BY name") { try $0.string(0) }
    }

    func expectNoOpenStatements(_ database: Database, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(database.busyStatementCount == 0, sourceLocation: sourceLocation)
        #expect(database.openStatementCount == database.cachedStatementCount, sourceLocation: sourceLocation)
    }

    // MARK: - SQL injection

    @Test(arguments: Storage.allCases)
    func injectionStringsAreStoredVerbatimAndLeaveTheTablesIntact(storage: Storage) throws {
        try withDatabase(storage) { db in
            try makeNotes(db)
            let schemaBefore = try schema(db)
            for (offset, text) in Self.injections.enumerated() {
                let id = Int64(100 + offset)
                try db.execute("INSERT INTO notes(id, title, body) VALUES (?, ?, ?)",
                               [.integer(id), .text(text), .text(text)])
                let stored = try db.queryFirst("SELECT title, body FROM notes WHERE id = ?", [.integer(id)]) {
                    [try $0.string(0), try $0.string(1)]
                }
                #expect(stored == [text, text], "\(text.debugDescription) was not stored verbatim")
                // Looked up by the injection string, exactly one row matches: the one holding it.
                let matches = try db.query("SELECT id FROM notes WHERE title = ?", [.text(text)]) { try $0.int64(0) }
                #expect(matches == [id], "\(text.debugDescription) matched \(matches)")
                // Used where an id is expected, it matches nothing (no `OR 1=1`) and deletes nothing.
                #expect(try db.query("SELECT id FROM notes WHERE id = ?", [.text(text)]) { try $0.int64(0) }.isEmpty)
                try db.execute("DELETE FROM notes WHERE id = ?", [.text(text)])
                #expect(db.changes == 0)
                try db.execute("UPDATE notes SET body = ? WHERE id = ?", [.text(text), .integer(1)])
                #expect(try db.queryFirst("SELECT body FROM notes WHERE id = 1") { try $0.string(0) } == text)
            }
            #expect(try schema(db) == schemaBefore)
            #expect(try db.queryFirst("SELECT COUNT(*) FROM notes") { try $0.int(0) } == 2 + Self.injections.count)
            #expect(try db.query("PRAGMA database_list") { try $0.string(1) } == ["main"], "nothing was attached")
            expectNoOpenStatements(db)
        }
    }

    @Test func sqlTextWithANULRunsNothingAfterIt() throws {
        // The SQL text itself is the caller's, never user input; still, a NUL must not hide a second statement
        // from the one-statement check and then run it.
        let db = try Database.inMemory()
        try makeNotes(db)
        let before = try schema(db)
        _ = try? db.execute("SELECT 1\u{0}; DROP TABLE notes", [])
        _ = try? db.query("SELECT id FROM notes\u{0}; DROP TABLE notes") { try $0.int(0) }
        _ = try? db.execute("SELECT 1;\u{0} DROP TABLE notes")
        #expect(try schema(db) == before)
        #expect(try db.queryFirst("SELECT COUNT(*) FROM notes") { try $0.int(0) } == 2)
        expectNoOpenStatements(db)
    }

    // MARK: - Malformed SQL and values

    @Test(arguments: [
        "SELECT 'unterminated", "SELECT \"unterminated", "SELECT /* unterminated", "SELEC 1", "SELECT 1 FROM",
        "-- only a comment", "   ", "", ";", "SELECT ?99999999", "SELECT 1; SELECT 2",
        String(repeating: "(", count: 10_000),
    ])
    func malformedSQLThrowsAndLeavesNoStatementOpen(sql: String) throws {
        let db = try Database.inMemory()
        #expect(throws: SQLiteError.self) { try db.query(sql) { _ in () } }
        #expect(throws: SQLiteError.self) { try db.execute(sql, []) }
        expectNoOpenStatements(db)
        #expect(try db.queryFirst("SELECT 1") { try $0.int(0) } == 1)
    }

    @Test func invalidUTF8ReadAsTextIsRepaired() throws {
        let db = try Database.inMemory()
        let bytes: [UInt8] = [0x61, 0xFF, 0x00, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0x62]
        let text = try db.queryFirst("SELECT CAST(? AS TEXT)", [.blob(bytes)]) { try $0.string(0) }
        #expect(text == String(decoding: bytes, as: UTF8.self))
        #expect(text?.hasPrefix("a\u{FFFD}\u{0}") == true)
        #expect(text?.hasSuffix("b") == true)
        // Lone surrogates in a Swift string are already repaired, so what SQLite stores is valid UTF-8.
        let repaired = String(decoding: [0x61, 0xD800, 0x62] as [UInt16], as: UTF16.self)
        let stored = try db.queryFirst("SELECT ?, length(CAST(? AS BLOB))", [.text(repaired), .text(repaired)]) {
            (try $0.string(0), try $0.int(1))
        }
        #expect(stored?.0 == "a\u{FFFD}b")
        #expect(stored?.1 == 5)
    }

    @Test func tenMegabyteValuesRoundTrip() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE big(text TEXT, data BLOB)")
        let text = String(repeating: "é'; DROP TABLE big; --", count: 10 << 20 / 24)
        let data = (0..<(10 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try db.execute("INSERT INTO big VALUES (?, ?)", [.text(text), .blob(data)])
        let read = try db.queryFirst("SELECT text, data FROM big") { (try $0.string(0), try $0.blob(1)) }
        #expect(read?.0 == text)
        #expect(read?.1 == data)
        expectNoOpenStatements(db)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude])
    func extremeDoublesAndIntegersRoundTrip(double: Double) throws {
        let db = try Database.inMemory()
        let read = try db.queryFirst("SELECT ?, ?, ?", [.real(double), .integer(.max), .integer(.min)]) { row in
            (row.value(0), try row.int64(1), try row.int64(2))
        }
        // SQLite stores NaN as NULL; every other double comes back bit for bit.
        if double.isNaN {
            #expect(read?.0 == .null)
        } else if case .real(let back)? = read?.0 {
            #expect(back.bitPattern == double.bitPattern)
        } else {
            Issue.record("\(double) came back as \(String(describing: read?.0))")
        }
        #expect(read?.1 == .max)
        #expect(read?.2 == .min)
    }

    // MARK: - Damaged files

    @Test func aPathWithANULIsNotOpenedAsTheShorterPath() throws {
        // C would see "<dir>/victim.sqlite" and open or create that file instead of the one named.
        try withTemporaryDirectory { directory in
            let victim = directory.appendingPathComponent("victim.sqlite").path
            do {
                let db = try Database(path: victim)
                try db.execute("CREATE TABLE secrets(x); INSERT INTO secrets VALUES ('s')")
            }
            let hostile = victim + "\u{0}.txt"
            for readOnly in [false, true] {
                let message: Comment = "Database(path: \(hostile.debugDescription)) opened \(victim)"
                let error = #expect(throws: SQLiteError.self, message) {
                    try Database(path: hostile, readOnly: readOnly)
                }
                #expect(error?.code == 14)  // SQLITE_CANTOPEN
                #expect(error?.message.hasPrefix("path has a NUL byte (opening ") == true)
            }
            let missing = directory.appendingPathComponent("new.sqlite").path
            #expect(throws: SQLiteError.self) { try Database(path: missing + "\u{0}") }
            #expect(!FileManager.default.fileExists(atPath: missing), "a file was created at the path cut at the NUL")
        }
    }

    @Test func failedAndClosedOpeningsReleaseTheirFileDescriptors() throws {
        // A handle not closed on an error path (or a Database never closing) keeps a descriptor open per call.
        func openDescriptors() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        }
        try withTemporaryDirectory { directory in
            let notADatabase = directory.appendingPathComponent("notes.txt").path
            let text = String(repeating: "not a database ", count: 100)
            try Data(text.utf8).write(to: URL(fileURLWithPath: notADatabase))
            let good = directory.appendingPathComponent("good.sqlite").path
            try Database(path: good).execute("CREATE TABLE t(x)")
            let before = try openDescriptors()
            for _ in 0..<300 {
                #expect(throws: SQLiteError.self) { try Database(path: notADatabase) }
                let db = try Database(path: good)
                _ = try db.query("SELECT x FROM t") { try $0.int(0) }
            }
            // Other tests run in parallel and open files too; 300 leaked handles would stand far above that.
            #expect(try openDescriptors() - before < 100)
        }
    }

    @Test func anEmptyFileOpensAsAnEmptyDatabase() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("empty.sqlite").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let db = try Database(path: path)
            #expect(try schema(db).isEmpty)
            try makeNotes(db)
            #expect(try db.queryFirst("SELECT COUNT(*) FROM notes") { try $0.int(0) } == 2)
        }
    }

    @Test func aFileWithOnlyTheSQLiteHeaderIsRejected() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("header.sqlite").path
            var header = Array("SQLite format 3\u{0}".utf8)
            header += [UInt8](repeating: 0xFF, count: 84)
            try Data(header).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SQLiteError.self) { try Database(path: path) }
            #expect(error?.message.contains(path) == true)
            #expect([11, 26].contains(error?.code))  // SQLITE_CORRUPT or SQLITE_NOTADB
        }
    }

    @Test func aDamagedPageFailsTheQueriesThatReadItAndLeavesNoStatementOpen() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("damaged.sqlite").path
            do {
                let db = try Database(path: path)
                try db.execute("PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; CREATE TABLE t(x TEXT)")
                try db.inTransaction {
                    for index in 0..<500 {
                        let text = String(repeating: "\(index % 10)", count: 200)
                        try db.execute("INSERT INTO t VALUES (?)", [.text(text)])
                    }
                }
            }
            // Overwrite the third page (a page of t's B-tree, past the schema) with garbage.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 2 * 4096)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 4096))
            try handle.close()

            let db = try Database(path: path)  // the schema page is intact, so opening works
            let error = #expect(throws: SQLiteError.self) { try db.query("SELECT x FROM t") { try $0.string(0) } }
            #expect(error?.code == 11)  // SQLITE_CORRUPT
            expectNoOpenStatements(db)
            #expect(throws: SQLiteError.self) { try db.execute("UPDATE t SET x = ?", ["y"]) }
            expectNoOpenStatements(db)
            #expect(db.isInTransaction == false)
            // integrity_check either reports the damage or fails with SQLITE_CORRUPT itself.
            let integrity = try? db.query("PRAGMA integrity_check") { try $0.string(0) }
            #expect(integrity != ["ok"])
            expectNoOpenStatements(db)
        }
    }

    @Test func aGarbageWALFileIsIgnoredAndTheDataIsIntact() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("wal.sqlite").path
            do {
                let db = try Database(path: path)
                try makeNotes(db)
            }
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            let garbage = Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try garbage.write(to: URL(fileURLWithPath: path + "-wal"))
            let db = try Database(path: path)
            #expect(try db.query("SELECT body FROM notes ORDER BY id") { try $0.string(0) } == ["kept", "kept"])
            #expect(try db.query("PRAGMA integrity_check") { try $0.string(0) } == ["ok"])
        }
    }
}
