import LocMem
import SQLiteStore
import Testing

/// Checks that `body` runs exactly `expected` SQL statements on `database` and has the given cache hits and
/// misses on `cache`: the whole read-through contract of one call in one line.
///
/// ```swift
/// try assertQueries(1, on: db, cache: cache, hits: 0, misses: 1) { _ = try repo.book(id: 1) }  // cold
/// try assertQueries(0, on: db, cache: cache, hits: 1, misses: 0) { _ = try repo.book(id: 1) }  // warm
/// ```
///
/// Hits and misses are the change of ``LocMemCache/statistics`` over `body`. When anything differs, one Swift
/// Testing issue is recorded at the caller's line, with a line per difference and the SQL that ran:
///
/// ```
/// Expected 0 SQL statements, 1 ran:
///   1. SELECT id, title FROM books WHERE id = ?
/// Expected 1 cache hit, 0 happened
/// Expected 0 cache misses, 1 happened
/// ```
///
/// - Parameters:
///   - expected: The number of SQL statements `body` must run.
///   - database: The database to watch.
///   - cache: The cache to watch.
///   - hits: The number of cache hits `body` must have; `nil` to not check.
///   - misses: The number of cache misses `body` must have; `nil` to not check.
///   - sourceLocation: Where to report a failure; the caller's line by default.
///   - body: The code under test.
/// - Returns: What `body` returns.
/// - Throws: Whatever `body` throws, unchanged; nothing is checked then.
/// - Note: Cache statistics belong to the cache's store, shared by every `LocMemCache` with the same
///   `location`; like the SQL count, they include what other threads do meanwhile.
@discardableResult
public func assertQueries<T>(
    _ expected: Int,
    on database: Database,
    cache: LocMemCache,
    hits: Int? = nil,
    misses: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) rethrows -> T {
    let before = cache.statistics
    let (value, statements) = try database.capturingQueries(body)
    let after = cache.statistics
    let report = CacheAssertionReport(
        expectedStatements: expected,
        statements: statements,
        expectedHits: hits,
        hits: after.hits - before.hits,
        expectedMisses: misses,
        misses: after.misses - before.misses)
    if let failure = report.failureMessage {
        Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
    }
    return value
}

/// What ``assertQueries(_:on:cache:hits:misses:sourceLocation:_:)`` saw, and the failure message if it differs.
struct CacheAssertionReport {
    var expectedStatements: Int
    var statements: [String]
    var expectedHits: Int?
    var hits: Int
    var expectedMisses: Int?
    var misses: Int

    /// One line (or block) per difference, or `nil` when everything matches.
    var failureMessage: String? {
        var lines: [String] = []
        let countMismatch = QueryCountMismatch(expected: expectedStatements, statements: statements)
        if let countMismatch {
            lines.append(countMismatch.description)
        }
        if let expectedHits, expectedHits != hits {
            lines.append("Expected \(expectedHits) cache \(expectedHits == 1 ? "hit" : "hits"), \(hits) happened")
        }
        if let expectedMisses, expectedMisses != misses {
            let noun = expectedMisses == 1 ? "miss" : "misses"
            lines.append("Expected \(expectedMisses) cache \(noun), \(misses) happened")
        }
        guard !lines.isEmpty else { return nil }
        if countMismatch == nil && !statements.isEmpty {
            // The SQL count was right, but the statements still help explain the cache's behaviour.
            let listed = statements.enumerated().map { "\n  \($0.offset + 1). \($0.element)" }.joined()
            lines.append("SQL statements that ran (\(statements.count), as expected):\(listed)")
        }
        return lines.joined(separator: "\n")
    }
}
