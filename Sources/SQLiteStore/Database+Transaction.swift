extension Database {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// ```swift
    /// try db.inTransaction {
    ///     try db.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [100, 1])
    ///     try db.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", [100, 2])
    /// }
    /// ```
    ///
    /// Starts with `BEGIN IMMEDIATE`, so the write lock is taken up front and the transaction cannot fail later
    /// with `SQLITE_BUSY` for upgrading a read; ends with `COMMIT`, or `ROLLBACK` when `body` throws. Called inside
    /// another transaction, it uses a savepoint instead (`SAVEPOINT`, then `RELEASE` or `ROLLBACK TO`), so only
    /// the inner body's changes are undone. These statements are real statements: they show in ``queryCount``
    /// and ``capturingQueries(_:)``.
    ///
    /// See <https://sqlite.org/lang_transaction.html> and <https://sqlite.org/lang_savepoint.html>.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: The error `body` threw, unchanged, after rolling back; or ``SQLiteError`` when the transaction
    ///   cannot begin or commit (it is rolled back then too).
    /// - Note: Thread-safe. The connection is held for the whole body, so other threads' statements wait and
    ///   never run inside the transaction. `body` runs statements through this same `Database`; it must not wait
    ///   for another thread that uses it.
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try connection.withLock { (connection) throws -> T in
            let nested = connection.isInTransaction
            try connection.run(nested ? "SAVEPOINT locmem_transaction" : "BEGIN IMMEDIATE")
            let value: T
            do {
                value = try body()
            } catch {
                connection.undo(nested: nested)
                throw error
            }
            do throws(SQLiteError) {
                try connection.run(nested ? "RELEASE SAVEPOINT locmem_transaction" : "COMMIT")
            } catch {
                connection.undo(nested: nested)
                throw error
            }
            return value
        }
    }
}

extension Connection {
    /// Rolls back the transaction or savepoint `inTransaction` opened, if it is still open.
    ///
    /// Errors are ignored: the caller is already throwing the error that matters, and SQLite may have rolled
    /// back by itself (after `SQLITE_FULL`, `SQLITE_IOERR`, ...).
    fileprivate func undo(nested: Bool) {
        guard isInTransaction else { return }
        if nested {
            try? run("ROLLBACK TO SAVEPOINT locmem_transaction")
            try? run("RELEASE SAVEPOINT locmem_transaction")
        } else {
            try? run("ROLLBACK")
        }
    }
}
