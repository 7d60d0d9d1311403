import Bookstore
import LocMem
import LocMemTesting
import SQLiteStore
import Testing

/// The cache keys are a documented contract, and the top-rated generation survives losing its counter.
@Suite struct CacheKeysTests {
    @Test func keysAreTheDocumentedStrings() {
        typealias Keys = BookRepository.CacheKeys
        #expect(Keys.book(1) == "book:1")
        #expect(Keys.author(7) == "author:7")
        #expect(Keys.booksByAuthor(3) == "books-by-author:3")
        #expect(Keys.topRated(limit: 10, generation: 4) == "top-rated:10:g4")
        #expect(Keys.topRatedGeneration == "top-rated:generation")
    }

    @Test func readsStoreUnderTheirKeys() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let book = try repo.book(id: 1)
        let books = try repo.books(byAuthor: 1)
        let top = try repo.topRatedBooks(limit: 3)
        typealias Keys = BookRepository.CacheKeys
        #expect(store.cache.get(Keys.book(1), as: Book?.self) == .some(book))
        #expect(store.cache.get(Keys.booksByAuthor(1), as: [Book].self) == books)
        let generation = try #require(store.cache.get(Keys.topRatedGeneration, as: Int.self))
        #expect(store.cache.get(Keys.topRated(limit: 3, generation: generation), as: [BookRating].self) == top)
    }

    @Test func aWriteBumpsTheGenerationByOne() throws {
        let store = try TestBookstore()
        _ = try store.repository.topRatedBooks(limit: 3)
        let key = BookRepository.CacheKeys.topRatedGeneration
        let before = try #require(store.cache.get(key, as: Int.self))
        try store.repository.addReview(bookID: 1, rating: 4, body: "")
        #expect(store.cache.get(key, as: Int.self) == before + 1)
    }

    @Test func aLostGenerationCounterNeverRevivesOldLists() throws {
        let store = try TestBookstore()
        let repo = store.repository
        let key = BookRepository.CacheKeys.topRatedGeneration
        _ = try repo.topRatedBooks(limit: 1)

        // The counter is culled or deleted; a write then finds no counter to bump.
        store.cache.delete(key)
        let unreviewed = try store.bookID(notByAuthor: 1, reviewed: false)
        for _ in 0..<60 {
            try repo.addReview(bookID: unreviewed, rating: 5, body: "")
        }
        let top = try assertQueries(1, on: store.database) { try repo.topRatedBooks(limit: 1) }
        #expect(top.map(\.book.id) == [unreviewed])
        try assertQueries(0, on: store.database) { _ = try repo.topRatedBooks(limit: 1) }
    }

    @Test func clearingTheCacheMakesEveryReadRunItsQueryAgain() throws {
        let store = try TestBookstore()
        let repo = store.repository
        _ = try repo.book(id: 1)
        _ = try repo.topRatedBooks(limit: 5)
        store.cache.clear()
        try assertQueries(2, on: store.database) {
            _ = try repo.book(id: 1)
            _ = try repo.topRatedBooks(limit: 5)
        }
    }
}
