import CSQLite

/// What one prepared statement reads and may change, as SQLite's authorizer reported it while compiling it.
///
/// SQLite calls the authorizer ([`sqlite3_set_authorizer`](https://sqlite.org/c3ref/set_authorizer.html)) for
/// every table column a statement reads (`SQLITE_READ`, base tables of views, CTEs and subqueries included; an
/// empty column for `COUNT(*)`), every table it writes (`SQLITE_INSERT`, `SQLITE_UPDATE`, `SQLITE_DELETE`, the
/// bodies of the triggers it fires included), every function it calls (`SQLITE_FUNCTION`), and every schema,
/// pragma or transaction action. The analysis is taken when the statement is prepared and kept with it; when
/// SQLite re-prepares a statement after a schema change, the connection analyses it again (see
/// ``Database/read(_:_:firstRowOnly:beforeRun:map:)``).
///
/// Table names are lowercased (SQLite's names are case-insensitive). Tables of the main database are named
/// alone (`books`); tables of an attached database carry its name (`archive.books`).
package struct StatementAnalysis: Sendable, Hashable {
    /// Tables of the main database the statement reads.
    package var tablesRead: Set<String> = []
    /// Tables (of any database) the statement may insert into, update or delete from.
    package var tablesWritten: Set<String> = []
    /// Attached databases (not `main`, not `temp`) the statement reads from.
    package var attachedDatabasesRead: Set<String> = []
    /// Whether the statement changes the schema or the connection's view of it: `CREATE`, `DROP`, `ALTER`,
    /// `ATTACH`, `DETACH`, a pragma that sets a value, ...
    package var changesSchema = false
    /// Why the statement's result can change with no write (a function such as `random()` or a date/time
    /// function, a read of `sqlite_schema` or of a temp table, a pragma), or `nil` when it cannot.
    package var volatility: String?
    /// Whether the statement is `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT` or `RELEASE`.
    package var controlsTransaction = false
    /// Whether the statement sets `PRAGMA journal_mode` or `locking_mode`.
    package var changesJournalMode = false
    /// Views (and triggers) through which the statement reads: SQLite reports a view's own columns as read
    /// too, and these names are removed from ``tablesRead`` once the statement is prepared.
    var readThrough: Set<String> = []
    /// Tables read without a database name (SQLite gives none for `COUNT(*)`): resolved once prepared.
    var unqualifiedReads: Set<String> = []
    /// Whether the statement runs a pragma (reading one, or setting one when it is not read-only).
    var runsPragma = false
    /// Whether the statement leaves the database unchanged
    /// ([`sqlite3_stmt_readonly`](https://sqlite.org/c3ref/stmt_readonly.html)).
    package var isReadOnly = true

    package init() {}

    /// Built-in functions whose result can change while the data does not (date and time functions are all
    /// listed: the authorizer does not show their arguments, so `date('now')` cannot be told from `date(x)`).
    static let volatileFunctions: Set<String> = [
        "random", "randomblob", "changes", "total_changes", "last_insert_rowid",
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
        "current_date", "current_time", "current_timestamp", "sqlite_offset", "load_extension",
    ]

    /// Records one authorizer call. Arguments are as SQLite passes them (see its authorizer action codes).
    mutating func record(action: Int32, _ first: String?, _ second: String?, database: String?, inner: String?) {
        switch action {
        case SQLITE_READ:
            guard let table = first?.lowercased() else { return }
            if let inner {
                readThrough.insert(inner.lowercased())
            }
            guard let schema = database?.lowercased() else {
                unqualifiedReads.insert(table)
                return
            }
            if schema == "temp" {
                markVolatile("reads the temp table \(table)")
            } else if table.hasPrefix("sqlite_") {
                markVolatile("reads \(table)")
            } else if table.hasPrefix("pragma_") {
                markVolatile("reads the pragma function \(table)")
            } else if schema == "main" {
                tablesRead.insert(table)
            } else {
                attachedDatabasesRead.insert(schema)
                tablesRead.insert("\(schema).\(table)")
            }
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
            guard let table = first?.lowercased() else { return }
            let schema = database?.lowercased() ?? "main"
            tablesWritten.insert(schema == "main" ? table : "\(schema).\(table)")
        case SQLITE_FUNCTION:
            if let name = second?.lowercased(), Self.volatileFunctions.contains(name) {
                markVolatile("calls \(name)()")
            }
        case SQLITE_PRAGMA:
            let name = first?.lowercased() ?? ""
            markVolatile("runs PRAGMA \(name)")
            runsPragma = true
            if second != nil, name == "journal_mode" || name == "locking_mode" {
                changesJournalMode = true
            }
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
            controlsTransaction = true
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_TABLE,
            SQLITE_CREATE_TEMP_TRIGGER, SQLITE_CREATE_TEMP_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_CREATE_VIEW,
            SQLITE_DROP_INDEX, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_TABLE,
            SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_TEMP_VIEW, SQLITE_DROP_TRIGGER, SQLITE_DROP_VIEW,
            SQLITE_ALTER_TABLE, SQLITE_ATTACH, SQLITE_DETACH, SQLITE_CREATE_VTABLE, SQLITE_DROP_VTABLE,
            SQLITE_ANALYZE, SQLITE_REINDEX:
            changesSchema = true
        default:
            break
        }
    }

    /// Completes the analysis once the statement is prepared: views are not tables, and a table read without
    /// a database name is looked up (temp first, as SQLite resolves names, then main).
    mutating func finish(connection: OpaquePointer) {
        for table in unqualifiedReads {
            if Self.tableExists(table, in: "temp", connection) {
                markVolatile("reads the temp table \(table)")
            } else if Self.tableExists(table, in: "main", connection) {
                tablesRead.insert(table)
            } else {
                markVolatile("reads \(table) of an attached database")
            }
        }
        unqualifiedReads = []
        tablesRead.subtract(readThrough)
        readThrough = []
    }

    /// Whether `database` has a table (or view) named `table`
    /// ([`sqlite3_table_column_metadata`](https://sqlite.org/c3ref/table_column_metadata.html) with no column).
    private static func tableExists(_ table: String, in database: String, _ connection: OpaquePointer) -> Bool {
        sqlite3_table_column_metadata(connection, database, table, nil, nil, nil, nil, nil, nil) == SQLITE_OK
    }

    private mutating func markVolatile(_ reason: String) {
        if volatility == nil {
            volatility = reason
        }
    }
}

