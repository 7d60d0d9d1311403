import CSQLite

/// The current row of a query, read by column index (0-based) or column name.
///
/// A row is a view of the statement SQLite is stepping, not a copy: it is valid only inside the `map` closure of
/// ``Database/query(_:_:map:)`` or ``Database/queryFirst(_:_:map:)`` that received it. Reading it later throws
/// `SQLITE_MISUSE` (the non-throwing accessors return `NULL`/0); it never reads another row's data or freed memory.
///
/// Typed accessors are strict: ``int(_:)-(Int)`` reads only `INTEGER` values, ``string(_:)-(Int)`` only `TEXT`,
/// ``blob(_:)-(Int)`` only `BLOB`; ``double(_:)-(Int)`` reads `REAL` and `INTEGER`. A `NULL`, another type, an
/// index out of range or an unknown column name throws ``SQLiteError``, naming the column. Use ``isNull(_:)-(Int)``
/// or ``value(_:)-(Int)`` for nullable columns.
///
/// ```swift
/// let books = try db.query("SELECT id, title, subtitle FROM books") { row in
///     (id: try row.int64(0), title: try row.string("title"), subtitle: row.isNull(2) ? nil : try row.string(2))
/// }
/// ```
///
/// - Note: Not `Sendable`: a row belongs to the thread running its query.
///
/// See <https://sqlite.org/c3ref/column_blob.html>.
public struct Row {
    let statement: Statement
    let generation: UInt64

    init(statement: Statement) {
        self.statement = statement
        self.generation = statement.generation
    }

    // MARK: - Shape

    /// The number of columns in the row.
    ///
    /// Mirrors [`sqlite3_column_count`](https://sqlite.org/c3ref/column_count.html). 0 for a row used outside
    /// its `map` closure.
    public var columnCount: Int {
        guard let handle = validHandle else { return 0 }
        return Int(sqlite3_column_count(handle))
    }

    /// The names of the columns, in order, as SQLite reports them (the `AS` alias when there is one).
    ///
    /// Mirrors [`sqlite3_column_name`](https://sqlite.org/c3ref/column_name.html).
    public var columnNames: [String] {
        guard validHandle != nil else { return [] }
        return statement.columnNames
    }

    // MARK: - By index

    /// The integer in column `index`.
    ///
    /// Mirrors [`sqlite3_column_int64`](https://sqlite.org/c3ref/column_blob.html).
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_MISMATCH` when the value is `NULL` or not an `INTEGER` (or does not
    ///   fit `Int`), `SQLITE_RANGE` when there is no such column.
    public func int(_ index: Int) throws(SQLiteError) -> Int {
        let value = try int64(index)
        guard let int = Int(exactly: value) else {
            throw .mismatch("\(columnDescription(index)) holds \(value), which does not fit Int", sql: statement.sql)
        }
        return int
    }

    /// The 64-bit integer in column `index`.
    ///
    /// Mirrors [`sqlite3_column_int64`](https://sqlite.org/c3ref/column_blob.html).
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_MISMATCH` when the value is `NULL` or not an `INTEGER`,
    ///   `SQLITE_RANGE` when there is no such column.
    public func int64(_ index: Int) throws(SQLiteError) -> Int64 {
        let handle = try checkedHandle(index, expecting: SQLITE_INTEGER, "INTEGER")
        return sqlite3_column_int64(handle, Int32(index))
    }

