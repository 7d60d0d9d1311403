import CSQLite

/// Tables a transaction changed: the tables it wrote, or everything (a schema change).
@usableFromInline
package struct TableChanges: Sendable, Hashable {
    /// Lowercased table names; tables of attached databases carry the database's name (`archive.books`).
    package var tables: Set<String> = []
    /// Whether every table must be taken as changed (DDL, a pragma that sets a value, a statement that SQLite
    /// re-prepared while it ran, ...).
    package var everything = false

    package init(tables: Set<String> = [], everything: Bool = false) {
        self.tables = tables
        self.everything = everything
    }

    /// Whether nothing changed.
    package var isEmpty: Bool {
        !everything && tables.isEmpty
    }

    /// Whether a statement that reads `tablesRead` may see one of these changes.
    @usableFromInline
    package func affects(_ tablesRead: Set<String>) -> Bool {
        everything || (!tables.isEmpty && !tables.isDisjoint(with: tablesRead))  // empty: no hashing at all
    }
}

extension Connection {
    // MARK: - Commits

    /// Registers the authorizer and the rollback hook. Called once, when the connection opens.
    ///
    /// The rollback hook ([`sqlite3_rollback_hook`](https://sqlite.org/c3ref/commit_hook.html)) drops the
    /// pending changes: a transaction that rolled back changed nothing. (`ROLLBACK TO` a savepoint does not call
    /// it; what the rolled-back part wrote stays pending, which may invalidate more than needed, never less.)
    func installChangeTracking() {
        installAuthorizer()
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_rollback_hook(handle, { context in
            guard let context else { return }
            Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue().pendingChanges = TableChanges()
        }, context)
    }

    /// Notes what a statement that has just finished (reset or finalized) may have changed, and publishes the
    /// transaction's changes when the connection is back in autocommit mode after a commit.
    ///
    /// The commit hook fires before a commit is final (it can still fail), so "committed" is decided here
    /// instead: after the statement that ended the transaction (or an autocommit statement) has finished and
    /// [`sqlite3_get_autocommit`](https://sqlite.org/c3ref/get_autocommit.html) is true again. A rollback has
    /// emptied the pending changes by then.
    func statementFinished(_ analysis: StatementAnalysis) {
        if analysis.changesJournalMode {
            usesWALIndexCheck = false  // the shared memory may go: never map it again
        }
        if !analysis.isReadOnly || analysis.changesSchema {
            pendingChanges.tables.formUnion(analysis.tablesWritten)
            if analysis.changesSchema {
                pendingChanges.everything = true
            }
        }
        guard !pendingChanges.isEmpty, !isInTransaction else { return }
        let committed = pendingChanges
        pendingChanges = TableChanges()
        for observer in commitObservers.values {
            observer(committed)
        }
    }

    // MARK: - Other connections

    /// The number of changes committed by other connections or processes noticed so far; it moves when one
    /// has committed since the previous call. Always 0 for an in-memory database, which has no other
    /// connection.
    ///
    /// Steps a kept [`PRAGMA data_version`](https://sqlite.org/pragma.html#pragma_data_version) statement (the
    /// trace hook skips it: it is not counted as a query). Its value changes when another connection has
    /// committed, and not for this connection's own commits.
    ///
    /// - Parameter prepared: Called with the statement's handle when it is prepared, before its first step.
    func externalChangeCount(prepared: (OpaquePointer) -> Void) throws(SQLiteError) -> UInt64 {
        guard isFile else { return 0 }
        // The fast path: in WAL mode, every commit (of any process) rewrites the WAL-index header before it
        // returns. Unchanged since it was read before the last full check: nothing committed since.
        let header = usesWALIndexCheck ? WALIndexHeader(connection: handle) : nil
        if let header, header == walIndexHeaderAtLastCheck {
            return externalChanges
        }
        defer { walIndexHeaderAtLastCheck = header }
        let statement: Statement
        if let kept = dataVersionStatement {
            statement = kept
        } else {
            prepareCount += 1
            statement = try Statement.prepareSingle("PRAGMA main.data_version", connection: handle, cached: true)
            dataVersionStatement = statement
            if let handle = statement.handle {
                prepared(handle)
            }
        }
        defer { statement.reset() }
        guard try statement.step(), let handle = statement.handle else {
            throw .misuse("PRAGMA data_version returned no row", sql: statement.sql)
        }
        let version = sqlite3_column_int64(handle, 0)
        if let last = lastDataVersion, last != version {
            externalChanges &+= 1
        }
        lastDataVersion = version
        return externalChanges
    }
}

/// The first copy of the WAL-index header, as raw words: equal copies mean no commit in between.
struct WALIndexHeader: Equatable {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// The header of `connection`'s main database, or `nil` when it has no WAL-index.
    init?(connection: OpaquePointer) {
        let found = withUnsafeMutableBytes(of: &words) { buffer in
            locmem_wal_index_header(connection, buffer.baseAddress!.assumingMemoryBound(to: UInt64.self))
        }
        guard found != 0 else { return nil }
    }

    static func == (lhs: WALIndexHeader, rhs: WALIndexHeader) -> Bool {
        lhs.words == rhs.words
    }
}

extension Connection {
    /// The journal mode (`wal`, `delete`, ...), read with a statement the trace hook never sees (it runs while
    /// the connection opens, before the hook is installed).
    func journalMode() throws(SQLiteError) -> String? {
        let statement = try Statement.prepareSingle("PRAGMA journal_mode", connection: handle, cached: false)
        defer { statement.finalize() }
        guard try statement.step(), let handle = statement.handle, let text = sqlite3_column_text(handle, 0) else {
            return nil
        }
        return String(cString: text).lowercased()
    }
}