// MARK: - Authorizer

extension Connection {
    /// Registers the authorizer, which fills ``analysisInProgress`` while this connection prepares a statement.
    ///
    /// It never denies anything (it returns `SQLITE_OK`). The context is `self`, unretained: the callback only
    /// runs inside `sqlite3_prepare_v3` and `sqlite3_step` on this connection, which only run while it is alive.
    func installAuthorizer() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_set_authorizer(handle, { context, action, first, second, database, inner in
            guard let context else { return SQLITE_OK }
            let connection = Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue()
            guard connection.analysisInProgress != nil else { return SQLITE_OK }
            connection.analysisInProgress?.record(
                action: action,
                first.map { String(cString: $0) },
                second.map { String(cString: $0) },
                database: database.map { String(cString: $0) },
                inner: inner.map { String(cString: $0) })
            return SQLITE_OK
        }, context)
    }

    /// Runs `prepare` with the authorizer recording, and returns what it recorded.
    func analyzing<T>(_ prepare: () throws(SQLiteError) -> T) throws(SQLiteError) -> (T, StatementAnalysis) {
        analysisInProgress = StatementAnalysis()
        defer { analysisInProgress = nil }
        let value = try prepare()
        var analysis = analysisInProgress ?? StatementAnalysis()
        analysis.finish(connection: handle)
        return (value, analysis)
    }
}
