import CSQLite
import Synchronization

/// A connection to an SQLite database, safe to share across threads, with a prepared-statement cache and query
/// counting.
///
/// ```swift
/// let db = try Database(path: "bookstore.sqlite")     // or try Database.inMemory()
/// try db.execute("CREATE TABLE IF NOT EXISTS books(id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
/// try db.execute("INSERT INTO books(title) VALUES (?)", ["Dune"])
/// let titles = try db.query("SELECT title FROM books WHERE id > ?", [0]) { row in try row.string(0) }
/// ```
///
/// A file database is opened in WAL mode with a 5 second busy timeout and foreign keys on; an in-memory one with
/// foreign keys on. Statements run with arguments (``execute(_:_:)``, ``query(_:_:map:)``,
/// ``queryFirst(_:_:map:)``) are compiled once per SQL text and kept in a cache (`SQLITE_PREPARE_PERSISTENT`);
/// later runs only reset and rebind them. Every statement SQLite starts is counted (``queryCount``) and can be
/// recorded (``capturingQueries(_:)``) through SQLite's own trace hook.
///
/// ## Thread-safety
///
/// One SQLite connection, serialized by one lock: each call takes the connection for its whole duration, so
/// calls from different threads run one after the other, never interleaved. The lock is reentrant for the
/// thread that holds it, which is what lets an ``inTransaction(_:)`` body and a `map` closure use this same
/// database: a transaction keeps the connection for its whole body, so other threads' statements never land
/// inside it. (A transaction opened with a raw `BEGIN` through ``execute(_:)`` gets no such protection: the
/// connection is released when that call returns. Use ``inTransaction(_:)``.) ``queryCount`` is an atomic
/// counter and ``capturingQueries(_:)`` has its own lock; neither waits for the connection.
///
/// - Note: `Database` is `Sendable`. Code that runs while the connection is held (a `map` closure, a transaction
///   body) blocks every other thread's use of this database until it returns, so keep it short, and never wait
///   in it for another thread that uses this database: that deadlocks. Open a second `Database` on the same
///   file for parallel readers (WAL lets them read while one writes).
public final class Database: Sendable {
    /// The path given at opening, `":memory:"` for ``inMemory()``.
    public let path: String
    /// Whether the database was opened read-only.
    public let isReadOnly: Bool
    /// Whether the database is a file (other connections may change it), not `:memory:`.
    let isFile: Bool

    /// The connection; every use of the `sqlite3*` handle goes through its lock.
    let connection: ReentrantMutex<Connection>
    /// The connection's last full change check, for ``changeState()`` without the lock.
    let changeCheckShortcut: ChangeCheckShortcut
    /// Statements started, counted by the trace hook.
    let startedStatements = Atomic<Int>(0)
    /// Buffers of the ``capturingQueries(_:)`` calls in progress.
    let captures = Mutex(QueryCaptures())
    /// `captures.buffers.count`, readable without the lock: the trace hook's fast path when nothing captures.
    let activeCaptureCount = Atomic<Int>(0)
    /// The address of the internal statement the trace hook does not count (the change check's
    /// `PRAGMA data_version`), or 0.
    let ignoredStatement = Atomic<UInt>(0)

    // MARK: - Opening

    /// Opens (creating it if needed) the database file at `path` for reading and writing.
    ///
    /// The database is set to WAL journal mode, a busy timeout of 5 seconds and `PRAGMA foreign_keys = ON`.
    /// SQLite opens files lazily, so this initializer also reads the schema: a file that is not a database,
    /// is truncated or cannot be read throws here, not at the first query.
    ///
    /// Mirrors [`sqlite3_open_v2`](https://sqlite.org/c3ref/open.html); the handle is closed on every failure.
    ///
    /// - Parameter path: A file path. `":memory:"` opens a private in-memory database (see ``inMemory()``).
    /// - Throws: ``SQLiteError`` whose message names `path`: `SQLITE_CANTOPEN` for a path that cannot be opened
    ///   (a directory, a missing folder, no permission), `SQLITE_NOTADB` for a file that is not a database,
    ///   `SQLITE_CORRUPT` for a damaged or truncated one.
    public convenience init(path: String) throws(SQLiteError) {
        try self.init(path: path, readOnly: false)
    }

