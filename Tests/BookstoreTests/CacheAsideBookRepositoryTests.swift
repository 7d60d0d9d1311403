import Bookstore
import Foundation
import LocMem
import LocMemRedis
import RedisTestSupport
import SQLiteStore
import Testing

/// Where a cache-aside repository's cache lives in a test.
enum CacheAsideBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case locMem
    case redis

    var testDescription: String { rawValue }

    static var available: [CacheAsideBackend] {
        RedisTestServer.isAvailable ? [.locMem, .redis] : [.locMem]
    }
}

/// `BookRepository`'s read and write tests, ported to `CacheAsideBookRepository` and run on
/// LocMem and on a real Redis server; plus what only a shared cache can show (two "processes"
/// agreeing) and what a cache outage does.
@Suite struct CacheAsideBookRepositoryTests {
    /// The timeout of cached reads in the expiry test: short, since on Redis time really passes.
    static let shortTimeout = 3.0

    /// A fixtures-loaded database and a cache of the given kind that no other test shares.
    struct Setup {
        let database: Database
        let locMem: LocMemCache?
        let clock = ManualClock()
        let redis: RedisCache?

        init(_ backend: CacheAsideBackend, database: Database? = nil, prefix: String? = nil) async throws {
            if let database {
                self.database = database
            } else {
                self.database = try Database.inMemory()
                try Fixtures.load(into: self.database)
            }
            let unique = prefix ?? "cache-aside-\(UUID().uuidString.prefix(8))"
            switch backend {
            case .locMem:
                locMem = try LocMemCache(location: unique, clock: clock)
                redis = nil
            case .redis:
                locMem = nil
                redis = try await RedisCache(
                    url: try RedisTestServer.sharedURL(), configuration: CacheConfiguration(keyPrefix: unique))
            }
        }

        /// Runs `body` on a repository over this setup's cache, whatever its type, with cached reads
        /// kept for `timeout` seconds (long unless the test waits for an expiry).
        func run(timeout: Double = 60, _ body: (any CacheAsideChecks) async throws -> Void) async throws {
            if let locMem {
                try await body(
                    Checks(
                        repository: CacheAsideBookRepository(
                            database: database, cache: locMem, timeout: .seconds(timeout)), clock: clock, timeout: timeout))
            } else if let redis {
                try await body(
                    Checks(
                        repository: CacheAsideBookRepository(
                            database: database, cache: redis, timeout: .seconds(timeout)), clock: nil, timeout: timeout))
            }
        }
    }

    @Test(arguments: CacheAsideBackend.available)
    func readsRunOneQueryThenNoneUntilTheTimeoutPasses(_ backend: CacheAsideBackend) async throws {
        try await Setup(backend).run(timeout: Self.shortTimeout) { try await $0.readsRunOneQueryThenNone() }
    }

    @Test(arguments: CacheAsideBackend.available)
    func aMissingBookIsCachedAsAbsent(_ backend: CacheAsideBackend) async throws {
        try await Setup(backend).run { try await $0.missingBookIsCachedAsAbsent() }
    }

    @Test(arguments: CacheAsideBackend.available)
    func writesInvalidateWhatTheyChangedAndNothingElse(_ backend: CacheAsideBackend) async throws {
        try await Setup(backend).run { try await $0.writesInvalidateWhatTheyChanged() }
    }

    @Test(arguments: CacheAsideBackend.available)
    func badInputThrowsATypedErrorAndChangesNothing(_ backend: CacheAsideBackend) async throws {
        try await Setup(backend).run { try await $0.badInputChangesNothing() }
    }

