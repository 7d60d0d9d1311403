import Synchronization
import CSQLite

/// The connection's change state at one moment, for a reader that must know whether a result is current.
@usableFromInline
package struct ChangeState: Sendable {
    /// Commits by other connections or processes noticed so far (see ``Database/externalChangeCount()``).
    @usableFromInline package var externalChanges: UInt64
    /// What the open transaction has written and not committed yet; empty outside a transaction.
    @usableFromInline package var uncommitted: TableChanges
    /// Whether the calling thread held the connection when the state was taken: it is inside
    /// ``Database/inTransaction(_:)`` or a `map` closure (or, for ``ReadContext/state``, the read itself).
    @usableFromInline package var callerHoldsConnection: Bool
}

/// What ``Database/read(_:_:firstRowOnly:beforeRun:map:)`` tells its caller before it runs the statement.
package struct ReadContext {
    /// What the statement reads and writes, from the authorizer.
    package var analysis: StatementAnalysis
    /// The change state, taken before the statement runs.
    package var state: ChangeState
}

extension Database {
    // MARK: - Change tracking (package)

    /// Registers `observer`, called with what each transaction changed once it has committed (on the committing
    /// thread, while the connection is held: it must be quick and must not use this database). Writes made by
    /// any code on this connection are seen, through whatever API they ran.
    ///
    /// - Returns: An id for ``removeCommitObserver(_:)``.
    package func addCommitObserver(_ observer: @escaping @Sendable (TableChanges) -> Void) -> Int {
        connection.withLock { connection in
            let id = connection.nextObserverID
            connection.nextObserverID += 1
            connection.commitObservers[id] = observer
            return id
        }
    }

    /// Unregisters an observer added by ``addCommitObserver(_:)``.
    package func removeCommitObserver(_ id: Int) {
        connection.withLock { connection in
            connection.commitObservers[id] = nil
        }
    }

    /// The number of commits by other connections or processes noticed so far: it has moved when one has
    /// committed since the previous call returned. Always 0 in memory.
    ///
    /// Runs SQLite's `PRAGMA data_version` through a kept statement that ``queryCount`` and
    /// ``capturingQueries(_:)`` do not see.
    ///
    /// - Note: Thread-safe; takes the connection.
    package func externalChangeCount() throws(SQLiteError) -> UInt64 {
        try changeState().externalChanges
    }

    /// The change state now: external commits noticed (see ``externalChangeCount()``) and, inside a
    /// transaction, what it has written so far.
    ///
    /// Other threads than the connection's holder need not wait for it: in memory no other connection commits
    /// (and only the thread holding the connection can be inside one of its transactions); on a file, when no
    /// transaction is open and the WAL-index header has not moved since the connection's last full check (see
    /// ``ChangeCheckShortcut``), nothing has committed since. Otherwise the check takes the connection.
    @usableFromInline
    package func changeState() throws(SQLiteError) -> ChangeState {
        let callerHoldsConnection = connection.isHeldByCurrentThread
        if !callerHoldsConnection {
            if !isFile {
                return ChangeState(externalChanges: 0, uncommitted: TableChanges(), callerHoldsConnection: false)
            }
            if let external = changeCheckShortcut.currentExternalChanges() {
                return ChangeState(externalChanges: external, uncommitted: TableChanges(), callerHoldsConnection: false)
            }
        }
        return try connection.withLock { (connection) throws(SQLiteError) -> ChangeState in
            try connection.changeState(ignoring: ignoredStatement, callerHoldsConnection: callerHoldsConnection)
        }
    }

    /// What `sql` reads and writes, from SQLite's authorizer, as of the current schema.
    ///
    /// - Throws: ``SQLiteError`` when `sql` does not compile or is not exactly one statement.
    package func analysis(of sql: String) throws(SQLiteError) -> StatementAnalysis {
        try connection.withLock { (connection) throws(SQLiteError) -> StatementAnalysis in
            let statement = try connection.checkOutStatement(sql)
            defer { connection.release(statement) }
            return statement.analysis
        }
    }

    /// Runs a query as ``query(_:_:map:)`` does, after giving `beforeRun` the statement's analysis and the
    /// change state, all with the connection held.
    ///
    /// - Parameters:
    ///   - firstRowOnly: Stop after the first row, as ``queryFirst(_:_:map:)``.
    ///   - beforeRun: Sees the statement before it runs; an error it throws stops the call.
    /// - Returns: The mapped rows, and when SQLite re-prepared the statement while it ran (a schema change, so
    ///   the analysis `beforeRun` saw may not describe this run), the statement's new analysis; else `nil`.
    package func read<T>(
        _ sql: String,
        _ arguments: [SQLiteValue],
        firstRowOnly: Bool,
        beforeRun: (ReadContext) throws -> Void,
        map: (Row) throws -> T
    ) throws -> (values: [T], reanalysis: StatementAnalysis?) {
        try connection.withLock { (connection) throws -> ([T], StatementAnalysis?) in
            let state = try connection.changeState(ignoring: ignoredStatement, callerHoldsConnection: true)
            let statement = try connection.checkOutStatement(sql)
            var released = false
            defer {
                if !released { connection.release(statement) }
            }
            try beforeRun(ReadContext(analysis: statement.analysis, state: state))
            try statement.bind(arguments)
            var values: [T] = []
            while try statement.step() {
                values.append(try map(Row(statement: statement)))
                if firstRowOnly { break }
            }
            let reprepared = statement.isAnalysisStale
            released = true
            connection.release(statement)  // analyses a re-prepared statement again
            return (values, reprepared ? statement.analysis : nil)
        }
    }
}

extension Connection {
    fileprivate func changeState(
        ignoring ignored: borrowing Atomic<UInt>, callerHoldsConnection: Bool
    ) throws(SQLiteError) -> ChangeState {
        let external = try externalChangeCount { handle in
            ignored.store(UInt(bitPattern: handle), ordering: .relaxed)
        }
        return ChangeState(
            externalChanges: external, uncommitted: isInTransaction ? pendingChanges : TableChanges(),
            callerHoldsConnection: callerHoldsConnection)
    }
}
