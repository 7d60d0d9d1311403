import LocMem
import SQLiteStore

/// The bookstore's data access, with a `LocMemCache` in front of SQLite as a read-through cache.
///
/// Every read first asks the cache (`getOrSet`, which is single-flight: concurrent misses on one
/// key run the query once), and on a miss runs one query, the same as ``uncached`` runs, and
/// stores the result for ``timeout``. Within the timeout a read runs no SQL at all; after it, the
/// next read runs the query again. A book that does not exist is cached as absent too (negative
/// caching), so repeated lookups of a missing id run one query, not one each.
///
/// Writes run in a transaction and, once it has committed, invalidate exactly the cached entries
/// whose data they changed; see ``CacheKeys`` for the keys and the rules. Unrelated entries stay
/// cached. This is Django's low-level cache API used by hand, `cache.get_or_set(key, loader,
/// timeout)` plus `cache.delete` on save.
///
/// ```swift
/// let db = try Database.inMemory()
/// try Fixtures.load(into: db)
/// let repo = BookRepository(database: db, cache: try LocMemCache(location: "books"), timeout: 60)
/// try repo.book(id: 1)            // 1 query
/// try repo.book(id: 1)            // 0 queries: served from the cache
/// ```
///
/// - Note: `Sendable` and safe to share across threads and tasks, because `Database` and
///   `LocMemCache` are. Like any cache-aside scheme (Django's included) it has one race: a read
///   that misses and queries *before* a concurrent write commits may store its result *after*
///   the write's invalidation, and then serve that older value until ``timeout``. The
///   top-rated lists are immune, since their key carries the generation read before the query.
///   Call the repository outside any `inTransaction` of your own. A write inside one invalidates
///   when its own (then nested) transaction ends, before the data is really committed. A read
///   inside one holds the connection while it may wait for another thread that is loading the
///   same key, and that thread's query waits for the connection: a deadlock.
public struct BookRepository: Sendable {
    /// The database that reads fall through to and writes go to.
    public let database: Database
    /// The cache in front of the database; it may be shared with other users (see ``CacheKeys``).
    public let cache: LocMemCache
    /// How long cached reads stay valid; `.default` is the cache's configured timeout.
    public let timeout: CacheTimeout

    /// Creates a repository over a database that has the bookstore schema (see ``Fixtures``).
    ///
    /// - Parameters:
    ///   - database: the SQLite database; nothing is run on it here.
    ///   - cache: where reads are kept.
    ///   - timeout: how long a cached read stays valid, in seconds (an integer or floating-point
    ///     literal works), `.never`, or `.default` for the cache's configured timeout.
    public init(database: Database, cache: LocMemCache, timeout: CacheTimeout = .default) {
        self.database = database
        self.cache = cache
        self.timeout = timeout
    }

    /// The same reads with no cache: every call runs its query (for comparisons and benchmarks).
    public var uncached: UncachedBookRepository {
        UncachedBookRepository(database: database)
    }

    // MARK: - Reads

    /// The book with this id, or `nil` when there is none.
    ///
    /// Cached under `book:<id>`, absent books too. A miss runs one query; a hit runs none.
    public func book(id: Int64) throws -> Book? {
        try cache.getOrSet(CacheKeys.book(id), timeout: timeout) {
            try uncached.book(id: id)
        }
    }

    /// The author with this id, or `nil` when there is none.
    ///
    /// Cached under `author:<id>`, absent authors too. A miss runs one query; a hit runs none.
    public func author(id: Int64) throws -> Author? {
        try cache.getOrSet(CacheKeys.author(id), timeout: timeout) {
            try uncached.author(id: id)
        }
    }

    /// The author's books ordered by id; empty for an unknown author.
    ///
    /// Cached under `books-by-author:<authorID>`. A miss runs one query; a hit runs none.
    public func books(byAuthor authorID: Int64) throws -> [Book] {
        try cache.getOrSet(CacheKeys.booksByAuthor(authorID), timeout: timeout) {
            try uncached.books(byAuthor: authorID)
        }
    }

    /// The `limit` books with the highest average review rating, with that average and the
    /// number of reviews.
    ///
    /// The aggregate over all reviews (`AVG(rating)`, `COUNT(*)`, grouped by book), ordered by
    /// average, then review count (both descending), then book id. Books without reviews are
    /// never listed; there is no minimum review count. Cached under
    /// `top-rated:<limit>:g<generation>`; a miss runs one query; a hit runs none.
    ///
    /// - Throws: ``BookstoreError/invalidLimit(_:)`` when `limit` is negative. A limit of 0
    ///   returns an empty list without asking the cache or the database.
    public func topRatedBooks(limit: Int) throws -> [BookRating] {
        guard limit >= 0 else { throw BookstoreError.invalidLimit(limit) }
        guard limit > 0 else { return [] }
        let key = CacheKeys.topRated(limit: limit, generation: topRatedGeneration())
        return try cache.getOrSet(key, timeout: timeout) {
            try uncached.topRatedBooks(limit: limit)
        }
    }
}