    /// Two repositories, each with its own database connection and its own `RedisCache` (as two
    /// processes have), on one database file and one Redis server: a write through one is seen by
    /// the next read through the other.
    @Test(.enabled(if: RedisTestServer.isAvailable, RedisTestServer.unavailableReason))
    func aWriteThroughOneRepositoryIsReadThroughAnotherSharingTheRedisCache() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cache-aside-\(UUID().uuidString).sqlite"
        ).path
        defer {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        let seeding = try Database(path: path)
        try Fixtures.load(into: seeding)
        let prefix = "shared-\(UUID().uuidString.prefix(8))"
        let url = try RedisTestServer.sharedURL()
        let first = CacheAsideBookRepository(
            database: try Database(path: path),
            cache: try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix)), timeout: 60
        )
        let second = CacheAsideBookRepository(
            database: try Database(path: path),
            cache: try await RedisCache(url: url, configuration: CacheConfiguration(keyPrefix: prefix)), timeout: 60
        )
        let before = try #require(try await first.book(id: 1))
        let topBefore = try await first.topRatedBooks(limit: 3)
        // The second reads what the first cached: no query.
        let queries = second.database.queryCount
        #expect(try await second.book(id: 1) == before)
        #expect(try await second.topRatedBooks(limit: 3) == topBefore)
        #expect(second.database.queryCount == queries)

        try await second.updatePrice(bookID: 1, priceCents: before.priceCents + 123)
        #expect(try await first.book(id: 1)?.priceCents == before.priceCents + 123)
        try await second.addReview(bookID: topBefore[2].book.id, rating: 1, body: "")
        let topAfter = try await first.topRatedBooks(limit: 3)
        #expect(topAfter != topBefore)
        #expect(topAfter == (try first.uncached.topRatedBooks(limit: 3)))
        #expect(first.statistics == CacheAsideStatistics())
    }

    /// Redis stopped: reads come from SQLite (counted), writes commit (their invalidation counted
    /// as failed), and nobody sees an error; once Redis is back the cache is used again.
    @Test(
        .enabled(
            if: RedisTestServer.binary != nil, "needs redis-server to stop and restart: apt-get install redis-server"))
    func aCacheOutageDegradesToSQLiteAndNeverFailsTheCaller() async throws {
        let server = try RedisTestServer.start()
        let database = try Database.inMemory()
        try Fixtures.load(into: database)
        let cache = try await RedisCache(
            url: server.url,
            options: RedisCacheOptions(commandTimeout: 0.5, initialReconnectBackoff: 0.05, maximumReconnectBackoff: 0.2)
        )
        let repo = CacheAsideBookRepository(database: database, cache: cache, timeout: 60)
        let book = try await repo.book(id: 1)
        server.stop()

        #expect(try await repo.book(id: 1) == book)
        #expect(try await repo.books(byAuthor: 1) == (try repo.uncached.books(byAuthor: 1)))
        #expect(try await repo.topRatedBooks(limit: 5) == (try repo.uncached.topRatedBooks(limit: 5)))
        try await repo.updatePrice(bookID: 1, priceCents: 4242)
        #expect(try await repo.book(id: 1)?.priceCents == 4242)
        let degraded = repo.statistics
        #expect(degraded.degradedReads == 4)
        #expect(degraded.failedInvalidations == 1)
        // Database errors are still the caller's.
        await #expect(throws: BookstoreError.bookNotFound(999_999)) {
            try await repo.updatePrice(bookID: 999_999, priceCents: 1)
        }

        try server.restart()
        try await Task.sleep(for: .milliseconds(300))
        let queries = database.queryCount
        #expect(try await repo.book(id: 1)?.priceCents == 4242)
        #expect(try await repo.book(id: 1)?.priceCents == 4242)
        #expect(database.queryCount == queries + 1, "the cache is used again")
        #expect(repo.statistics == degraded)
        await cache.close()
    }
}

// MARK: - The checks, generic over the cache

/// The checks, written once for `CacheAsideBookRepository<some CacheBackend>`.
protocol CacheAsideChecks {
    func readsRunOneQueryThenNone() async throws
    func missingBookIsCachedAsAbsent() async throws
    func writesInvalidateWhatTheyChanged() async throws
    func badInputChangesNothing() async throws
}

struct Checks<Cache: CacheBackend>: CacheAsideChecks {
    let repository: CacheAsideBookRepository<Cache>
    let clock: ManualClock?
    let timeout: Double

    var database: Database { repository.database }

    /// The number of statements SQLite ran for `body` (from its trace hook).
    func queries<T>(_ body: () async throws -> T) async rethrows -> (T, Int) {
        let before = database.queryCount
        let value = try await body()
        return (value, database.queryCount - before)
    }

    func expire() async throws {
        if let clock {
            clock.advance(by: timeout)
        } else {
            try await Task.sleep(for: .milliseconds(Int(timeout * 1000) + 150))
        }
    }

