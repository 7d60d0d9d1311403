import LocMem
import SQLiteStore
import Synchronization

/// Automatic read-through caching for any read-only SQL, with exact invalidation at commit.
///
/// ```swift
/// let db = try Database(path: "app.sqlite")
/// let queries = CachedDatabase(database: db, cache: try LocMemCache(location: "queries"), timeout: 60)
/// let titles = try queries.query("SELECT title FROM books WHERE author_id = ?", [1]) { row in try row.string(0) }
/// try queries.execute("UPDATE books SET price_cents = ? WHERE id = ?", [999, 1])   // invalidates `books` reads
/// ```
///
/// A read (``query(_:_:map:)``, ``queryFirst(_:_:map:)``) is keyed by its SQL text, each bound value with its
/// SQLite type, and the result type. A miss runs the SQL once (misses on one key are single-flight, as
/// `LocMemCache.getOrSet`) and keeps the mapped result for ``timeout``; a hit runs no statement.
///
/// What a statement reads comes from SQLite itself: its authorizer reports, when the statement is prepared,
/// every base table read (through joins, subqueries, views and CTEs) and every table written (trigger bodies
/// included). Each table has a version counter; a result is stored with the versions of its tables taken
/// *before* its SQL ran, and is served only while they are unchanged, so a result computed before a write
/// commits is never served after it (the race of hand-written cache-aside is closed). Writes through any API of
/// ``database`` (``execute(_:_:)``, ``inTransaction(_:)``, or `database` itself) bump the versions of the
/// tables they may change once their transaction has committed; a rollback bumps nothing; DDL invalidates
/// everything. Commits by other connections and processes on the same file are noticed at every read (the
/// WAL-index header in the database's shared memory, then SQLite's `PRAGMA data_version` when it moved): one is
/// taken as a change of every table.
///
/// Statements whose result can change without a write (`random()`, date and time functions, `changes()`,
/// `last_insert_rowid()`, reads of `sqlite_schema` or of temp tables, pragmas) run every time, uncached.
///
/// Django counterpart: none built in; django-cachalot caches ORM queries this way, by table. Unlike it, raw
/// SQL is covered, subqueries and views are seen by SQLite rather than guessed, and other processes' writes
/// are noticed.
///
/// - Note: `Sendable`; share one instance across threads. A hit does not wait for the database's connection
///   while another thread runs SQL on it, unless that thread has a transaction open, or the file's WAL-index
///   shows a commit since the connection's last change check (or the file is not in WAL mode): then the change
///   check takes the connection. Inside ``inTransaction(_:)`` (or a `map` closure) reads do not join other
///   threads' misses (that could deadlock on the connection) and never serve or fill results of tables the
///   transaction wrote.
public final class CachedDatabase: Sendable {
    /// The database reads fall through to and writes go to. Queries run on it directly bypass the cache, but
    /// its writes invalidate as well.
    public let database: Database
    /// Where results are kept. It may be shared with other users: keys never collide with theirs in effect
    /// (see ``CachedResult``).
    public let cache: LocMemCache
    /// How long a result stays cached; `.default` is the cache's configured timeout.
    public let timeout: CacheTimeout

    /// Distinguishes this instance's results from another's in the same cache.
    @usableFromInline let namespace: UInt64
    /// The hashes of the SQL texts read recently, seeded at random for this instance (see
    /// ``QueryKey``).
    @usableFromInline let sqlDigests: SQLDigestMemo
    @usableFromInline let state = InvalidationState()
    private let observerID: Int
    /// Runs after a miss has run its SQL and released the connection, before its result is stored: lets the
    /// tests drive a write into exactly that gap.
    let afterLoadForTesting: (@Sendable () -> Void)?

    private static let namespaces = Atomic<UInt64>(0)

    /// Creates a caching front for `database`.
    ///
    /// - Parameters:
    ///   - database: The database; nothing is run on it here.
    ///   - cache: Where results are kept.
    ///   - timeout: How long a result stays valid at most (in seconds, `.never`, or `.default` for the cache's
    ///     configured timeout). Invalidation does not wait for it.
    public convenience init(database: Database, cache: LocMemCache, timeout: CacheTimeout = .default) {
        self.init(database: database, cache: cache, timeout: timeout, afterLoadForTesting: nil)
    }

    init(database: Database, cache: LocMemCache, timeout: CacheTimeout, afterLoadForTesting: (@Sendable () -> Void)?) {
        self.database = database
        self.cache = cache
        self.timeout = timeout
        self.afterLoadForTesting = afterLoadForTesting
        let namespace = Self.namespaces.add(1, ordering: .relaxed).newValue
        self.namespace = namespace
        self.sqlDigests = SQLDigestMemo(seed: UInt64.random(in: .min ... .max) ^ namespace)
        let state = self.state
        self.observerID = database.addCommitObserver { changes in state.record(changes) }
    }

    deinit {
        database.removeCommitObserver(observerID)
    }

    // MARK: - Reads

    /// Runs a read-only query, or returns its cached result, `map` applied to each row.
    ///
    /// ```swift
    /// let books = try queries.query("SELECT id, title FROM books WHERE author_id = ?", [1]) { row in
    ///     (try row.int64(0), try row.string(1))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - sql: One read-only SQL statement; each `?` takes the next argument.
    ///   - arguments: The values of the parameters.
    ///   - map: Makes a value from a row. It must be a pure function of the row: its result is what is kept.
    /// - Returns: One value per row.
    /// - Throws: ``QueryCacheError/notReadOnly(sql:)`` for a statement that may write (nothing runs),
    ///   ``QueryCacheError/attachedDatabase(name:sql:)``, `SQLiteError` (bad SQL, an unknown table, ...), or
    ///   `map`'s error; nothing is cached then.
    /// - Complexity: A hit: the change check, hashing the arguments (`sql` is hashed once while it is the same
    ///   `String`), one cache lookup, and an atomic load (one per table read after a commit). A miss: the query.
    /// - Note: Thread-safe.
    @inlinable
    public func query<T: Sendable>(
        _ sql: String,
        _ arguments: [SQLiteValue] = [],
        map: (Row) throws -> T
    ) throws -> [T] {
        try read(sql, arguments, firstRowOnly: false, map: map) { $0 }
    }

