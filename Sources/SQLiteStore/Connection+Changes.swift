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
            stopWALIndexCheck()
        }
        if changeCheckShortcutIsOpen != changeCheckMayBeShortcut {
            publishChangeCheck()  // a transaction began or ended
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
        let header = usesWALIndexCheck ? walIndexHeader() : nil
        if let header, header == walIndexHeaderAtLastCheck {
            return externalChanges
        }
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
        // Only now: a check that failed has not seen the commits since the header it read.
        walIndexHeaderAtLastCheck = header
        publishChangeCheck()
        return externalChanges
    }
}

extension Connection {
    /// The WAL-index header of the main database now, or `nil` when it has no WAL-index.
    ///
    /// The mapped region is looked up (a file control and the VFS's `xShmMap`, which takes a mutex) once and
    /// kept in ``walIndexRegion``: SQLite unmaps it only when this connection closes its WAL, that is when it
    /// closes or when a `journal_mode`/`locking_mode` pragma runs, and ``stopWALIndexCheck()`` drops it before
    /// such a pragma steps. Saves about 200 instructions (and a mutex) on every cached read of a file.
    func walIndexHeader() -> WALIndexHeader? {
        if walIndexRegion == nil {
            walIndexRegion = locmem_wal_index_region(handle)
        }
        guard let region = walIndexRegion else { return nil }
        changeCheckShortcut.mapRegion(like: region)
        return WALIndexHeader(region: region)
    }

    /// Stops comparing the WAL-index header, for good, and forgets its mapping: the shared memory may go (a
    /// statement that changes the journal or locking mode is about to run, or has run). Closes
    /// ``changeCheckShortcut``.
    func stopWALIndexCheck() {
        usesWALIndexCheck = false
        walIndexRegion = nil
        changeCheckShortcut.retire()
        changeCheckShortcutIsOpen = false
    }

    /// Whether other threads may skip the connection for their change checks now: WAL mode, the last full check's
    /// header known, and no transaction open (its uncommitted changes are only known with the connection held).
    var changeCheckMayBeShortcut: Bool {
        usesWALIndexCheck && walIndexHeaderAtLastCheck != nil && !isInTransaction
    }

    /// Publishes the last full change check in ``changeCheckShortcut``, open or closed as
    /// ``changeCheckMayBeShortcut`` says. Called with the connection held.
    func publishChangeCheck() {
        let isOpen = changeCheckMayBeShortcut
        changeCheckShortcut.publish(isOpen: isOpen, header: walIndexHeaderAtLastCheck, externalChanges: externalChanges)
        changeCheckShortcutIsOpen = isOpen
    }
}

/// The first copy of the WAL-index header, as raw words: equal copies mean no commit in between.
struct WALIndexHeader: Equatable {
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// The header in a region from `locmem_wal_index_region`.
    init(region: UnsafeRawPointer) {
        withUnsafeMutableBytes(of: &words) { buffer in
            locmem_wal_index_header(region, buffer.baseAddress!.assumingMemoryBound(to: UInt64.self))
        }
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
