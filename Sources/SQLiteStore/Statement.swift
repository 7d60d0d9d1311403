import CSQLite

/// SQLite's `SQLITE_TRANSIENT` destructor: "copy the bytes before the bind call returns".
///
/// The C macro casts -1 to a function pointer, which Swift cannot import.
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A prepared statement: one compiled SQL statement and its `sqlite3_stmt` handle.
///
/// The statement owns its handle and finalizes it exactly once, in ``finalize()`` or at the latest in `deinit`.
/// After finalization ``handle`` is `nil` and every use throws `SQLITE_MISUSE` instead of touching freed memory.
///
/// Each run ends with ``reset()``, which also bumps ``generation``: a ``Row`` remembers the generation it was made
/// in, so a row kept past its `map` closure is detected instead of reading another run's data.
///
/// - Note: Not thread-safe. Only used while the owning ``Database``'s connection lock is held.
///
/// See <https://sqlite.org/c3ref/stmt.html>.
final class Statement {
    /// The compiled statement, or `nil` once finalized.
    private(set) var handle: OpaquePointer?
    /// The SQL text the statement was prepared from.
    let sql: String
    /// Whether the statement lives in the connection's ``StatementCache`` (and was prepared persistent).
    let isCached: Bool
    /// Whether a run of the statement is in progress (a nested query of the same SQL must not reuse it).
    var isInUse = false
    /// Whether the statement was stepped since it was checked out: only a statement that ran can have changed
    /// anything (one prepared only to be analysed, or refused before it ran, did not).
    var hasRun = false
    /// Incremented at each ``reset()``; rows made before a reset are no longer valid.
    private(set) var generation: UInt64 = 0
    /// What the statement reads and writes, from the authorizer (set by the ``Connection`` that prepared it).
    var analysis = StatementAnalysis()
    /// The `SQLITE_STMTSTATUS_REPREPARE` count ``analysis`` describes: when SQLite has re-prepared the
    /// statement since (after a schema change), the analysis may be out of date.
    var analyzedReprepareCount: Int32 = 0

    /// Column name to index, built on the first lookup by name.
    private var columnIndexes: [String: Int] = [:]
    /// The `SQLITE_STMTSTATUS_REPREPARE` count `columnIndexes` was built at; -1 when not built.
    private var columnIndexesReprepareCount: Int32 = -1

    private init(handle: OpaquePointer, sql: String, isCached: Bool) {
        self.handle = handle
        self.sql = sql
        self.isCached = isCached
    }

    deinit {
        finalize()
    }

    // MARK: - Preparing

    /// Compiles the first statement of `sql`, and returns it with the number of bytes of `sql` it used.
    ///
    /// Mirrors [`sqlite3_prepare_v3`](https://sqlite.org/c3ref/prepare.html). Returns `nil` when `sql` holds no
    /// statement (only white space or comments).
    ///
    /// - Throws: ``SQLiteError`` with SQLite's code and message when the SQL does not compile.
    static func prepareFirst(
        _ sql: UnsafePointer<CChar>,
        fullSQL: String,
        connection: OpaquePointer,
        persistent: Bool
    ) throws(SQLiteError) -> (statement: Statement?, tail: UnsafePointer<CChar>?) {
        var handle: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(connection, sql, -1, flags, &handle, &tail)
        guard code == SQLITE_OK else {
            let error = SQLiteError(code: code, connection: connection, sql: fullSQL)
            sqlite3_finalize(handle)  // NULL on error per the docs; harmless either way.
            throw error
        }
        guard let handle else {
            return (nil, tail)
        }
        let text = sqlite3_sql(handle).map { String(cString: $0) } ?? fullSQL
        return (Statement(handle: handle, sql: text, isCached: persistent), tail)
    }

    /// Compiles `sql`, which must hold exactly one statement.
    ///
    /// - Parameter cached: Prepare with `SQLITE_PREPARE_PERSISTENT`, for a statement that goes in the cache.
    /// - Throws: ``SQLiteError``: SQLite's error when the SQL does not compile; `SQLITE_MISUSE` when `sql` holds
    ///   no statement or more than one.
    static func prepareSingle(
        _ sql: String,
        connection: OpaquePointer,
        cached: Bool
    ) throws(SQLiteError) -> Statement {
        let outcome: Result<Statement, SQLiteError> = sql.withCString { start in
            do throws(SQLiteError) {
                let (first, tail) = try prepareFirst(start, fullSQL: sql, connection: connection, persistent: cached)
                guard let first else {
                    return .failure(.misuse("no SQL statement to run", sql: sql))
                }
                if let tail, tail.pointee != 0 {
                    // Anything but white space and comments after the statement is a second statement.
                    let (second, _) = try prepareFirst(tail, fullSQL: sql, connection: connection, persistent: false)
                    if let second {
                        second.finalize()
                        first.finalize()
                        return .failure(.misuse(
                            "more than one SQL statement; execute(_:) runs several (without arguments)",
                            sql: sql))
                    }
                }
                return .success(first)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    // MARK: - Running

    /// Binds `arguments` to the statement's parameters, in order.
    ///
    /// Mirrors the [`sqlite3_bind_*`](https://sqlite.org/c3ref/bind_blob.html) functions, with `SQLITE_TRANSIENT`
    /// so SQLite copies the bytes.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_RANGE` when the number of arguments differs from the number of
    ///   parameters; SQLite's error when a value cannot be bound (e.g. `SQLITE_TOOBIG`).
    func bind(_ arguments: [SQLiteValue]) throws(SQLiteError) {
        let handle = try liveHandle()
        let parameterCount = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == parameterCount else {
            throw .range("expected \(parameterCount) argument(s), got \(arguments.count)", sql: sql)
        }
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let int):
                code = sqlite3_bind_int64(handle, index, int)
            case .real(let double):
                code = sqlite3_bind_double(handle, index, double)
            case .text(let string):
                code = Self.bindText(string, to: handle, at: index)
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    if let base = buffer.baseAddress, !buffer.isEmpty {
                        return sqlite3_bind_blob64(handle, index, base, UInt64(buffer.count), SQLITE_TRANSIENT)
                    }
                    // A NULL pointer would bind NULL; an empty blob must stay a blob.
                    return sqlite3_bind_zeroblob(handle, index, 0)
                }
            case .null:
                code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else {
                throw SQLiteError(code: code, connection: sqlite3_db_handle(handle), sql: sql)
            }
        }
    }

