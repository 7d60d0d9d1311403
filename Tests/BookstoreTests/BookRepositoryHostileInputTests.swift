@testable import Bookstore
import Foundation
import LocMem
import LocMemTesting
import SQLiteStore
import Testing

/// Input an attacker or a broken deployment sends: SQL injection in stored text, extreme ids and numbers,
/// huge and malformed text, broken fixture files. Values stay data, errors are typed, the tables stay intact,
/// and no error leaves a statement running or a transaction open.
@Suite struct BookRepositoryHostileInputTests {
    static let injections = [
        "'); DROP TABLE books; --",
        "1 OR 1=1",
        "' OR '1'='1' --",
        "x'); UPDATE books SET price_cents = 0; --",
        "\u{0}'; DELETE FROM reviews; --",
        "' || (SELECT group_concat(name) FROM sqlite_schema) || '",
        "Robert'); DROP TABLE authors;--",
    ]

    func schema(_ database: Database) throws -> [String] {
        try database.query("SELECT type || ' ' || name || ' ' || sql FROM sqlite_schema ORDER BY name") {
            try $0.string(0)
        }
    }

    func expectClean(_ database: Database, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(database.busyStatementCount == 0, sourceLocation: sourceLocation)
        #expect(database.openStatementCount == database.cachedStatementCount, sourceLocation: sourceLocation)
        #expect(database.isInTransaction == false, sourceLocation: sourceLocation)
    }

    // MARK: - SQL injection

    @Test(arguments: DatabaseKind.allCases)
    func injectionReviewBodiesAreStoredVerbatimAndLeaveTheTablesIntact(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let schemaBefore = try schema(store.database)
        let pricesBefore = try store.database.queryFirst("SELECT SUM(price_cents) FROM books") { try $0.int(0) }
        let bookBefore = try repo.book(id: 1)
        for (offset, body) in Self.injections.enumerated() {
            let id = try repo.addReview(bookID: 1 + Int64(offset), rating: 3, body: body)
            let stored = try store.database.queryFirst(
                "SELECT body, book_id FROM reviews WHERE id = ?", [.integer(id)]
            ) { (try $0.string(0), try $0.int64(1)) }
            #expect(stored?.0 == body)
            #expect(stored?.1 == 1 + Int64(offset))
        }
        #expect(try schema(store.database) == schemaBefore)
        #expect(try store.count("authors") == 200)
        #expect(try store.count("books") == 2_000)
        #expect(try store.count("reviews") == 20_000 + Self.injections.count)
        #expect(try store.database.queryFirst("SELECT SUM(price_cents) FROM books") { try $0.int(0) } == pricesBefore)
        #expect(try repo.book(id: 1) == bookBefore)
        expectClean(store.database)
    }

