import CSQLite
import Synchronization

/// The SQL buffers of the ``Database/capturingQueries(_:)`` calls in progress, by call.
struct QueryCaptures: Sendable {
    var nextID = 0
    var buffers: [Int: [String]] = [:]
}

extension Database {
    // MARK: - Counting statements

    /// The number of statements SQLite has started on this connection since it was opened.
    ///
    /// Counted by SQLite's trace hook ([`sqlite3_trace_v2`](https://sqlite.org/c3ref/trace_v2.html) with
    /// `SQLITE_TRACE_STMT`), so it counts what really ran: each statement of a multi-statement ``execute(_:)``,
    /// each run of a cached statement, the `BEGIN IMMEDIATE`/`COMMIT` of ``inTransaction(_:)``. Statements of
    /// triggers are part of the statement that fired them and are not counted separately. The set-up statements
    /// of the initializer are not counted: a new database starts at 0.
    ///
    /// - Note: Thread-safe and lock-free. Counts statements from every thread using this database.
    public var queryCount: Int {
        startedStatements.load(ordering: .relaxed)
    }

    /// Runs `body` and returns its value with the SQL text of every statement that started on this database
    /// meanwhile, in order.
    ///
    /// ```swift
    /// let (book, statements) = try db.capturingQueries { try repo.book(id: 1) }
    /// // statements == ["SELECT id, title, author_id, price_cents, published_year FROM books WHERE id = ?"]
    /// ```
    ///
    /// The text is the SQL as written, with `?` placeholders (see ``queryCount`` for what counts). Calls nest:
    /// each one captures everything that runs during its own body.
    ///
    /// - Returns: `body`'s value and the statements.
    /// - Throws: Whatever `body` throws; the capture ends either way.
    /// - Note: Thread-safe. It captures statements per database, not per thread: statements other threads run
    ///   on this database during `body` are captured too.
    public func capturingQueries<T>(_ body: () throws -> T) rethrows -> (T, [String]) {
        let id = captures.withLock { captures in
            let id = captures.nextID
            captures.nextID += 1
            captures.buffers[id] = []
            activeCaptureCount.add(1, ordering: .relaxed)
            return id
        }
        let value: T
        do {
            value = try body()
        } catch {
            _ = endCapture(id)
            throw error
        }
        return (value, endCapture(id))
    }

    private func endCapture(_ id: Int) -> [String] {
        captures.withLock { captures in
            activeCaptureCount.subtract(1, ordering: .relaxed)
            return captures.buffers.removeValue(forKey: id) ?? []
        }
    }

    // MARK: - Trace hook

    /// Registers the trace callback. Called once, at the end of `init`.
    ///
    /// The context is `self`, unretained: the hook is removed in `deinit`, and it only fires inside
    /// `sqlite3_step`, which only runs while this object is alive and holds its connection.
    func installTraceHook() {
        let context = Unmanaged.passUnretained(self).toOpaque()
        connection.withLock { connection in
            _ = sqlite3_trace_v2(connection.handle, UInt32(SQLITE_TRACE_STMT), { mask, context, statement, sql in
                guard mask == UInt32(SQLITE_TRACE_STMT), let context, let sql else { return 0 }
                let database = Unmanaged<Database>.fromOpaque(context).takeUnretainedValue()
                database.statementDidStart(
                    OpaquePointer(statement),
                    sql: UnsafePointer(sql.assumingMemoryBound(to: CChar.self)))
                return 0
            }, context)
        }
    }

    /// Counts (and captures) a statement that SQLite starts. Runs inside `sqlite3_step`, on the stepping thread.
    ///
    /// For a trigger, SQLite reports an SQL comment (`-- TRIGGER name`) instead of the statement's own text: those
    /// are skipped, and so is the internal `PRAGMA data_version` of ``externalChangeCount()``. A statement whose own text begins with a comment is still counted: its reported text is the
    /// statement's text (`sqlite3_sql`).
    private func statementDidStart(_ statement: OpaquePointer?, sql: UnsafePointer<CChar>) {
        if sql[0] == 0x2D, sql[1] == 0x2D, sql != UnsafePointer(sqlite3_sql(statement)) {
            return
        }
        let ignored = ignoredStatement.load(ordering: .relaxed)
        if ignored != 0, UInt(bitPattern: statement) == ignored {
            return  // the kept PRAGMA data_version of the change check: internal, not a query
        }
        startedStatements.add(1, ordering: .relaxed)
        guard activeCaptureCount.load(ordering: .relaxed) > 0 else { return }
        let text = String(cString: sql)
        captures.withLock { captures in
            for id in captures.buffers.keys {
                captures.buffers[id]?.append(text)
            }
        }
    }
}