    /// Opens the database file at `path`, read-only or read-write.
    ///
    /// Read-only: the file must exist, writes throw `SQLITE_READONLY`, and the journal mode is left as the file
    /// has it. Read-write: as ``init(path:)``.
    ///
    /// Mirrors [`sqlite3_open_v2`](https://sqlite.org/c3ref/open.html) with `SQLITE_OPEN_READONLY` or
    /// `SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE`; the handle is closed on every failure.
    ///
    /// - Throws: ``SQLiteError`` whose message names `path`; `SQLITE_CANTOPEN` for a missing file opened
    ///   read-only.
    public init(path: String, readOnly: Bool) throws(SQLiteError) {
        self.path = path
        self.isReadOnly = readOnly
        self.isFile = path != ":memory:" && !path.isEmpty
        let connection = try Connection.open(path: path, readOnly: readOnly)
        self.changeCheckShortcut = connection.changeCheckShortcut
        self.connection = ReentrantMutex(connection)
        installTraceHook()
    }

    /// Opens a new private in-memory database, with foreign keys on.
    ///
    /// Each call makes a separate, empty database that lives as long as the returned object.
    ///
    /// - Throws: ``SQLiteError`` if SQLite cannot allocate the database.
    public static func inMemory() throws(SQLiteError) -> Database {
        try Database(path: ":memory:", readOnly: false)
    }

    deinit {
        // No statement can run any more; stop the hook before the connection (and its statements) goes.
        sqlite3_trace_v2(connection.unsafeValue.handle, 0, nil, nil)
    }

    // MARK: - Running statements

    /// Runs one or more SQL statements separated by semicolons, discarding any rows.
    ///
    /// For schema scripts and one-off statements without arguments; they are not cached. Use
    /// ``execute(_:_:)`` for statements with values, which binds them safely and caches the statement.
    ///
    /// Mirrors [`sqlite3_prepare_v3`](https://sqlite.org/c3ref/prepare.html) and
    /// [`sqlite3_step`](https://sqlite.org/c3ref/step.html) over each statement in turn.
    ///
    /// - Throws: ``SQLiteError`` for the first statement that fails to compile or run, with its SQL. The
    ///   statements before it stay run (wrap the call in ``inTransaction(_:)`` to make it all or nothing).
    /// - Note: Thread-safe; holds the connection for the whole script.
    public func execute(_ sql: String) throws(SQLiteError) {
        try connection.withLock { (connection) throws(SQLiteError) in
            try connection.executeScript(sql)
        }
    }

    /// Runs one SQL statement with bound arguments, such as an `INSERT`, `UPDATE` or `DELETE`.
    ///
    /// Each `?` in `sql` takes the next argument. Values are bound, never spliced into the SQL, so any text,
    /// including `'); DROP TABLE books; --`, stays data. The compiled statement is cached by SQL text.
    ///
    /// ```swift
    /// try db.execute("UPDATE books SET price_cents = ? WHERE id = ?", [.integer(999), .integer(1)])
    /// print(db.changes)   // 1
    /// ```
    ///
    /// Mirrors [`sqlite3_bind_*`](https://sqlite.org/c3ref/bind_blob.html) and
    /// [`sqlite3_step`](https://sqlite.org/c3ref/step.html).
    ///
    /// - Throws: ``SQLiteError``: SQLite's error (e.g. `SQLITE_CONSTRAINT`), `SQLITE_RANGE` when the number of
    ///   arguments differs from the number of parameters, `SQLITE_MISUSE` when `sql` holds more than one statement.
    /// - Complexity: After the first call with the same `sql`, no parsing: a cache lookup, a reset and the binds.
    /// - Note: Thread-safe.
    public func execute(_ sql: String, _ arguments: [SQLiteValue]) throws(SQLiteError) {
        try connection.withLock { (connection) throws(SQLiteError) in
            try connection.run(sql, arguments)
        }
    }

