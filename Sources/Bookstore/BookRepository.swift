import LocMem
import QueryCache
import SQLiteStore

/// The bookstore's data access, with a `LocMemCache` in front of SQLite as a read-through cache.
///
/// Every read goes through a ``QueryCache/CachedDatabase`` (``queries``): the first call runs one query, the
/// same as ``uncached`` runs, and keeps the result for ``timeout``; later calls run no SQL at all until a
/// write changes a table the query read, or the timeout passes. A book that does not exist is cached as
/// absent too (negative caching), so repeated lookups of a missing id run one query, not one each.
///
/// There are no hand-written keys or invalidation rules: SQLite's authorizer tells which tables each query
/// reads and each write changes, and a committed write invalidates exactly the results that read a table it
/// changed (an `updatePrice` invalidates the reads of `books`, an `addReview` the top-rated lists, which read
/// `reviews`). A write by another connection or process on the same file is noticed too. See
/// `CacheAsideBookRepository` for the same reads with explicit, Django-style keys.
///
/// ```swift
/// let db = try Database.inMemory()
/// try Fixtures.load(into: db)
/// let repo = BookRepository(database: db, cache: try LocMemCache(location: "books"), timeout: 60)
/// try repo.book(id: 1)            // 1 query
/// try repo.book(id: 1)            // 0 queries: served from the cache
/// ```
///
/// - Note: `Sendable` and safe to share across threads and tasks. The read/write race of cache-aside is
///   closed: a result computed before a write commits is never served after it (see `CachedDatabase`).
public struct BookRepository: Sendable {
    /// The database that reads fall through to and writes go to.
    public var database: Database { queries.database }
    /// The cache in front of the database; it may be shared with other users.
    public var cache: LocMemCache { queries.cache }
    /// How long cached reads stay valid; `.default` is the cache's configured timeout.
    public var timeout: CacheTimeout { queries.timeout }
    /// The automatic read-through cache the reads go through.
    public let queries: CachedDatabase

    /// Creates a repository over a database that has the bookstore schema (see ``Fixtures``).
    ///
    /// - Parameters:
    ///   - database: the SQLite database; nothing is run on it here.
    ///   - cache: where reads are kept.
    ///   - timeout: how long a cached read stays valid, in seconds (an integer or floating-point
    ///     literal works), `.never`, or `.default` for the cache's configured timeout.
    public init(database: Database, cache: LocMemCache, timeout: CacheTimeout = .default) {
        self.queries = CachedDatabase(database: database, cache: cache, timeout: timeout)
    }

    /// The same reads with no cache: every call runs its query (for comparisons and benchmarks).
    public var uncached: UncachedBookRepository {
        UncachedBookRepository(database: database)
    }

    // MARK: - Reads

    /// The book with this id, or `nil` when there is none (cached too). A miss runs one query; a hit runs none.
    public func book(id: Int64) throws -> Book? {
        try queries.queryFirst(SQL.book, .integer(id), map: Book.init(row:))
    }

    /// The author with this id, or `nil` when there is none. A miss runs one query; a hit runs none.
    public func author(id: Int64) throws -> Author? {
        try queries.queryFirst(SQL.author, .integer(id), map: Author.init(row:))
    }

    /// The author's books ordered by id; empty for an unknown author. A miss runs one query; a hit runs none.
    public func books(byAuthor authorID: Int64) throws -> [Book] {
        try queries.query(SQL.booksByAuthor, .integer(authorID), map: Book.init(row:))
    }

    /// The `limit` books with the highest average review rating, with that average and the
    /// number of reviews.
    ///
    /// The aggregate over all reviews (`AVG(rating)`, `COUNT(*)`, grouped by book), ordered by
    /// average, then review count (both descending), then book id. Books without reviews are
    /// never listed; there is no minimum review count. A miss runs one query; a hit runs none.
    ///
    /// - Throws: ``BookstoreError/invalidLimit(_:)`` when `limit` is negative. A limit of 0
    ///   returns an empty list without asking the cache or the database.
    public func topRatedBooks(limit: Int) throws -> [BookRating] {
        guard limit >= 0 else { throw BookstoreError.invalidLimit(limit) }
        guard limit > 0 else { return [] }
        return try queries.query(SQL.topRated, .integer(Int64(limit)), map: BookRating.init(row:))
    }
}
