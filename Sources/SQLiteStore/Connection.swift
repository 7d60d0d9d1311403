import CSQLite

/// One open SQLite connection (`sqlite3*`) and its statement cache.
///
/// The connection owns its handle: `deinit` finalizes every cached statement, then calls `sqlite3_close`. Every
/// statement made outside the cache is finalized by the code that made it, on success and error paths alike, so
/// nothing is left open at close.
///
/// - Note: Not thread-safe. ``Database`` keeps it behind a ``ReentrantMutex`` and is the only one to use it.
final class Connection {
    /// The `sqlite3*` handle; valid for the object's lifetime.
    let handle: OpaquePointer
    /// Prepared statements by SQL text.
    private var cache = StatementCache()
    /// How many statements this connection compiled (cache misses and one-off statements).
    var prepareCount = 0
    /// Whether the database is a file (other connections and processes may change it), not `:memory:`.
    let isFile: Bool
    /// What the authorizer records while a statement is being prepared; `nil` the rest of the time.
    var analysisInProgress: StatementAnalysis?
    /// Tables changed by the open transaction, published to ``commitObservers`` once it commits.
    var pendingChanges = TableChanges()
    /// Called, on the committing thread with the connection held, with what each transaction changed.
    var commitObservers: [Int: @Sendable (TableChanges) -> Void] = [:]
    var nextObserverID = 0
    /// The kept `PRAGMA data_version` statement of ``externalChangeCount()``, which the trace hook skips.
    var dataVersionStatement: Statement?
    /// The last `PRAGMA data_version` read; `nil` before the first check.
    var lastDataVersion: Int64?
    /// How many times ``lastDataVersion`` was seen to move: commits by other connections, counted loosely.
    var externalChanges: UInt64 = 0
    /// Whether the change check may compare the WAL-index header first (the database is in WAL mode, and no
    /// statement of this connection has changed its journal or locking mode since).
    var usesWALIndexCheck = false
    /// The mapped WAL-index of the main database, once looked up (see ``walIndexHeader()``).
    var walIndexRegion: UnsafeRawPointer?
    /// The WAL-index header read just before the last `PRAGMA data_version` check.
    var walIndexHeaderAtLastCheck: WALIndexHeader?
    /// The last full change check, published for other threads' checks (see ``publishChangeCheck()``).
    let changeCheckShortcut = ChangeCheckShortcut()
    /// Whether ``changeCheckShortcut`` was last published open.
    var changeCheckShortcutIsOpen = false

    private init(handle: OpaquePointer, isFile: Bool) {
        self.handle = handle
        self.isFile = isFile
    }

    deinit {
        dataVersionStatement?.finalize()
        cache.removeAll()
        if sqlite3_close(handle) != SQLITE_OK {
            // Unreachable through this module's API: every statement was finalized above or by its maker.
            // Rather than leak the connection, let SQLite close it when the last statement goes.
            sqlite3_close_v2(handle)
        }
    }

    // MARK: - Opening

