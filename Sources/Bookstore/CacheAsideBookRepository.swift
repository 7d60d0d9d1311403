import LocMem
import Logging
import SQLiteStore
import Synchronization

/// The bookstore's reads through a cache the code manages by hand, on any ``CacheBackend``:
/// Django's low-level cache API (`cache.get_or_set(key, loader, timeout)` on explicit keys, and
/// `cache.delete` after a write commits), async, on a `LocMemCache` or a `RedisCache`.
///
/// **Why it exists next to ``BookRepository``.** `BookRepository` caches automatically and in
/// process. This one names its keys itself (``BookCacheKeys``), so several processes can share
/// one cache server and agree on what to invalidate: a price changed by one process is seen by
/// the next read in every other. Moving from one process to many is then configuration only:
///
/// ```swift
/// let local = CacheAsideBookRepository(database: db, cache: try LocMemCache(location: "books"), timeout: 60)
/// let shared = CacheAsideBookRepository(database: db, cache: try await RedisCache(url: "redis://127.0.0.1:6379/0"), timeout: 60)
/// try await shared.book(id: 1)            // 1 query, then 0 in every process until the timeout
/// ```
///
/// Reads are `getOrSet` on the key (single-flight in the process), with a book that does not
/// exist cached as absent too (negative caching). Writes run in a transaction and, once it has
/// committed, delete the keys they changed and bump the top-rated generation counter (see
/// ``BookCacheKeys``); with Redis the counter is incremented atomically on the server, so every
/// process moves to the new generation.
///
/// **A cache outage is not the user's error.** When the cache throws (Redis down, refused, timed
/// out; any `CacheError`), a read runs its query on SQLite and returns the result, as if there were
/// no cache; it is counted in ``statistics`` (`degradedReads`) and logged at `.warning` through
/// swift-log (label `Bookstore.CacheAside`). A write whose invalidation fails after its commit is
/// not undone or reported as failed either: it is counted (`failedInvalidations`) and logged at
/// `.error`, and other processes may read the old value until ``timeout`` at most. Errors of the
/// database itself (`SQLiteError`) and of the input (``BookstoreError``) are thrown as always.
///
/// - Note: `Sendable`. Queries run synchronously on the calling task's thread (SQLite is local and
///   fast); the cache calls suspend. Unlike ``BookRepository``, which closes it with version
///   stamps, this one has cache-aside's classic race, across processes too: a read that queried
///   before a concurrent write committed may store its result after the write's invalidation, and
///   it is served until ``timeout``.
public struct CacheAsideBookRepository<Cache: CacheBackend>: Sendable {
    /// The keys, shared with every process that uses the same cache.
    public typealias CacheKeys = BookCacheKeys

    /// The database that reads fall through to and writes go to.
    public let database: Database
    /// The cache in front of the database, perhaps shared with other processes.
    public let cache: Cache
    /// How long cached reads stay valid; `.default` is the cache's configured timeout.
    public let timeout: CacheTimeout
    let counters: Counters
    let logger: Logger

    /// Creates a repository over a database that has the bookstore schema (see ``Fixtures``).
    ///
    /// - Parameters:
    ///   - database: the SQLite database; nothing is run on it here.
    ///   - cache: where reads are kept: a `LocMemCache`, a `RedisCache`, any ``CacheBackend``.
    ///   - timeout: how long a cached read stays valid.
    public init(database: Database, cache: Cache, timeout: CacheTimeout = .default) {
        self.database = database
        self.cache = cache
        self.timeout = timeout
        self.counters = Counters()
        self.logger = Logger(label: "Bookstore.CacheAside")
    }

    /// The same reads with no cache: every call runs its query.
    public var uncached: UncachedBookRepository {
        UncachedBookRepository(database: database)
    }

    /// How often the cache failed and the repository worked around it, since it was created.
    public var statistics: CacheAsideStatistics {
        CacheAsideStatistics(
            degradedReads: counters.degradedReads.load(ordering: .relaxed),
            failedInvalidations: counters.failedInvalidations.load(ordering: .relaxed)
        )
    }

    // MARK: - Reads

    /// The book with this id, or `nil` when there is none. Cached under `book:<id>`, absent books
    /// too: a miss runs one query, a hit none.
    public func book(id: Int64) async throws -> Book? {
        let uncached = uncached
        return try await read(CacheKeys.book(id)) { try uncached.book(id: id) }
    }

    /// The author with this id, or `nil` when there is none. Cached under `author:<id>`.
    public func author(id: Int64) async throws -> Author? {
        let uncached = uncached
        return try await read(CacheKeys.author(id)) { try uncached.author(id: id) }
    }

    /// The author's books ordered by id. Cached under `books-by-author:<authorID>`.
    public func books(byAuthor authorID: Int64) async throws -> [Book] {
        let uncached = uncached
        return try await read(CacheKeys.booksByAuthor(authorID)) { try uncached.books(byAuthor: authorID) }
    }

    /// The `limit` books with the highest average rating (see ``UncachedBookRepository/topRatedBooks(limit:)``).
    /// Cached under `top-rated:<limit>:g<generation>`: two cache lookups (the counter, the list).
    ///
    /// - Throws: ``BookstoreError/invalidLimit(_:)`` for a negative limit; 0 returns `[]` at once.
    public func topRatedBooks(limit: Int) async throws -> [BookRating] {
        guard limit >= 0 else { throw BookstoreError.invalidLimit(limit) }
        guard limit > 0 else { return [] }
        let uncached = uncached
        guard let generation = await topRatedGeneration() else {
            return try uncached.topRatedBooks(limit: limit)
        }
        return try await read(CacheKeys.topRated(limit: limit, generation: generation)) {
            try uncached.topRatedBooks(limit: limit)
        }
    }

    /// `getOrSet` on `key`, falling back to `load` alone when the cache fails.
    func read<V: Codable & Sendable>(_ key: String, _ load: @escaping @Sendable () throws -> V) async throws -> V {
        // The loaded value is kept aside: if the cache fails after the loader ran (storing it),
        // the query is not run a second time.
        let loaded = Mutex<V?>(nil)
        do {
            return try await cache.getOrSet(key, timeout: timeout, version: nil) { () async throws -> V in
                let value: V
                do {
                    value = try load()
                } catch {
                    throw LoaderFailure(error: error)
                }
                loaded.withLock { $0 = value }
                return value
            }
        } catch let failure as LoaderFailure {
            throw failure.error
        } catch let error as CacheError {
            counters.degradedReads.add(1, ordering: .relaxed)
            logger.warning("cache unavailable, reading \(key) from SQLite: \(error)")
            if let value = loaded.withLock({ $0 }) { return value }
            return try load()
        }
    }

    /// An error of the database (or the input) inside a loader: thrown to the caller as it is.
    struct LoaderFailure: Error {
        let error: any Error
    }
}

/// How often a ``CacheAsideBookRepository`` worked around a failing cache.
public struct CacheAsideStatistics: Sendable, Hashable {
    /// Reads answered from SQLite because the cache threw.
    public var degradedReads: Int
    /// Writes that committed but whose cache invalidation failed (readers elsewhere may see the old
    /// value until the timeout).
    public var failedInvalidations: Int

    public init(degradedReads: Int = 0, failedInvalidations: Int = 0) {
        self.degradedReads = degradedReads
        self.failedInvalidations = failedInvalidations
    }
}

/// The repository's counters, shared by its copies.
final class Counters: Sendable {
    let degradedReads = Atomic<Int>(0)
    let failedInvalidations = Atomic<Int>(0)
}
