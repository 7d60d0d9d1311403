import LocMem
import LocMemTesting
import QueryCache
import SQLiteStore
import Testing

/// Writes invalidate exactly the results that read a table they may change, once committed; nothing else.
@Suite struct CachedDatabaseInvalidationTests {
    /// Fills the cache with a read of each table.
    private func warm(_ test: TestDatabase) throws {
        _ = try test.title(1)
        _ = try test.authorNames()
        _ = try test.queries.query("SELECT name, uses FROM tags ORDER BY name") { try $0.string(0) }
        _ = try test.queries.query("SELECT note FROM audit") { try $0.string(0) }
        _ = try test.queries.query("SELECT body FROM notes") { try $0.string(0) }
    }

    /// How many statements each warm read runs now: 0 for a hit, 1 for a miss.
    private func misses(_ test: TestDatabase) throws -> [String: Int] {
        var result: [String: Int] = [:]
        result["books"] = try test.counting { _ = try test.title(1) }.1
        result["authors"] = try test.counting { _ = try test.authorNames() }.1
        result["tags"] = try test.counting {
            _ = try test.queries.query("SELECT name, uses FROM tags ORDER BY name") { try $0.string(0) }
        }.1
        result["audit"] = try test.counting { _ = try test.queries.query("SELECT note FROM audit") { try $0.string(0) } }.1
        result["notes"] = try test.counting { _ = try test.queries.query("SELECT body FROM notes") { try $0.string(0) } }.1
        return result
    }

    private func expectMisses(_ test: TestDatabase, _ tables: Set<String>,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let found = try misses(test)
        let missed = Set(found.filter { $0.value > 0 }.keys)
        #expect(missed == tables, sourceLocation: sourceLocation)
    }

    @Test(arguments: Storage.allCases)
    func anUpdateInvalidatesItsTableAndWhatItsTriggerWrites(storage: Storage) throws {
        let test = try TestDatabase(storage)
        try warm(test)
        try test.queries.execute("UPDATE books SET price = ? WHERE id = ?", [999, 1])
        // The trigger inserted into audit: seen by the authorizer in the trigger body.
        try expectMisses(test, ["books", "audit"])
        #expect(try test.price(1) == 999)
        try expectMisses(test, [])
    }