    /// Runs a query and returns `map` applied to each row, in order.
    ///
    /// ```swift
    /// let titles = try db.query("SELECT title FROM books WHERE author_id = ?", [1]) { row in
    ///     try row.string("title")
    /// }
    /// ```
    ///
    /// The statement is cached by SQL text. `map` runs while the statement steps, so the ``Row`` it gets is only
    /// valid inside it; `map` may itself query this database.
    ///
    /// Mirrors [`sqlite3_step`](https://sqlite.org/c3ref/step.html) and the
    /// [`sqlite3_column_*`](https://sqlite.org/c3ref/column_blob.html) functions.
    ///
    /// - Parameters:
    ///   - sql: One SQL statement; each `?` takes the next argument.
    ///   - arguments: The values of the parameters.
    ///   - map: Makes a value from a row. An error it throws stops the query and is rethrown unchanged.
    /// - Returns: One value per row.
    /// - Throws: ``SQLiteError`` (see ``execute(_:_:)``, and ``Row``'s accessors), or `map`'s error.
    /// - Complexity: O(*n*) in the number of rows, plus the cost of `map`.
    /// - Note: Thread-safe. Other threads wait while `map` runs.
    public func query<T>(
        _ sql: String,
        _ arguments: [SQLiteValue] = [],
        map: (Row) throws -> T
    ) throws -> [T] {
        try connection.withLock { (connection) throws -> [T] in
            let statement = try connection.checkOutStatement(sql)
            defer { connection.release(statement) }
            try statement.bind(arguments)
            var results: [T] = []
            while try statement.step() {
                results.append(try map(Row(statement: statement)))
            }
            return results
        }
    }

    /// Runs a query and returns `map` applied to its first row, or `nil` when there is no row.
    ///
    /// Stops after the first row (add `LIMIT 1` to the SQL to let SQLite stop early too).
    ///
    /// - Parameters:
    ///   - sql: One SQL statement; each `?` takes the next argument.
    ///   - arguments: The values of the parameters.
    ///   - map: Makes a value from the row. An error it throws is rethrown unchanged.
    /// - Throws: ``SQLiteError`` (see ``execute(_:_:)``, and ``Row``'s accessors), or `map`'s error.
    /// - Note: Thread-safe. Other threads wait while `map` runs.
    public func queryFirst<T>(
        _ sql: String,
        _ arguments: [SQLiteValue] = [],
        map: (Row) throws -> T
    ) throws -> T? {
        try connection.withLock { (connection) throws -> T? in
            let statement = try connection.checkOutStatement(sql)
            defer { connection.release(statement) }
            try statement.bind(arguments)
            guard try statement.step() else { return nil }
            return try map(Row(statement: statement))
        }
    }

    // MARK: - Connection state

    /// The number of rows the most recent `INSERT`, `UPDATE` or `DELETE` on this connection changed.
    ///
    /// Mirrors [`sqlite3_changes64`](https://sqlite.org/c3ref/changes.html).
    ///
    /// - Note: Per connection, not per thread: read it inside ``inTransaction(_:)`` when other threads write.
    public var changes: Int {
        connection.withLock { Int(sqlite3_changes64($0.handle)) }
    }

    /// The rowid of the most recent successful `INSERT` into a rowid table on this connection (0 if none).
    ///
    /// Mirrors [`sqlite3_last_insert_rowid`](https://sqlite.org/c3ref/last_insert_rowid.html).
    ///
    /// - Note: Per connection, not per thread: read it inside ``inTransaction(_:)`` when other threads write.
    public var lastInsertRowID: Int64 {
        connection.withLock { sqlite3_last_insert_rowid($0.handle) }
    }

    /// Whether a transaction is open on this connection.
    ///
    /// Mirrors [`sqlite3_get_autocommit`](https://sqlite.org/c3ref/get_autocommit.html).
    public var isInTransaction: Bool {
        connection.withLock { $0.isInTransaction }
    }

    // MARK: - Diagnostics (package)

    /// How many statements this connection compiled: cache misses, one-off statements and script statements.
    package var prepareCount: Int {
        connection.withLock { $0.prepareCount }
    }

    /// How many statements the connection keeps prepared: the statement cache, and the change check of
    /// ``externalChangeCount()`` once used.
    package var cachedStatementCount: Int {
        connection.withLock { $0.cachedStatementCount }
    }

    /// How many statements of this connection are not finalized, cached ones included
    /// ([`sqlite3_next_stmt`](https://sqlite.org/c3ref/next_stmt.html)).
    package var openStatementCount: Int {
        connection.withLock { $0.openStatementCount }
    }

    /// How many statements are mid-run: stepped but neither finished nor reset
    /// ([`sqlite3_stmt_busy`](https://sqlite.org/c3ref/stmt_busy.html)). 0 between calls.
    package var busyStatementCount: Int {
        connection.withLock { $0.busyStatementCount }
    }
}
