import CSQLite

/// An error reported by SQLite, or by this wrapper when a call cannot be carried out.
///
/// It carries SQLite's result code, its message and the SQL that failed, and is matched in `catch`:
///
/// ```swift
/// do {
///     try db.execute("INSERT INTO books(id, title) VALUES (?, ?)", [1, "Dune"])
/// } catch let error as SQLiteError where error.code == 19 {   // SQLITE_CONSTRAINT
///     print(error)   // SQLite error 19 (SQLITE_CONSTRAINT): UNIQUE constraint failed: books.id — in: INSERT ...
/// }
/// ```
///
/// Errors that this wrapper raises itself use the closest SQLite code: `SQLITE_MISMATCH` (20) for a column read
/// as the wrong type or a `NULL`, `SQLITE_RANGE` (25) for a column index or argument count out of range,
/// `SQLITE_ERROR` (1) for an unknown column name, `SQLITE_MISUSE` (21) for SQL that does not fit the call.
///
/// See <https://sqlite.org/rescode.html> for the result codes.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The primary result code, such as 19 (`SQLITE_CONSTRAINT`). See ``extendedCode`` for the detail.
    public var code: Int32
    /// The extended result code, such as 2067 (`SQLITE_CONSTRAINT_UNIQUE`); equal to ``code`` when SQLite
    /// gave no extended code.
    public var extendedCode: Int32
    /// SQLite's message (from [`sqlite3_errmsg`](https://sqlite.org/c3ref/errcode.html)) or this wrapper's.
    public var message: String
    /// The SQL being run when the error happened, if any.
    public var sql: String?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: A primary or extended SQLite result code. ``code`` keeps its primary part (the low 8 bits),
    ///     ``extendedCode`` the whole.
    ///   - message: What went wrong.
    ///   - sql: The SQL that failed, if any.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = code
        self.message = message
        self.sql = sql
    }

    /// The symbolic name of ``code``, such as `SQLITE_CONSTRAINT`.
    public var codeName: String {
        let names = [
            "SQLITE_OK", "SQLITE_ERROR", "SQLITE_INTERNAL", "SQLITE_PERM", "SQLITE_ABORT", "SQLITE_BUSY",
            "SQLITE_LOCKED", "SQLITE_NOMEM", "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR",
            "SQLITE_CORRUPT", "SQLITE_NOTFOUND", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL",
            "SQLITE_EMPTY", "SQLITE_SCHEMA", "SQLITE_TOOBIG", "SQLITE_CONSTRAINT", "SQLITE_MISMATCH",
            "SQLITE_MISUSE", "SQLITE_NOLFS", "SQLITE_AUTH", "SQLITE_FORMAT", "SQLITE_RANGE", "SQLITE_NOTADB",
            "SQLITE_NOTICE", "SQLITE_WARNING",
        ]
        switch code {
        case 0..<Int32(names.count): return names[Int(code)]
        case SQLITE_ROW: return "SQLITE_ROW"
        case SQLITE_DONE: return "SQLITE_DONE"
        default: return "unknown result code"
        }
    }

    /// `SQLite error 19 (SQLITE_CONSTRAINT): UNIQUE constraint failed: books.id — in: INSERT ...`
    public var description: String {
        var text = "SQLite error \(code) (\(codeName)): \(message)"
        if let sql {
            text += " — in: \(sql)"
        }
        return text
    }
}

extension SQLiteError {
    /// The error that `connection` reports after a call returned `code`, with SQLite's message.
    ///
    /// Must be called right after the failing call, before anything else runs on the connection.
    init(code: Int32, connection: OpaquePointer?, sql: String? = nil) {
        var extended = code
        var message: String
        if let connection {
            // With sqlite3_prepare_v3 and sqlite3_step, the connection's error is the call's error.
            let connectionExtended = sqlite3_extended_errcode(connection)
            if connectionExtended & 0xFF == code & 0xFF {
                extended = connectionExtended
            }
            message = String(cString: sqlite3_errmsg(connection))
        } else {
            message = String(cString: sqlite3_errstr(code))
        }
        if message.isEmpty || message == "not an error" {
            message = String(cString: sqlite3_errstr(code))
        }
        self.init(code: extended, message: message, sql: sql)
    }

    /// This wrapper's own error for a value read as the wrong type, or a `NULL` read as a value.
    static func mismatch(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLITE_MISMATCH, message: message, sql: sql)
    }

    /// This wrapper's own error for an index or a count out of range.
    static func range(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLITE_RANGE, message: message, sql: sql)
    }

    /// This wrapper's own error for a call the SQL does not fit.
    static func misuse(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}