    /// The floating-point number in column `index`; an `INTEGER` value is converted.
    ///
    /// Mirrors [`sqlite3_column_double`](https://sqlite.org/c3ref/column_blob.html).
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_MISMATCH` when the value is `NULL`, `TEXT` or `BLOB`, `SQLITE_RANGE`
    ///   when there is no such column.
    public func double(_ index: Int) throws(SQLiteError) -> Double {
        let handle = try liveHandle(index)
        let type = sqlite3_column_type(handle, Int32(index))
        guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else {
            throw mismatch(index, type: type, expected: "REAL")
        }
        return sqlite3_column_double(handle, Int32(index))
    }

    /// The text in column `index`.
    ///
    /// Mirrors [`sqlite3_column_text`](https://sqlite.org/c3ref/column_blob.html). Embedded NUL characters are
    /// kept; invalid UTF-8 is repaired with U+FFFD.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_MISMATCH` when the value is `NULL` or not `TEXT`, `SQLITE_RANGE` when
    ///   there is no such column.
    public func string(_ index: Int) throws(SQLiteError) -> String {
        let handle = try checkedHandle(index, expecting: SQLITE_TEXT, "TEXT")
        // sqlite3_column_text first, then sqlite3_column_bytes, as the SQLite docs require.
        guard let text = sqlite3_column_text(handle, Int32(index)) else {
            return try emptyOrOutOfMemory(handle)
        }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The bytes in column `index`.
    ///
    /// Mirrors [`sqlite3_column_blob`](https://sqlite.org/c3ref/column_blob.html).
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_MISMATCH` when the value is `NULL` or not a `BLOB`, `SQLITE_RANGE`
    ///   when there is no such column.
    public func blob(_ index: Int) throws(SQLiteError) -> [UInt8] {
        let handle = try checkedHandle(index, expecting: SQLITE_BLOB, "BLOB")
        guard let bytes = sqlite3_column_blob(handle, Int32(index)) else {
            return try emptyOrOutOfMemory(handle)  // a zero-length blob has a NULL pointer
        }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Whether column `index` is `NULL`. `true` as well for an index out of range or a row used outside its
    /// `map` closure.
    ///
    /// Mirrors [`sqlite3_column_type`](https://sqlite.org/c3ref/column_blob.html).
    public func isNull(_ index: Int) -> Bool {
        guard let handle = try? liveHandle(index) else { return true }
        return sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    /// The value in column `index`, whatever its type. ``SQLiteValue/null`` as well for an index out of range
    /// or a row used outside its `map` closure.
    ///
    /// Mirrors [`sqlite3_column_type`](https://sqlite.org/c3ref/column_blob.html) and the typed
    /// `sqlite3_column_*` functions.
    public func value(_ index: Int) -> SQLiteValue {
        guard let handle = try? liveHandle(index) else { return .null }
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, Int32(index)))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, Int32(index)))
        case SQLITE_TEXT:
            return (try? string(index)).map { .text($0) } ?? .null
        case SQLITE_BLOB:
            return (try? blob(index)).map { .blob($0) } ?? .null
        default:
            return .null
        }
    }

    // MARK: - By name

    /// The integer in the column named `column`. See ``int(_:)-(Int)``.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_ERROR` naming the column when the row has none of that name, and the
    ///   errors of ``int(_:)-(Int)``.
    /// - Complexity: O(1) after the first lookup by name on the statement.
    public func int(_ column: String) throws(SQLiteError) -> Int {
        try int(index(of: column))
    }

    /// The 64-bit integer in the column named `column`. See ``int64(_:)-(Int)``.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_ERROR` naming the column when the row has none of that name, and the
    ///   errors of ``int64(_:)-(Int)``.
    public func int64(_ column: String) throws(SQLiteError) -> Int64 {
        try int64(index(of: column))
    }

    /// The floating-point number in the column named `column`. See ``double(_:)-(Int)``.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_ERROR` naming the column when the row has none of that name, and the
    ///   errors of ``double(_:)-(Int)``.
    public func double(_ column: String) throws(SQLiteError) -> Double {
        try double(index(of: column))
    }

    /// The text in the column named `column`. See ``string(_:)-(Int)``.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_ERROR` naming the column when the row has none of that name, and the
    ///   errors of ``string(_:)-(Int)``.
    public func string(_ column: String) throws(SQLiteError) -> String {
        try string(index(of: column))
    }

    /// The bytes in the column named `column`. See ``blob(_:)-(Int)``.
    ///
    /// - Throws: ``SQLiteError``: `SQLITE_ERROR` naming the column when the row has none of that name, and the
    ///   errors of ``blob(_:)-(Int)``.
    public func blob(_ column: String) throws(SQLiteError) -> [UInt8] {
        try blob(index(of: column))
    }

    /// Whether the column named `column` is `NULL`.
    ///
    /// - Throws: ``SQLiteError`` (`SQLITE_ERROR`) naming the column when the row has none of that name.
    public func isNull(_ column: String) throws(SQLiteError) -> Bool {
        isNull(try index(of: column))
    }

    /// The value in the column named `column`, whatever its type.
    ///
    /// - Throws: ``SQLiteError`` (`SQLITE_ERROR`) naming the column when the row has none of that name.
    public func value(_ column: String) throws(SQLiteError) -> SQLiteValue {
        value(try index(of: column))
    }

    /// The index of the leftmost column named `column` (exact match first, then case-insensitive).
    ///
    /// - Throws: ``SQLiteError`` (`SQLITE_ERROR`) naming the column and listing the row's columns.
    public func index(of column: String) throws(SQLiteError) -> Int {
        _ = try validatedHandle()
        guard let index = statement.columnIndex(named: column) else {
            let known = statement.columnNames.map { "'\($0)'" }.joined(separator: ", ")
            throw SQLiteError(
                code: SQLITE_ERROR,
                message: "no column named '\(column)' in the result (columns: \(known))",
                sql: statement.sql)
        }
        return index
    }

    // MARK: - Checks

    /// The statement handle, when this row is still the statement's current row.
    private var validHandle: OpaquePointer? {
        statement.generation == generation ? statement.handle : nil
    }

    private func validatedHandle() throws(SQLiteError) -> OpaquePointer {
        guard let handle = validHandle else {
            throw .misuse("row used outside the map closure of its query", sql: statement.sql)
        }
        return handle
    }

    /// The handle, after checking the row is current and `index` is a column.
    private func liveHandle(_ index: Int) throws(SQLiteError) -> OpaquePointer {
        let handle = try validatedHandle()
        let count = Int(sqlite3_column_count(handle))
        guard index >= 0 && index < count else {
            throw .range("column index \(index) out of range (the result has \(count) column(s))", sql: statement.sql)
        }
        return handle
    }

    /// The handle, after checking the column holds a value of the `expected` storage class.
    private func checkedHandle(
        _ index: Int,
        expecting expected: Int32,
        _ expectedName: String
    ) throws(SQLiteError) -> OpaquePointer {
        let handle = try liveHandle(index)
        let type = sqlite3_column_type(handle, Int32(index))
        guard type == expected else {
            throw mismatch(index, type: type, expected: expectedName)
        }
        return handle
    }

    private func mismatch(_ index: Int, type: Int32, expected: String) -> SQLiteError {
        let actual: String
        switch type {
        case SQLITE_INTEGER: actual = "INTEGER"
        case SQLITE_FLOAT: actual = "REAL"
        case SQLITE_TEXT: actual = "TEXT"
        case SQLITE_BLOB: actual = "BLOB"
        default: actual = "NULL"
        }
        let detail = actual == "NULL" ? "is NULL" : "holds \(actual)"
        return .mismatch("\(columnDescription(index)) \(detail), not \(expected)", sql: statement.sql)
    }

    /// `column 1 ('title')`
    private func columnDescription(_ index: Int) -> String {
        guard let handle = validHandle, let name = sqlite3_column_name(handle, Int32(index)) else {
            return "column \(index)"
        }
        return "column \(index) ('\(String(cString: name))')"
    }

    /// An empty value for a NULL pointer, unless SQLite ran out of memory making it.
    private func emptyOrOutOfMemory<Empty: RangeReplaceableCollection>(
        _ handle: OpaquePointer
    ) throws(SQLiteError) -> Empty {
        let connection = sqlite3_db_handle(handle)
        if let connection, sqlite3_errcode(connection) == SQLITE_NOMEM {
            throw SQLiteError(code: SQLITE_NOMEM, connection: connection, sql: statement.sql)
        }
        return Empty()
    }
}
