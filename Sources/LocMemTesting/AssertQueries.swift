import SQLiteStore
import Testing

/// Checks that `body` runs exactly `expected` SQL statements on `database`, like Django's `assertNumQueries`.
///
/// ```swift
/// @Test func secondLookupIsServedFromTheCache() throws {
///     try assertQueries(1, on: db) { _ = try repo.book(id: 1) }   // miss: one SELECT
///     try assertQueries(0, on: db) { _ = try repo.book(id: 1) }   // hit: no SQL
/// }
/// ```
///
/// Statements are counted and recorded by SQLite's trace hook (``Database/capturingQueries(_:)``): every
/// statement SQLite starts counts, including a transaction's `BEGIN IMMEDIATE` and `COMMIT`. When the count
/// differs, a Swift Testing issue is recorded at the caller's line, listing every statement that ran:
///
/// ```
/// Expected 1 SQL statement, 2 ran:
///   1. SELECT id, title FROM books WHERE id = ?
///   2. SELECT id, name FROM authors WHERE id = ?
/// ```
///
/// - Parameters:
///   - expected: The number of statements `body` must run.
///   - database: The database to watch.
///   - sourceLocation: Where to report a failure; the caller's line by default.
///   - body: The code under test.
/// - Returns: What `body` returns.
/// - Throws: Whatever `body` throws, unchanged; nothing is checked then.
/// - Note: Statements other threads run on `database` during `body` are counted too: keep concurrent work out
///   of the block, or expect it.
@discardableResult
public func assertQueries<T>(
    _ expected: Int,
    on database: Database,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) rethrows -> T {
    let (value, statements) = try database.capturingQueries(body)
    if let mismatch = QueryCountMismatch(expected: expected, statements: statements) {
        Issue.record(Comment(rawValue: mismatch.description), sourceLocation: sourceLocation)
    }
    return value
}

/// A block ran another number of SQL statements than expected.
///
/// Its ``description`` is the failure message of ``assertQueries(_:on:sourceLocation:_:)``; build one yourself to
/// report a mismatch outside Swift Testing (e.g. `XCTFail(String(describing: mismatch))`).
public struct QueryCountMismatch: Sendable, Hashable, CustomStringConvertible {
    /// The number of statements the block should have run.
    public var expected: Int
    /// The SQL of each statement that ran, in order.
    public var statements: [String]

    /// A mismatch, or `nil` when `statements` has the `expected` count.
    public init?(expected: Int, statements: [String]) {
        guard statements.count != expected else { return nil }
        self.expected = expected
        self.statements = statements
    }

    /// `Expected 1 SQL statement, 2 ran:` followed by the numbered statements, one a line.
    public var description: String {
        let noun = expected == 1 ? "statement" : "statements"
        var text = "Expected \(expected) SQL \(noun), \(statements.count) ran"
        if statements.isEmpty {
            return text
        }
        text += ":"
        for (offset, sql) in statements.enumerated() {
            text += "\n  \(offset + 1). \(sql)"
        }
        return text
    }
}