    /// Opens the database at `path` and sets it up.
    ///
    /// Mirrors [`sqlite3_open_v2`](https://sqlite.org/c3ref/open.html). On failure the handle is closed before
    /// the error is thrown. Because SQLite opens files lazily, the set-up reads the schema, so a file that is not
    /// a database, is truncated or is unreadable fails here rather than at the first query.
    ///
    /// - Parameters:
    ///   - path: A file path, or `":memory:"` for a private in-memory database.
    ///   - readOnly: Open with `SQLITE_OPEN_READONLY` (the file must exist) instead of read-write-create.
    /// - Throws: ``SQLiteError`` whose message names the path.
    static func open(path: String, readOnly: Bool) throws(SQLiteError) -> Connection {
        // NOMUTEX: SQLite's own per-connection mutex is redundant, Database serializes all access.
        // C would stop at a NUL and open another file than the one named ("db.sqlite\0.txt" -> "db.sqlite").
        guard !path.utf8.contains(0) else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "path has a NUL byte").opening(path)
        }
        let access = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let flags = access | SQLITE_OPEN_NOMUTEX
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(code: code == SQLITE_OK ? SQLITE_INTERNAL : code, connection: handle)
            // "Whether or not an error occurs when it is opened, resources associated with the database
            // connection handle should be released by passing it to sqlite3_close()." sqlite3_close(NULL) is a no-op.
            sqlite3_close(handle)
            throw error.opening(path)
        }
        // From here on, `connection`'s deinit closes the handle if set-up throws.
        let connection = Connection(handle: handle, isFile: path != ":memory:" && !path.isEmpty)
        do throws(SQLiteError) {
            connection.installChangeTracking()
            try connection.setUp(isFile: connection.isFile, readOnly: readOnly)
        } catch {
            throw error.opening(path)
        }
        return connection
    }

    private func setUp(isFile: Bool, readOnly: Bool) throws(SQLiteError) {
        sqlite3_busy_timeout(handle, 5_000)
        // Force SQLite to read the header and the schema now: a bad file fails in `init`, not later.
        try executeScript("PRAGMA schema_version; SELECT count(*) FROM sqlite_schema")
        if isFile && !readOnly {
            try executeScript("PRAGMA journal_mode = WAL")
        }
        try executeScript("PRAGMA foreign_keys = ON")
        if isFile {
            usesWALIndexCheck = try journalMode() == "wal"
        }
    }

    // MARK: - Statements

    /// A statement for `sql`, from the cache when possible, marked in use. Pair with ``release(_:)``.
    ///
    /// - Throws: ``SQLiteError`` when `sql` does not compile or is not exactly one statement.
    /// - Complexity: O(1) plus hashing `sql` on a cache hit.
    func checkOutStatement(_ sql: String) throws(SQLiteError) -> Statement {
        let statement: Statement
        if let cached = cache[sql] {
            if !cached.isInUse {
                statement = cached
            } else {
                // The same SQL is running further up the stack: use a one-off statement.
                statement = try prepareSingle(sql, cached: false)
            }
        } else {
            statement = try prepareSingle(sql, cached: true)
            cache.insert(statement, for: sql)
        }
        statement.isInUse = true
        if statement.analysis.changesJournalMode {
            stopWALIndexCheck()  // before it steps: leaving WAL mode unmaps the WAL-index
        }
        return statement
    }

    /// Ends a statement's run: resets it and clears its bindings for the next use, or finalizes a one-off.
    ///
    /// Then notes what the run changed (see ``statementFinished(_:)``). When SQLite re-prepared the statement
    /// during the run (after a schema change), it is analysed again first: what it wrote is what the new
    /// analysis says, plus what the old one said.
    func release(_ statement: Statement) {
        statement.isInUse = false
        var analysis = statement.analysis
        if statement.isAnalysisStale {
            analysis = reanalyze(statement)
        }
        let hasRun = statement.hasRun
        statement.hasRun = false
        if statement.isCached {
            statement.reset()
        } else {
            statement.finalize()
        }
        if hasRun {
            statementFinished(analysis)
        }
    }

    private func prepareSingle(_ sql: String, cached: Bool) throws(SQLiteError) -> Statement {
        prepareCount += 1
        let (statement, analysis) = try analyzing { () throws(SQLiteError) in
            try Statement.prepareSingle(sql, connection: handle, cached: cached)
        }
        statement.setAnalysis(analysis)
        return statement
    }

    /// Analyses a statement that SQLite re-prepared, with a separate prepare of the same SQL (SQLite does not
    /// tell what its own re-prepare saw), and returns what the run may have changed: the writes of both
    /// analyses. When that prepare fails (a table it used was dropped), a cached statement leaves the cache, so
    /// its next use prepares it anew and reports the error, and every table is taken as changed.
    private func reanalyze(_ statement: Statement) -> StatementAnalysis {
        prepareCount += 1
        var changed = statement.analysis
        do throws(SQLiteError) {
            let (fresh, analysis) = try analyzing { () throws(SQLiteError) in
                try Statement.prepareSingle(statement.sql, connection: handle, cached: false)
            }
            fresh.finalize()
            statement.setAnalysis(analysis)
            changed.tablesWritten.formUnion(statement.analysis.tablesWritten)
            changed.changesSchema = changed.changesSchema || statement.analysis.changesSchema
        } catch {
            if statement.isCached {
                cache.remove(statement.sql)
            }
            changed.changesSchema = true
        }
        return changed
    }

    /// Runs one statement with `arguments` to completion, discarding any rows.
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try checkOutStatement(sql)
        defer { release(statement) }
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs every statement in `sql`, in order, discarding any rows. Not cached: scripts rarely repeat.
    ///
    /// Each statement is finalized before the next is compiled, so SQL that depends on earlier statements of the
    /// same script (a `CREATE TABLE` then an `INSERT` into it) works.
    ///
    /// - Throws: ``SQLiteError`` for the first statement that fails; the statements before it stay run.
    func executeScript(_ sql: String) throws(SQLiteError) {
        let outcome: Result<Void, SQLiteError> = sql.withCString { start in
            var next: UnsafePointer<CChar>? = start
            do throws(SQLiteError) {
                while let current = next, current.pointee != 0 {
                    prepareCount += 1
                    let ((statement, tail), analysis) = try analyzing { () throws(SQLiteError) in
                        try Statement.prepareFirst(current, fullSQL: sql, connection: handle, persistent: false)
                    }
                    next = tail
                    guard let statement else { continue }  // white space or a comment
                    statement.setAnalysis(analysis)
                    if analysis.changesJournalMode {
                        stopWALIndexCheck()  // before it steps: leaving WAL mode unmaps the WAL-index
                    }
                    defer {
                        statement.finalize()
                        statementFinished(statement.analysis)
                    }
                    while try statement.step() {}
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    // MARK: - State

    /// Whether a transaction is open. Mirrors [`sqlite3_get_autocommit`](https://sqlite.org/c3ref/get_autocommit.html).
    var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// The number of statements kept prepared: the cache's, and the change check's `PRAGMA data_version`.
    var cachedStatementCount: Int {
        cache.count + (dataVersionStatement == nil ? 0 : 1)
    }

    /// The number of statements of this connection that are not finalized (cached ones included).
    ///
    /// Walks [`sqlite3_next_stmt`](https://sqlite.org/c3ref/next_stmt.html).
    var openStatementCount: Int {
        var count = 0
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            count += 1
            statement = sqlite3_next_stmt(handle, current)
        }
        return count
    }

    /// The number of statements that have started a run and were neither finished nor reset.
    ///
    /// Uses [`sqlite3_stmt_busy`](https://sqlite.org/c3ref/stmt_busy.html).
    var busyStatementCount: Int {
        var count = 0
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 {
                count += 1
            }
            statement = sqlite3_next_stmt(handle, current)
        }
        return count
    }
}

extension SQLiteError {
    /// The error with the database path added to its message, for errors raised while opening.
    ///
    /// The SQL is dropped: it is this module's set-up, which would only distract from the file.
    fileprivate func opening(_ path: String) -> SQLiteError {
        var error = self
        error.message = "\(message) (opening '\(path)')"
        error.sql = nil
        return error
    }
}
