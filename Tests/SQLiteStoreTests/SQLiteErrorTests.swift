import SQLiteStore
import Testing

@Suite struct SQLiteErrorTests {
    static let schema = """
        CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE books(
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            author_id INTEGER NOT NULL REFERENCES authors(id),
            price REAL
        );
        INSERT INTO authors VALUES (1, 'Frank Herbert');
        INSERT INTO books VALUES (1, 'Dune', 1, NULL);
        """

    @Test func syntaxErrorCarriesCodeMessageAndSQL() throws {
        let db = try Database.inMemory()
        let error = #expect(throws: SQLiteError.self) { try db.execute("SELEC 1") }
        #expect(error?.code == 1)
        #expect(error?.codeName == "SQLITE_ERROR")
        #expect(error?.message.contains("syntax error") == true)
        #expect(error?.sql == "SELEC 1")
    }

    @Test func syntaxErrorInAQueryCarriesTheQuery() throws {
        let db = try Database.inMemory()
        let sql = "SELECT * FROM nowhere WHERE id = ?"
        let error = #expect(throws: SQLiteError.self) { try db.query(sql, [1]) { _ in () } }
        #expect(error?.code == 1)
        #expect(error?.message == "no such table: nowhere")
        #expect(error?.sql == sql)
    }

    @Test(arguments: Storage.allCases)
    func constraintViolationIsMatchableAndDescribed(storage: Storage) throws {
        try withDatabase(storage) { db in
            try db.execute(Self.schema)
            let sql = "INSERT INTO books(id, title, author_id) VALUES (?, ?, ?)"
            do {
                try db.execute(sql, [1, "Dune again", 1])
                Issue.record("a duplicate primary key was accepted")
            } catch let error as SQLiteError where error.code == 19 {
                #expect(error.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
                #expect(error.message == "UNIQUE constraint failed: books.id")
                #expect(error.sql == sql)
                #expect(error.description == "SQLite error 19 (SQLITE_CONSTRAINT): UNIQUE constraint failed: books.id"
                    + " — in: INSERT INTO books(id, title, author_id) VALUES (?, ?, ?)")
            }
        }
    }

    @Test(arguments: Storage.allCases)
    func foreignKeysAreEnforced(storage: Storage) throws {
        try withDatabase(storage) { db in
            try db.execute(Self.schema)
            let error = #expect(throws: SQLiteError.self) {
                try db.execute("INSERT INTO books(title, author_id) VALUES (?, ?)", ["Orphan", 99])
            }
            #expect(error?.code == 19)
            #expect(error?.message == "FOREIGN KEY constraint failed")
        }
    }

    @Test func notNullViolationNamesTheColumn() throws {
        let db = try Database.inMemory()
        try db.execute(Self.schema)
        let error = #expect(throws: SQLiteError.self) {
            try db.execute("INSERT INTO authors(name) VALUES (?)", [nil])
        }
        #expect(error?.code == 19)
        #expect(error?.message == "NOT NULL constraint failed: authors.name")
    }

    @Test func wrongArgumentCountIsARangeError() throws {
        let db = try Database.inMemory()
        let error = #expect(throws: SQLiteError.self) { try db.query("SELECT ? + ?", [1]) { _ in () } }
        #expect(error?.code == 25)
        #expect(error?.message == "expected 2 argument(s), got 1")
        #expect(error?.sql == "SELECT ? + ?")
    }

    @Test func severalStatementsWithArgumentsAreRefused() throws {
        let db = try Database.inMemory()
        try db.execute("CREATE TABLE t(x)")
        let error = #expect(throws: SQLiteError.self) {
            try db.execute("INSERT INTO t VALUES (?); DROP TABLE t", [1])
        }
        #expect(error?.code == 21)
        #expect(error?.message.contains("more than one SQL statement") == true)
        // Nothing ran: the table is still there and empty.
        #expect(try db.query("SELECT count(*) FROM t") { try $0.int(0) } == [0])
    }

    @Test func trailingCommentAfterOneStatementIsFine() throws {
        let db = try Database.inMemory()
        #expect(try db.query("SELECT ?; -- the answer\n  ", [42]) { try $0.int(0) } == [42])
    }

    @Test func emptySQLIsRefused() throws {
        let db = try Database.inMemory()
        let error = #expect(throws: SQLiteError.self) { try db.query("  -- nothing", []) { _ in () } }
        #expect(error?.code == 21)
    }

    @Test func errorsFromMapPassThroughUnchanged() throws {
        let db = try Database.inMemory()
        #expect(throws: TestError(id: 7)) {
            try db.query("SELECT 1 UNION ALL SELECT 2") { row in
                if try row.int(0) == 2 { throw TestError(id: 7) }
            }
        }
    }

    @Test func constructedErrorsSplitExtendedCodes() {
        let error = SQLiteError(code: 2067, message: "m")
        #expect(error.code == 19)
        #expect(error.extendedCode == 2067)
        #expect(error.description == "SQLite error 19 (SQLITE_CONSTRAINT): m")
    }
}
