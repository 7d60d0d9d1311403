/// Why ``CachedDatabase`` refused a statement. SQLite's own errors (bad SQL, an unknown table) are thrown as
/// `SQLiteError`.
public enum QueryCacheError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The statement passed to ``CachedDatabase/query(_:_:map:)`` or ``CachedDatabase/queryFirst(_:_:map:)``
    /// may change the database (`INSERT`, `UPDATE`, `DELETE`, DDL, a writing pragma) or controls a transaction
    /// (`BEGIN`, `COMMIT`, ...). Run it with ``CachedDatabase/execute(_:_:)`` instead. Nothing was run.
    case notReadOnly(sql: String)
    /// The statement reads a table of an attached database. Commits by other connections to an attached file
    /// cannot be seen, so such reads are refused rather than cached unsafely; query them through
    /// ``CachedDatabase/database`` directly. Nothing was run.
    case attachedDatabase(name: String, sql: String)

    /// `not a read-only statement (use execute): DELETE FROM books`
    public var description: String {
        switch self {
        case .notReadOnly(let sql):
            "not a read-only statement (run writes with execute): \(sql)"
        case .attachedDatabase(let name, let sql):
            "reads the attached database '\(name)', whose changes by other connections cannot be seen: \(sql)"
        }
    }
}