    /// Runs a read-only query, or returns its cached result: `map` applied to the first row, or `nil` when there
    /// is none (which is cached too).
    ///
    /// - Throws: As ``query(_:_:map:)``.
    /// - Note: Thread-safe.
    @inlinable
    public func queryFirst<T: Sendable>(
        _ sql: String,
        _ arguments: [SQLiteValue] = [],
        map: (Row) throws -> T
    ) throws -> T? {
        try read(sql, arguments, firstRowOnly: true, map: map) { $0.first }
    }

    /// ``query(_:_:map:)`` with one bound value, passed without an array: a hit allocates
    /// nothing.
    ///
    /// ```swift
    /// let titles = try queries.query("SELECT title FROM books WHERE author_id = ?", .integer(1)) { row in
    ///     try row.string(0)
    /// }
    /// ```
    ///
    /// - Throws: As ``query(_:_:map:)``.
    /// - Note: Thread-safe.
    @inlinable
    public func query<T: Sendable>(
        _ sql: String,
        _ argument: SQLiteValue,
        map: (Row) throws -> T
    ) throws -> [T] {
        try read(sql, SingleArgument(argument), firstRowOnly: false, map: map) { $0 }
    }

    /// ``queryFirst(_:_:map:)`` with one bound value, passed without an array: a hit
    /// allocates nothing.
    ///
    /// - Throws: As ``query(_:_:map:)``.
    /// - Note: Thread-safe.
    @inlinable
    public func queryFirst<T: Sendable>(
        _ sql: String,
        _ argument: SQLiteValue,
        map: (Row) throws -> T
    ) throws -> T? {
        try read(sql, SingleArgument(argument), firstRowOnly: true, map: map) { $0.first }
    }

    // MARK: - Writes

    /// Runs one statement with bound arguments (`INSERT`, `UPDATE`, `DELETE`, DDL); once it has committed, the
    /// results that read a table it may change are invalid. Outside a transaction it is its own transaction.
    ///
    /// - Throws: `SQLiteError`; nothing is invalidated when the statement's transaction rolls back.
    /// - Note: Thread-safe.
    public func execute(_ sql: String, _ arguments: [SQLiteValue]) throws {
        try database.execute(sql, arguments)
    }

    /// Runs one or more statements without arguments, as `Database.execute(_:)`; invalidates as
    /// ``execute(_:_:)``.
    public func execute(_ sql: String) throws {
        try database.execute(sql)
    }

    /// Runs `body` in a transaction, as `Database.inTransaction(_:)`; its writes invalidate at `COMMIT` only,
    /// and not at all when it rolls back.
    ///
    /// Inside `body`, reads of a table the transaction has written neither use nor fill the cache (they see the
    /// transaction's own uncommitted data).
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try database.inTransaction(body)
    }

    // MARK: - Dependencies

    /// The tables `sql` reads, as SQLite's authorizer reports them (lowercased; base tables of views, CTEs and
    /// subqueries included). Empty when `sql` does not compile; see ``dependencies(of:)`` for the error.
    ///
    /// ```swift
    /// queries.tables(read: "SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id")
    /// // ["authors", "books"]
    /// ```
    public func tables(read sql: String) -> Set<String> {
        (try? database.analysis(of: sql).tablesRead) ?? []
    }

    /// What `sql` reads and whether its result can be cached.
    ///
    /// - Throws: `SQLiteError` when `sql` does not compile; ``QueryCacheError`` when ``query(_:_:map:)``
    ///   would refuse it.
    public func dependencies(of sql: String) throws -> QueryDependencies {
        let analysis = try database.analysis(of: sql)
        try Self.checkQueryable(analysis, sql)
        return QueryDependencies(tables: analysis.tablesRead, uncacheableReason: analysis.volatility)
    }

    // MARK: - Invalidating by hand

    /// Invalidates every result that read one of `tables`, for changes SQLite cannot report (a table that an
    /// extension or another program changed in a way `data_version` does not show).
    public func invalidate(tables: Set<String>) {
        state.record(TableChanges(tables: Set(tables.map { $0.lowercased() })))
    }

    /// Invalidates every result of this instance.
    public func invalidateAll() {
        state.record(TableChanges(everything: true))
    }

    static func checkQueryable(_ analysis: StatementAnalysis, _ sql: String) throws {
        guard analysis.isReadOnly, !analysis.controlsTransaction, !analysis.changesSchema else {
            throw QueryCacheError.notReadOnly(sql: sql)
        }
        if let name = analysis.attachedDatabasesRead.sorted().first {
            throw QueryCacheError.attachedDatabase(name: name, sql: sql)
        }
    }
}

/// What a statement reads, and whether ``CachedDatabase`` caches its result.
public struct QueryDependencies: Sendable, Hashable {
    /// The base tables it reads, lowercased.
    public var tables: Set<String>
    /// Why it runs every time (`calls random()`, `reads sqlite_schema`, ...), or `nil` when it is cached.
    public var uncacheableReason: String?

    /// Whether its result is cached.
    public var isCacheable: Bool {
        uncacheableReason == nil
    }
}