    private static func bindText(_ string: String, to handle: OpaquePointer, at index: Int32) -> Int32 {
        var string = string
        return string.withUTF8 { utf8 in
            // Explicit length: embedded NUL characters are kept.
            guard let base = utf8.baseAddress, !utf8.isEmpty else {
                return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
            }
            let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            return sqlite3_bind_text64(handle, index, chars, UInt64(utf8.count), SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
        }
    }

    /// Runs the statement to its next row.
    ///
    /// Mirrors [`sqlite3_step`](https://sqlite.org/c3ref/step.html).
    ///
    /// - Returns: `true` when a row is available, `false` when the statement has finished.
    /// - Throws: ``SQLiteError`` with SQLite's code and message.
    func step() throws(SQLiteError) -> Bool {
        let handle = try liveHandle()
        hasRun = true
        switch sqlite3_step(handle) {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        case let code:
            throw SQLiteError(code: code, connection: sqlite3_db_handle(handle), sql: sql)
        }
    }

    /// Ends the current run: resets the statement, clears its bindings, and invalidates its rows.
    ///
    /// Mirrors [`sqlite3_reset`](https://sqlite.org/c3ref/reset.html) and
    /// [`sqlite3_clear_bindings`](https://sqlite.org/c3ref/clear_bindings.html). Their result codes only repeat
    /// the last step's error, which was already thrown, so they are ignored.
    func reset() {
        generation &+= 1
        guard let handle else { return }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Destroys the compiled statement. Later uses throw `SQLITE_MISUSE`. Idempotent.
    ///
    /// Mirrors [`sqlite3_finalize`](https://sqlite.org/c3ref/finalize.html).
    func finalize() {
        generation &+= 1
        guard let handle else { return }
        sqlite3_finalize(handle)
        self.handle = nil
    }

    /// The handle, or `SQLITE_MISUSE` when the statement was finalized.
    func liveHandle() throws(SQLiteError) -> OpaquePointer {
        guard let handle else {
            throw .misuse("statement used after it was finalized (its database was closed)", sql: sql)
        }
        return handle
    }

    /// How many times SQLite has re-prepared the statement after a schema change
    /// ([`SQLITE_STMTSTATUS_REPREPARE`](https://sqlite.org/c3ref/c_stmtstatus_counter.html)).
    var reprepareCount: Int32 {
        handle.map { sqlite3_stmt_status($0, SQLITE_STMTSTATUS_REPREPARE, 0) } ?? analyzedReprepareCount
    }

    /// Keeps `analysis` as what the statement does now, completed with SQLite's read-only flag.
    func setAnalysis(_ analysis: StatementAnalysis) {
        var analysis = analysis
        analysis.isReadOnly = handle.map { sqlite3_stmt_readonly($0) != 0 } ?? true
        if analysis.runsPragma && !analysis.isReadOnly {
            analysis.changesSchema = true  // a pragma that sets a value: take everything as changed
        }
        self.analysis = analysis
        analyzedReprepareCount = reprepareCount
    }

    /// Whether SQLite re-prepared the statement since it was analysed.
    var isAnalysisStale: Bool {
        reprepareCount != analyzedReprepareCount
    }

    // MARK: - Columns

    /// The index of the leftmost result column named `name`, or `nil`.
    ///
    /// An exact match first, then a case-insensitive one (SQLite's column names are case-insensitive). The map
    /// is built on first use and rebuilt when SQLite has re-prepared the statement (after a schema change the
    /// columns of `SELECT *` can change).
    func columnIndex(named name: String) -> Int? {
        guard let handle else { return nil }
        let reprepareCount = sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        if columnIndexesReprepareCount != reprepareCount {
            columnIndexes = [:]
            for index in (0..<Int(sqlite3_column_count(handle))).reversed() {
                if let cName = sqlite3_column_name(handle, Int32(index)) {
                    columnIndexes[String(cString: cName)] = index  // reversed: the leftmost wins
                }
            }
            columnIndexesReprepareCount = reprepareCount
        }
        if let index = columnIndexes[name] {
            return index
        }
        let lowercased = name.lowercased()
        return columnIndexes.filter { $0.key.lowercased() == lowercased }.map(\.value).min()
    }

    /// The names of the result columns, in order.
    var columnNames: [String] {
        guard let handle else { return [] }
        return (0..<Int(sqlite3_column_count(handle))).map { index in
            sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
        }
    }
}
