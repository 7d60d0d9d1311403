import Bookstore
import LocMem
import LocMemTesting
import SQLiteStore
import Testing

/// Writes change the database, then invalidate exactly the cached reads of the tables they changed: an
/// `updatePrice` every read of `books`, an `addReview` the top-rated lists (the only reads of `reviews`).
@Suite struct BookRepositoryWriteTests {
    /// Book 1 (author 1, has reviews) and a reviewed book of another author, all read once.
    struct Warm {
        let store: TestBookstore
        let other: Int64
        let otherAuthor: Int64

        init(_ kind: DatabaseKind) throws {
            store = try TestBookstore(kind)
            other = try store.bookID(notByAuthor: 1, reviewed: true)
            let repo = store.repository
            otherAuthor = try #require(try repo.book(id: other)).authorID
            try fill()
        }

        /// Reads everything once, so that it is cached.
        func fill() throws {
            let repo = store.repository
            _ = try repo.book(id: other)
            _ = try repo.book(id: 1)
            _ = try repo.author(id: 1)
            _ = try repo.books(byAuthor: 1)
            _ = try repo.books(byAuthor: otherAuthor)
            _ = try repo.topRatedBooks(limit: 10)
            _ = try repo.topRatedBooks(limit: 10_000)
        }

        /// Everything read in `init` still comes from the cache.
        func expectAllCached() throws {
            let repo = store.repository
            try assertQueries(0, on: store.database) {
                _ = try repo.book(id: 1)
                _ = try repo.book(id: other)
                _ = try repo.author(id: 1)
                _ = try repo.books(byAuthor: 1)
                _ = try repo.books(byAuthor: otherAuthor)
                _ = try repo.topRatedBooks(limit: 10)
                _ = try repo.topRatedBooks(limit: 10_000)
            }
        }
    }

    // MARK: - updatePrice

    @Test(arguments: DatabaseKind.allCases)
    func updatePriceInvalidatesTheReadsOfBooksAndNothingElse(kind: DatabaseKind) throws {
        let warm = try Warm(kind)
        let store = warm.store
        let repo = store.repository
        let oldPrice = try #require(try store.priceCents(ofBook: 1))
        let newPrice = oldPrice + 1_000

        try repo.updatePrice(bookID: 1, priceCents: newPrice)
        #expect(try store.priceCents(ofBook: 1) == newPrice)

        let book = try assertQueries(1, on: store.database) { try repo.book(id: 1) }
        #expect(book?.priceCents == newPrice)
        let list = try assertQueries(1, on: store.database) { try repo.books(byAuthor: 1) }
        #expect(list.first { $0.id == 1 }?.priceCents == newPrice)
        let top = try assertQueries(1, on: store.database) { try repo.topRatedBooks(limit: 10_000) }
        #expect(top.first { $0.book.id == 1 }?.book.priceCents == newPrice)
        try assertQueries(1, on: store.database) { _ = try repo.topRatedBooks(limit: 10) }
        // Other reads of books ran again too (the table changed), with unchanged results...
        try assertQueries(2, on: store.database) {
            _ = try repo.book(id: warm.other)
            _ = try repo.books(byAuthor: warm.otherAuthor)
        }
        // ...and the authors, a table the write did not touch, stayed cached.
        try assertQueries(0, on: store.database) { _ = try repo.author(id: 1) }
        try warm.expectAllCached()
    }