    @Test func injectionTitlesAndNamesReadBackVerbatimThroughTheCache() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let db = store.database
        for (offset, text) in Self.injections.enumerated() {
            let authorID = Int64(10_000 + offset)
            let bookID = Int64(20_000 + offset)
            try db.execute("INSERT INTO authors (id, name) VALUES (?, ?)", [.integer(authorID), .text(text)])
            try db.execute(
                "INSERT INTO books (id, title, author_id, price_cents, published_year) VALUES (?, ?, ?, 100, 2000)",
                [.integer(bookID), .text(text), .integer(authorID)])
            try repo.addReview(bookID: bookID, rating: 5, body: text)
            let expected = Book(id: bookID, title: text, authorID: authorID, priceCents: 100, publishedYear: 2000)
            #expect(try repo.author(id: authorID) == Author(id: authorID, name: text))
            #expect(try repo.book(id: bookID) == expected)
            #expect(try repo.books(byAuthor: authorID) == [expected])
            // Cached: the same values again without SQL.
            let (book, author) = try assertQueries(0, on: db) {
                (try repo.book(id: bookID), try repo.author(id: authorID))
            }
            #expect(book?.title == text)
            #expect(author?.name == text)
        }
        let top = try repo.topRatedBooks(limit: 10_000)
        #expect(Set(Self.injections).isSubset(of: Set(top.map(\.book.title))))
        #expect(try store.count("books") == 2_000 + Self.injections.count)
        expectClean(db)
    }

    // MARK: - Extreme ids and numbers

    @Test func extremeIdsAreAbsentAndCachedAsAbsent() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let ids: [Int64] = [.max, .min, 0, -1, 2_001]
        for id in ids {
            #expect(try repo.book(id: id) == nil)
            #expect(try repo.author(id: id) == nil)
            #expect(try repo.books(byAuthor: id) == [])
        }
        let again = try assertQueries(0, on: store.database) {
            try ids.map { id in (try repo.book(id: id), try repo.author(id: id), try repo.books(byAuthor: id)) }
        }
        #expect(again.allSatisfy { $0.0 == nil && $0.1 == nil && $0.2.isEmpty })
        #expect(again.count == ids.count)
    }

    @Test func writesWithExtremeArgumentsThrowTypedErrorsAndChangeNothing() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let reviews = try store.count("reviews")
        let price = try store.priceCents(ofBook: 1)
        for id: Int64 in [.max, .min, 0, -1] {
            #expect(throws: BookstoreError.bookNotFound(id)) { try repo.updatePrice(bookID: id, priceCents: 1) }
            #expect(throws: BookstoreError.bookNotFound(id)) { try repo.addReview(bookID: id, rating: 5, body: "x") }
            expectClean(store.database)
        }
        for rating in [Int.min, -1, 0, 6, Int.max] {
            #expect(throws: BookstoreError.invalidRating(rating)) {
                try repo.addReview(bookID: 1, rating: rating, body: "x")
            }
        }
        #expect(throws: BookstoreError.negativePrice(.min)) { try repo.updatePrice(bookID: 1, priceCents: .min) }
        #expect(throws: BookstoreError.invalidLimit(.min)) { try repo.topRatedBooks(limit: .min) }
        #expect(try store.count("reviews") == reviews)
        #expect(try store.priceCents(ofBook: 1) == price)
        expectClean(store.database)

        // The largest price fits (SQLite integers are 64-bit) and reads back through the cache.
        try repo.updatePrice(bookID: 1, priceCents: .max)
        #expect(try repo.book(id: 1)?.priceCents == .max)
        // Every rated book fits in the largest limit.
        let all = try repo.topRatedBooks(limit: .max)
        #expect(all.count == (try store.database.queryFirst("SELECT COUNT(DISTINCT book_id) FROM reviews") {
            try $0.int(0)
        }))
        expectClean(store.database)
    }

    @Test func aDatabaseErrorInsideAWriteRollsBackAndLeavesNoStatementOpen() throws {
        // A trigger turns the INSERT of addReview into a failure after the existence check has run.
        let store = try TestBookstore(.temporaryFile)
        let repo = store.repository
        try store.database.execute("""
            CREATE TRIGGER refuse_marked BEFORE INSERT ON reviews WHEN NEW.body = 'refused'
            BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END
            """)
        _ = try repo.topRatedBooks(limit: 5)
        let reviews = try store.count("reviews")
        let error = #expect(throws: SQLiteError.self) { try repo.addReview(bookID: 1, rating: 5, body: "refused") }
        #expect(error?.message == "refused by trigger")
        #expect(try store.count("reviews") == reviews)
        expectClean(store.database)
        // The repository still works, and the failed write invalidated nothing: the list is still cached.
        try assertQueries(0, on: store.database) { _ = try repo.topRatedBooks(limit: 5) }
        try repo.addReview(bookID: 1, rating: 5, body: "accepted")
        #expect(try store.count("reviews") == reviews + 1)
    }

    // MARK: - Huge and malformed text

    @Test func hugeAndMalformedReviewBodiesRoundTrip() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let bodies = [
            String(repeating: "ü'; --", count: (1 << 20) / 7),                            // about 1 MB
            "nul\u{0}inside\u{0}",
            String(decoding: [0x61, 0xD800, 0x62, 0xDFFF] as [UInt16], as: UTF16.self),   // lone surrogates
            String(decoding: [0x61, 0xFF, 0xC0, 0x80, 0x62] as [UInt8], as: UTF8.self),    // invalid UTF-8
            "",
        ]
        for body in bodies {
            let id = try repo.addReview(bookID: 2, rating: 4, body: body)
            let stored = try store.database.queryFirst("SELECT body FROM reviews WHERE id = ?", [.integer(id)]) {
                try $0.string(0)
            }
            #expect(stored == body)
            #expect(stored?.utf8.count == body.utf8.count)
        }
        expectClean(store.database)
    }

    // MARK: - Broken fixtures

    @Test(arguments: DatabaseKind.allCases)
    func aBrokenFileAfterTheRealFixturesNamesItsLineAndLeavesTheDatabaseEmpty(kind: DatabaseKind) throws {
        // The whole real schema and seed load first (22,000 rows), then the third file fails near its end.
        let folder = try FixturesTests.TemporaryFolder(files: [:])
        let real = try Fixtures.defaultFolder()
        for name in ["001_schema.sql", "002_seed.sql"] {
            try FileManager.default.copyItem(at: real.appendingPathComponent(name),
                                             to: folder.url.appendingPathComponent(name))
        }
        let broken = """
            -- More reviews; the third statement has an unterminated string.
            INSERT INTO reviews (book_id, rating, body) VALUES (1, 5, 'fine');
            INSERT INTO reviews (book_id, rating, body) VALUES (1, 4, 'also fine');

            INSERT INTO reviews (book_id, rating, body) VALUES
                (1, 3, 'oops);
            """
        try broken.write(to: folder.url.appendingPathComponent("003_more.sql"), atomically: true, encoding: .utf8)
        let store = try TestBookstore(kind, loadFixtures: false)
        do {
            try Fixtures.load(into: store.database, from: folder.url)
            Issue.record("a broken fixture file loaded")
        } catch {
            guard case .statementFailed(let file, let line, let sqliteError) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(file.lastPathComponent == "003_more.sql")
            #expect(line == 5)
            #expect(sqliteError.message.contains("unrecognized token"))
            #expect(error.description.hasPrefix(file.path + ":5: "))
        }
        #expect(try schema(store.database).isEmpty, "half-loaded: the first two files' tables are still there")
        expectClean(store.database)
        // Nothing was left behind that stops a good load.
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("003_more.sql"))
        try Fixtures.load(into: store.database, from: folder.url)
        #expect(try store.count("reviews") == 20_000)
    }

    @Test func aFixtureFileThatIsNotUTF8IsNamedAndNothingRuns() throws {
        let folder = try FixturesTests.TemporaryFolder(files: ["001_schema.sql": "CREATE TABLE t (x);"])
        let bad = folder.url.appendingPathComponent("002_data.sql")
        try Data([0x49, 0x4E, 0x53, 0xFF, 0xFE, 0x00, 0xC0]).write(to: bad)
        let database = try Database.inMemory()
        #expect {
            try Fixtures.load(into: database, from: folder.url)
        } throws: { error in
            guard case .unreadableFile(let file, _) = error as? FixturesError else { return false }
            return file.lastPathComponent == "002_data.sql" && "\(error)".contains("002_data.sql")
        }
        #expect(try schema(database).isEmpty)
        expectClean(database)
    }
}
