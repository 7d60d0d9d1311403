import SQLiteStore

/// The bound values of a read, as the read path sees them: an array, or one value held without an array (so that a
/// hit of ``CachedDatabase/query(_:_:map:)`` allocates nothing).
@usableFromInline
protocol QueryArguments {
    /// Calls `body` with the values, in place.
    func withValues<Result>(_ body: (UnsafeBufferPointer<SQLiteValue>) throws -> Result) rethrows -> Result
    /// The values as an array, for a miss (which runs the statement and keeps them in its result).
    var array: [SQLiteValue] { get }
}

extension Array: QueryArguments where Element == SQLiteValue {
    @inlinable
    func withValues<Result>(_ body: (UnsafeBufferPointer<SQLiteValue>) throws -> Result) rethrows -> Result {
        try withUnsafeBufferPointer(body)
    }

    @inlinable
    var array: [SQLiteValue] { self }
}

/// One bound value.
@usableFromInline
struct SingleArgument: QueryArguments {
    @usableFromInline let value: SQLiteValue

    @inlinable
    init(_ value: SQLiteValue) {
        self.value = value
    }

    @inlinable
    func withValues<Result>(_ body: (UnsafeBufferPointer<SQLiteValue>) throws -> Result) rethrows -> Result {
        try withUnsafePointer(to: value) { try body(UnsafeBufferPointer(start: $0, count: 1)) }
    }

    @usableFromInline
    var array: [SQLiteValue] { [value] }
}