    func readsRunOneQueryThenNone() async throws {
        let repo = repository
        let (book, first) = try await queries { try await repo.book(id: 1) }
        #expect(first == 1)
        #expect(book == (try repo.uncached.book(id: 1)))
        let (books, listQueries) = try await queries { try await repo.books(byAuthor: 1) }
        #expect(listQueries == 1 && books.count > 1)
        let (author, authorQueries) = try await queries { try await repo.author(id: 1) }
        #expect(authorQueries == 1 && author?.id == 1)
        let (top, topQueries) = try await queries { try await repo.topRatedBooks(limit: 10) }
        #expect(try topQueries == 1 && top == repo.uncached.topRatedBooks(limit: 10))
        let (again, cached) = try await queries {
            (
                try await repo.book(id: 1), try await repo.books(byAuthor: 1), try await repo.author(id: 1),
                try await repo.topRatedBooks(limit: 10)
            )
        }
        #expect(cached == 0)
        #expect(again.0 == book && again.1 == books && again.2 == author && again.3 == top)
        #expect(try await repo.topRatedBooks(limit: 0).isEmpty)

        try await expire()
        let (_, afterExpiry) = try await queries { try await repo.book(id: 1) }
        #expect(afterExpiry == 1)
        #expect(repo.statistics == CacheAsideStatistics())
    }

    func missingBookIsCachedAsAbsent() async throws {
        let repo = repository
        let (pair, count) = try await queries { (try await repo.book(id: 999_999), try await repo.book(id: 999_999)) }
        #expect(pair.0 == nil && pair.1 == nil)
        #expect(count == 1)
        let stored = try await repo.cache.get(BookCacheKeys.book(999_999), as: Book?.self, version: nil)
        #expect(stored == .some(nil))
    }

    func writesInvalidateWhatTheyChanged() async throws {
        let repo = repository
        let other = try #require(
            try database.queryFirst(
                "SELECT id FROM books WHERE author_id <> 1 AND EXISTS (SELECT 1 FROM reviews WHERE book_id = books.id) LIMIT 1"
            ) { try $0.int64(0) })
        let otherAuthor = try #require(try await repo.book(id: other)).authorID
        let book = try #require(try await repo.book(id: 1))
        _ = try await repo.books(byAuthor: 1)
        _ = try await repo.books(byAuthor: otherAuthor)
        _ = try await repo.topRatedBooks(limit: 10_000)

        try await repo.updatePrice(bookID: 1, priceCents: book.priceCents + 1000)
        let (changed, changedQueries) = try await queries {
            (try await repo.book(id: 1), try await repo.books(byAuthor: 1), try await repo.topRatedBooks(limit: 10_000))
        }
        #expect(changedQueries == 3)
        #expect(changed.0?.priceCents == book.priceCents + 1000)
        #expect(changed.1.first { $0.id == 1 }?.priceCents == book.priceCents + 1000)
        #expect(changed.2.first { $0.book.id == 1 }?.book.priceCents == book.priceCents + 1000)
        let (_, unrelated) = try await queries {
            (try await repo.book(id: other), try await repo.books(byAuthor: otherAuthor))
        }
        #expect(unrelated == 0)

        let before = try #require(changed.2.first { $0.book.id == 1 })
        try await repo.addReview(bookID: 1, rating: 1, body: "Not for me.")
        let (afterReview, reviewQueries) = try await queries {
            (try await repo.topRatedBooks(limit: 10_000), try await repo.book(id: 1))
        }
        #expect(reviewQueries == 1, "top-rated reloads; book:1 stays cached")
        #expect(afterReview.0.first { $0.book.id == 1 }?.reviewCount == before.reviewCount + 1)
        #expect(repo.statistics == CacheAsideStatistics())
    }

    func badInputChangesNothing() async throws {
        let repo = repository
        _ = try await repo.book(id: 1)
        let generation = try await repo.cache.get(BookCacheKeys.topRatedGeneration, as: Int.self, version: nil)
        await #expect(throws: BookstoreError.invalidRating(6)) {
            try await repo.addReview(bookID: 1, rating: 6, body: "")
        }
        await #expect(throws: BookstoreError.negativePrice(-1)) {
            try await repo.updatePrice(bookID: 1, priceCents: -1)
        }
        await #expect(throws: BookstoreError.bookNotFound(999_999)) {
            try await repo.addReview(bookID: 999_999, rating: 5, body: "")
        }
        await #expect(throws: BookstoreError.invalidLimit(-1)) { try await repo.topRatedBooks(limit: -1) }
        #expect(try await repo.cache.get(BookCacheKeys.topRatedGeneration, as: Int.self, version: nil) == generation)
        let (_, count) = try await queries { try await repo.book(id: 1) }
        #expect(count == 0)
    }
}
