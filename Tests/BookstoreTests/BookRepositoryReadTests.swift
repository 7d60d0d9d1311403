import Bookstore
import LocMem
import LocMemTesting
import SQLiteStore
import Testing

/// Reads run their SQL once, then come from the cache until the timeout passes.
@Suite struct BookRepositoryReadTests {
    @Test(arguments: DatabaseKind.allCases)
    func bookRunsOneQueryThenNoneUntilTheTimeoutPasses(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let first = try assertQueries(1, on: store.database) { try repo.book(id: 1) }
        #expect(first == (try repo.uncached.book(id: 1)))
        #expect(first?.id == 1)
        let second = try assertQueries(0, on: store.database, cache: store.cache, hits: 1, misses: 0) {
            try repo.book(id: 1)
        }
        #expect(second == first)

        store.clock.advance(by: TestBookstore.timeout - 1)
        try assertQueries(0, on: store.database) { _ = try repo.book(id: 1) }
        store.clock.advance(by: 1)  // the deadline: expired
        try assertQueries(1, on: store.database) { _ = try repo.book(id: 1) }
        try assertQueries(0, on: store.database) { _ = try repo.book(id: 1) }
    }

    @Test(arguments: DatabaseKind.allCases)
    func booksByAuthorRunsOneQueryThenNoneUntilTheTimeoutPasses(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let books = try assertQueries(1, on: store.database) { try repo.books(byAuthor: 1) }
        #expect(books.count > 1, "fixtures: author 1 has several books")
        #expect(books.allSatisfy { $0.authorID == 1 })
        #expect(books.map(\.id) == books.map(\.id).sorted())
        #expect(books.count == (try store.database.queryFirst("SELECT COUNT(*) FROM books WHERE author_id = 1") {
            try $0.int(0)
        }))
        let again = try assertQueries(0, on: store.database) { try repo.books(byAuthor: 1) }
        #expect(again == books)

        store.clock.advance(by: TestBookstore.timeout)
        try assertQueries(1, on: store.database) { _ = try repo.books(byAuthor: 1) }
        try assertQueries(0, on: store.database) { _ = try repo.books(byAuthor: 1) }
    }

    @Test(arguments: DatabaseKind.allCases)
    func topRatedBooksRunsOneQueryThenNoneUntilTheTimeoutPasses(kind: DatabaseKind) throws {
        let store = try TestBookstore(kind)
        let repo = store.repository
        let top = try assertQueries(1, on: store.database) { try repo.topRatedBooks(limit: 10) }
        #expect(top.count == 10)
        #expect(top == (try repo.uncached.topRatedBooks(limit: 10)))
        let again = try assertQueries(0, on: store.database) { try repo.topRatedBooks(limit: 10) }
        #expect(again == top)
        // Another limit is another entry.
        try assertQueries(1, on: store.database) { _ = try repo.topRatedBooks(limit: 5) }

        store.clock.advance(by: TestBookstore.timeout)
        try assertQueries(1, on: store.database) { _ = try repo.topRatedBooks(limit: 10) }
        try assertQueries(0, on: store.database) { _ = try repo.topRatedBooks(limit: 10) }
    }

    @Test func missingBookIsCachedAsAbsent() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let (first, second) = try assertQueries(1, on: store.database) {
            (try repo.book(id: 999_999), try repo.book(id: 999_999))
        }
        #expect(first == nil)
        #expect(second == nil)
        // Stored as a nil Book?, which is a hit, not a miss.
        let third = try assertQueries(0, on: store.database, cache: store.cache, hits: 1, misses: 0) {
            try repo.book(id: 999_999)
        }
        #expect(third == nil)
        try assertQueries(1, on: store.database, cache: store.cache, hits: 0, misses: 1) {
            _ = try repo.book(id: 999_998)
        }
    }

    @Test func missingAuthorIsCachedAsAbsentAndAnUnknownAuthorHasNoBooks() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let (authors, lists) = try assertQueries(2, on: store.database) {
            (
                [try repo.author(id: -1), try repo.author(id: -1)],
                [try repo.books(byAuthor: -1), try repo.books(byAuthor: -1)]
            )
        }
        #expect(authors == [nil, nil])
        #expect(lists == [[], []])
    }

    @Test func authorIsCachedAndKeepsUnicodeNames() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let id = try #require(try store.database.queryFirst(
            // Characters differ from UTF-8 bytes: the name has a non-ASCII letter.
            "SELECT id FROM authors WHERE length(name) <> length(CAST(name AS BLOB)) ORDER BY id LIMIT 1"
        ) { try $0.int64(0) })
        let author = try assertQueries(1, on: store.database) { try repo.author(id: id) }
        let name = try #require(author?.name)
        #expect(name.unicodeScalars.contains { !$0.isASCII }, "\(name)")
        let again = try assertQueries(0, on: store.database) { try repo.author(id: id) }
        #expect(again == author)
    }

    @Test func titleWithASingleQuoteReadsBackIntact() throws {
        let store = try TestBookstore()
        #expect(try store.repository.book(id: 42)?.title == "The Cartographer's Daughter")
    }

    @Test func topRatedBooksAreOrderedByAverageThenCountThenID() throws {
        let store = try TestBookstore()
        let all = try store.repository.topRatedBooks(limit: 10_000)
        let reviewed = try store.database.queryFirst("SELECT COUNT(DISTINCT book_id) FROM reviews") { try $0.int(0) }
        #expect(all.count == reviewed, "every reviewed book, and only those")
        for (earlier, later) in zip(all, all.dropFirst()) {
            let ordered = earlier.averageRating > later.averageRating
                || (earlier.averageRating == later.averageRating && earlier.reviewCount > later.reviewCount)
                || (earlier.averageRating == later.averageRating && earlier.reviewCount == later.reviewCount
                    && earlier.book.id < later.book.id)
            #expect(ordered, "\(earlier) before \(later)")
        }
        // The aggregate agrees with the reviews of one book.
        let rating = try #require(all.first { $0.book.id == 1 })
        let (average, count) = try #require(try store.database.queryFirst(
            "SELECT AVG(rating), COUNT(*) FROM reviews WHERE book_id = 1"
        ) { (try $0.double(0), try $0.int(1)) })
        #expect(rating.averageRating == average)
        #expect(rating.reviewCount == count)
        #expect(rating.book == (try store.repository.uncached.book(id: 1)))
    }

    @Test func topRatedLimitOfZeroIsEmptyAndANegativeLimitThrows() throws {
        let store = try TestBookstore()
        let repo = store.repository
        try assertQueries(0, on: store.database) { () throws -> Void in
            #expect(try repo.topRatedBooks(limit: 0).isEmpty)
            #expect(throws: BookstoreError.invalidLimit(-1)) { try repo.topRatedBooks(limit: -1) }
            #expect(throws: BookstoreError.invalidLimit(-1)) { try repo.uncached.topRatedBooks(limit: -1) }
        }
    }

    @Test func uncachedReadsRunTheirQueryEveryTime() throws {
        let store = try TestBookstore()
        let uncached = store.repository.uncached
        try assertQueries(8, on: store.database) {
            for _ in 0..<2 {
                _ = try uncached.book(id: 1)
                _ = try uncached.author(id: 1)
                _ = try uncached.books(byAuthor: 1)
                _ = try uncached.topRatedBooks(limit: 10)
            }
        }
    }

    @Test func theRepositoryTimeoutIsWhatItStores() throws {
        let store = try TestBookstore()
        // .never: survives any amount of time.
        let forever = BookRepository(database: store.database, cache: store.cache, timeout: .never)
        _ = try forever.book(id: 3)
        store.clock.advance(by: 1_000_000)
        try assertQueries(0, on: store.database) { _ = try forever.book(id: 3) }
        // An integer literal is seconds.
        let short = BookRepository(database: store.database, cache: store.cache, timeout: 5)
        _ = try short.book(id: 4)
        store.clock.advance(by: 5)
        try assertQueries(1, on: store.database) { _ = try short.book(id: 4) }
    }
}