    @Test func aWriteInvalidatesNothingElse() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.execute("INSERT INTO notes(body) VALUES (?)", ["second"])
        try expectMisses(test, ["notes"])
    }

    @Test func aWithoutRowIDTableIsInvalidated() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.execute("UPDATE tags SET uses = uses + 1 WHERE name = ?", ["sf"])
        try expectMisses(test, ["tags"])
        #expect(try test.queries.queryFirst("SELECT uses FROM tags WHERE name = 'sf'") { try $0.int(0) } == 3)
    }

    @Test func deleteWithoutWhereIsSeenDespiteTheTruncateOptimization() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.execute("DELETE FROM notes")
        try expectMisses(test, ["notes"])
        #expect(try test.queries.query("SELECT body FROM notes") { try $0.string(0) } == [])
    }

    @Test func replaceIsSeen() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.execute("REPLACE INTO tags(name, uses) VALUES ('sf', 10)")
        try expectMisses(test, ["tags"])
        try test.queries.execute("INSERT OR REPLACE INTO books(id, title, author_id, price) VALUES (1, 'New', 1, 5)", [])
        #expect(try test.title(1) == "New")
    }

    @Test func aRolledBackTransactionInvalidatesNothing() throws {
        struct Abort: Error {}
        let test = try TestDatabase()
        try warm(test)
        #expect(throws: Abort.self) {
            try test.queries.inTransaction { () throws in
                try test.queries.execute("UPDATE books SET price = 1", [])
                try test.queries.execute("DELETE FROM notes WHERE id = 1", [])
                throw Abort()
            }
        }
        try expectMisses(test, [])
        try test.queries.execute("BEGIN; DELETE FROM notes; ROLLBACK")
        try expectMisses(test, [])
    }

    @Test func aTransactionInvalidatesAtCommitOnly() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.inTransaction { () throws in
            try test.queries.execute("UPDATE books SET title = 'Inside' WHERE id = 1", [])
            // Inside: the written table bypasses the cache and shows the transaction's own data...
            #expect(try assertQueries(1, on: test.database) { try test.title(1) } == "Inside")
            #expect(try assertQueries(1, on: test.database) { try test.title(1) } == "Inside")
            // ...and tables it did not write are still served.
            #expect(try assertQueries(0, on: test.database) { try test.authorNames() } == ["Le Guin", "Herbert"])
        }
        try expectMisses(test, ["books"])
        #expect(try test.title(1) == "Inside")
    }

    @Test func aBypassedReadInsideATransactionNeverFillsTheCache() throws {
        struct Abort: Error {}
        let test = try TestDatabase()
        #expect(throws: Abort.self) {
            try test.queries.inTransaction { () throws in
                try test.queries.execute("UPDATE books SET title = 'Uncommitted' WHERE id = 1", [])
                #expect(try test.title(1) == "Uncommitted")
                throw Abort()
            }
        }
        #expect(try assertQueries(1, on: test.database) { try test.title(1) } == "Earthsea")
    }

    @Test func aSavepointRolledBackInsideACommittedTransactionStillInvalidatesWhatCommitted() throws {
        struct Abort: Error {}
        let test = try TestDatabase()
        try warm(test)
        try test.queries.inTransaction { () throws in
            try test.queries.execute("INSERT INTO notes(body) VALUES ('kept')", [])
            #expect(throws: Abort.self) {
                try test.queries.inTransaction { () throws in
                    try test.queries.execute("UPDATE tags SET uses = 0", [])
                    throw Abort()
                }
            }
        }
        let missed = try misses(test).filter { $0.value > 0 }.keys
        #expect(missed.contains("notes"))
        // Over-invalidating the rolled-back part is allowed, serving stale data is not:
        #expect(try test.queries.queryFirst("SELECT uses FROM tags WHERE name = 'sf'") { try $0.int(0) } == 2)
        #expect(try test.queries.query("SELECT body FROM notes ORDER BY id") { try $0.string(0) } == ["first", "kept"])
    }

    @Test(arguments: [
        "CREATE TABLE extra(x)",
        "CREATE INDEX books_by_title ON books(title)",
        "ALTER TABLE notes ADD COLUMN flag INTEGER",
        "DROP VIEW book_authors",
        "CREATE TRIGGER t AFTER INSERT ON notes BEGIN DELETE FROM tags; END",
    ])
    func ddlInvalidatesEverything(ddl: String) throws {
        let test = try TestDatabase()
        try warm(test)
        try test.queries.execute(ddl)
        try expectMisses(test, ["books", "authors", "tags", "audit", "notes"])
    }

    @Test func aViewRedefinedByDDLReadsItsNewTables() throws {
        let test = try TestDatabase()
        let sql = "SELECT COUNT(*) FROM book_authors"
        #expect(try test.queries.queryFirst(sql) { try $0.int(0) } == 3)
        try test.queries.execute("DROP VIEW book_authors; CREATE VIEW book_authors AS SELECT body FROM notes")
        #expect(try test.queries.queryFirst(sql) { try $0.int(0) } == 1)
        #expect(test.queries.tables(read: sql) == ["notes"])
        try test.queries.execute("INSERT INTO notes(body) VALUES ('two')", [])
        #expect(try test.queries.queryFirst(sql) { try $0.int(0) } == 2)
    }

    @Test func writesThroughTheDatabaseItselfInvalidateToo() throws {
        let test = try TestDatabase()
        try warm(test)
        try test.database.execute("UPDATE authors SET name = 'U. K. Le Guin' WHERE id = 1")
        try expectMisses(test, ["authors"])
        #expect(try test.authorNames() == ["U. K. Le Guin", "Herbert"])
    }

    @Test func invalidateByHand() throws {
        let test = try TestDatabase()
        try warm(test)
        test.queries.invalidate(tables: ["Tags"])
        try expectMisses(test, ["tags"])
        test.queries.invalidateAll()
        try expectMisses(test, ["books", "authors", "tags", "audit", "notes"])
    }

    @Test func aFailedWriteInvalidatesAtMostWhatItTouched() throws {
        let test = try TestDatabase()
        try warm(test)
        #expect(throws: SQLiteError.self) {
            try test.queries.execute("INSERT INTO authors(id, name) VALUES (1, 'Duplicate')", [])
        }
        #expect(try test.authorNames() == ["Le Guin", "Herbert"])
        try expectMisses(test, [])
    }

    @Test func aCascadingForeignKeyDeleteIsSeen() throws {
        let test = try TestDatabase()
        try test.database.execute("""
            CREATE TABLE owners(id INTEGER PRIMARY KEY);
            CREATE TABLE pets(id INTEGER PRIMARY KEY, owner INTEGER REFERENCES owners(id) ON DELETE CASCADE);
            INSERT INTO owners VALUES (1); INSERT INTO pets VALUES (1, 1), (2, 1);
            """)
        let count = { try test.queries.queryFirst("SELECT COUNT(*) FROM pets") { try $0.int(0) } }
        #expect(try count() == 2)
        try test.queries.execute("DELETE FROM owners WHERE id = ?", [1])
        #expect(try count() == 0)
    }
}
