/// A value SQLite stores or returns: one of its five storage classes.
///
/// Use it to bind statement arguments and to read a column whose type is not known in advance
/// (``Row/value(_:)-(Int)``). Literals build values directly:
///
/// ```swift
/// try db.execute("INSERT INTO books(id, title, price) VALUES (?, ?, ?)", [1, "Dune", 9.99])
/// try db.execute("UPDATE books SET subtitle = ? WHERE id = ?", [nil, 1])
/// ```
///
/// See <https://sqlite.org/datatype3.html> for SQLite's storage classes.
public enum SQLiteValue: Sendable, Hashable {
    /// A signed 64-bit integer (`INTEGER`).
    case integer(Int64)
    /// An IEEE 754 double (`REAL`).
    case real(Double)
    /// A UTF-8 string (`TEXT`).
    case text(String)
    /// Raw bytes (`BLOB`). An empty blob stays an empty blob, never `NULL`.
    case blob([UInt8])
    /// SQL `NULL`.
    case null
}

extension SQLiteValue {
    /// The SQL name of the value's storage class: `INTEGER`, `REAL`, `TEXT`, `BLOB` or `NULL`.
    public var storageClassName: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        case .null: "NULL"
        }
    }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    /// Creates an ``integer(_:)`` value from an integer literal.
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    /// Creates a ``real(_:)`` value from a floating-point literal.
    public init(floatLiteral value: Double) {
        self = .real(value)
    }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    /// Creates a ``text(_:)`` value from a string literal.
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    /// Creates an ``integer(_:)`` value, 1 for `true` and 0 for `false`, as SQLite stores booleans.
    public init(booleanLiteral value: Bool) {
        self = .integer(value ? 1 : 0)
    }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    /// Creates the ``null`` value from `nil`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension SQLiteValue: CustomStringConvertible {
    /// The value as it would read in SQL: `42`, `1.5`, `'it''s'`, `x'00ff'`, `NULL`.
    public var description: String {
        switch self {
        case .integer(let value):
            return String(value)
        case .real(let value):
            return String(value)
        case .text(let value):
            var quoted = "'"
            for character in value {
                quoted.append(character == "'" ? "''" : String(character))
            }
            return quoted + "'"
        case .blob(let bytes):
            let digits: [Character] = Array("0123456789abcdef")
            var hex = "x'"
            for byte in bytes {
                hex.append(digits[Int(byte >> 4)])
                hex.append(digits[Int(byte & 0x0F)])
            }
            return hex + "'"
        case .null:
            return "NULL"
        }
    }
}