    @Test func aFailedUpdateOfAnUnknownBookInvalidatesNothing() throws {
        let warm = try Warm(.inMemory)
        #expect(throws: BookstoreError.bookNotFound(424_242)) {
            try warm.store.repository.updatePrice(bookID: 424_242, priceCents: 1)
        }
        try warm.expectAllCached()
    }

    @Test func updatePriceAcceptsZero() throws {
        let store = try TestBookstore()
        try store.repository.updatePrice(bookID: 2, priceCents: 0)
        #expect(try store.repository.book(id: 2)?.priceCents == 0)
    }

    // MARK: - addReview

    @Test(arguments: DatabaseKind.allCases)
    func addReviewInvalidatesTopRatedOnly(kind: DatabaseKind) throws {
        let warm = try Warm(kind)
        let store = warm.store
        let repo = store.repository
        let before = try #require(try repo.topRatedBooks(limit: 10_000).first { $0.book.id == 1 })
        let reviews = try store.count("reviews")

        let id = try repo.addReview(bookID: 1, rating: 1, body: "Not for me, after all.")
        #expect(try store.count("reviews") == reviews + 1)
        #expect(id == Int64(reviews + 1))

        let after = try assertQueries(1, on: store.database) {
            try repo.topRatedBooks(limit: 10_000).first { $0.book.id == 1 }
        }
        #expect(after?.reviewCount == before.reviewCount + 1)
        let expected = (before.averageRating * Double(before.reviewCount) + 1) / Double(before.reviewCount + 1)
        #expect(abs((after?.averageRating ?? 0) - expected) < 1e-9)
        try assertQueries(1, on: store.database) { _ = try repo.topRatedBooks(limit: 10) }
        // A Book holds no review data, so book:1 and the author's list stay cached.
        try warm.expectAllCached()
    }

    @Test func aFirstReviewPutsABookIntoTopRated() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let unreviewed = try store.bookID(notByAuthor: 1, reviewed: false)
        #expect(try repo.topRatedBooks(limit: 10_000).contains { $0.book.id == unreviewed } == false)

        for _ in 0..<60 {  // more 5-star reviews than any fixture book has reviews
            try repo.addReview(bookID: unreviewed, rating: 5, body: "")
        }
        let top = try assertQueries(1, on: store.database) { try repo.topRatedBooks(limit: 1) }
        #expect(top.map(\.book.id) == [unreviewed])
        #expect(top.first?.averageRating == 5)
        #expect(top.first?.reviewCount == 60)
    }

    // MARK: - Failed writes change nothing

    @Test(arguments: DatabaseKind.allCases)
    func badInputThrowsATypedErrorAndChangesNothing(kind: DatabaseKind) throws {
        let warm = try Warm(kind)
        let store = warm.store
        let repo = store.repository
        let price = try store.priceCents(ofBook: 1)
        let reviews = try store.count("reviews")

        // Checked before any SQL runs.
        try assertQueries(0, on: store.database) { () throws -> Void in
            #expect(throws: BookstoreError.invalidRating(0)) { try repo.addReview(bookID: 1, rating: 0, body: "x") }
            #expect(throws: BookstoreError.invalidRating(6)) { try repo.addReview(bookID: 1, rating: 6, body: "x") }
            #expect(throws: BookstoreError.negativePrice(-1)) { try repo.updatePrice(bookID: 1, priceCents: -1) }
            #expect(throws: BookstoreError.negativePrice(Int.min)) {
                try repo.updatePrice(bookID: 1, priceCents: .min)
            }
        }
        // Unknown ids are found out inside the transaction, which then rolls back.
        #expect(throws: BookstoreError.bookNotFound(999_999)) {
            try repo.addReview(bookID: 999_999, rating: 5, body: "x")
        }
        #expect(throws: BookstoreError.bookNotFound(-1)) { try repo.updatePrice(bookID: -1, priceCents: 100) }

        #expect(try store.priceCents(ofBook: 1) == price)
        #expect(try store.count("reviews") == reviews)
        try warm.expectAllCached()
        // The negative cache of the unknown book was not created by the failed writes either.
        try assertQueries(1, on: store.database) { _ = try repo.book(id: 999_999) }
    }

    @Test(arguments: DatabaseKind.allCases)
    func aConstraintViolationRollsBackAndKeepsTheCache(kind: DatabaseKind) throws {
        let warm = try Warm(kind)
        let store = warm.store
        let repo = store.repository
        // Constraints the repository cannot check up front, as a real schema might have.
        try store.database.execute("""
            CREATE TRIGGER price_ceiling BEFORE UPDATE OF price_cents ON books
            WHEN NEW.price_cents > 1000000 BEGIN SELECT RAISE(ABORT, 'price above the ceiling'); END;
            CREATE TRIGGER no_spam BEFORE INSERT ON reviews
            WHEN NEW.body LIKE '%spam%' BEGIN SELECT RAISE(ABORT, 'spam'); END;
            """)
        try warm.fill()  // DDL invalidates everything
        let price = try store.priceCents(ofBook: 1)
        let reviews = try store.count("reviews")

        #expect(throws: SQLiteError.self) { try repo.updatePrice(bookID: 1, priceCents: 2_000_000) }
        #expect(throws: SQLiteError.self) { try repo.addReview(bookID: 1, rating: 5, body: "buy spam") }

        #expect(try store.priceCents(ofBook: 1) == price)
        #expect(try store.count("reviews") == reviews)
        try warm.expectAllCached()
        // And the database is usable afterwards: no transaction was left open.
        try repo.updatePrice(bookID: 1, priceCents: 500)
        #expect(try repo.book(id: 1)?.priceCents == 500)
    }
}
