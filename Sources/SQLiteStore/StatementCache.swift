/// The connection's prepared statements, keyed by SQL text, so a repeated query is compiled once.
///
/// Statements in the cache are prepared with `SQLITE_PREPARE_PERSISTENT`. A statement that is in use (a query
/// of the same SQL running further up the stack, e.g. from a `map` closure) is not handed out twice: the caller
/// prepares a one-off statement instead.
///
/// The cache holds at most ``capacity`` statements. When it is full, the statements not in use are finalized and
/// dropped, which keeps memory bounded for applications that build SQL dynamically and costs a re-prepare for
/// the others.
///
/// - Note: Not thread-safe. Owned by a ``Connection``, used under the database's lock.
struct StatementCache {
    /// The most statements kept at once.
    let capacity: Int
    private var statements: [String: Statement] = [:]

    init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    /// The number of cached statements.
    var count: Int {
        statements.count
    }

    /// The cached statement for `sql`, or `nil` when there is none.
    ///
    /// - Complexity: O(*n*) in the length of `sql` (hashing), O(1) in the number of cached statements.
    subscript(sql: String) -> Statement? {
        statements[sql]
    }

    /// Adds `statement` under `sql`, dropping the statements not in use first when the cache is full.
    mutating func insert(_ statement: Statement, for sql: String) {
        if statements.count >= capacity {
            for (key, cached) in statements where !cached.isInUse {
                cached.finalize()
                statements[key] = nil
            }
        }
        statements[sql] = statement
    }

    /// Finalizes and drops the statement for `sql`, if any.
    mutating func remove(_ sql: String) {
        statements.removeValue(forKey: sql)?.finalize()
    }

    /// Finalizes and drops every statement, before the connection closes.
    mutating func removeAll() {
        for statement in statements.values {
            statement.finalize()
        }
        statements.removeAll()
    }
}
