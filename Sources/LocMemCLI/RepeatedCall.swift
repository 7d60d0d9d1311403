import ArgumentParser
import Bookstore

/// Runs one repository call `--repeat` times and prints what happened, as a table or as JSON.
///
/// The shared body of `book`, `books-by` and `top-rated`: opens the session, measures each call
/// (see ``BookstoreSession/measure(_:_:)``), then prints either the call table, the cache
/// statistics and `details` of the last result, or a ``JSONReport``.
struct RepeatedCall<Value: Encodable & Sendable> {
    /// The subcommand's name, for the JSON report.
    var command: String
    /// How the call is shown, such as `book(id: 1)`.
    var call: String
    var cacheOptions: CacheOptions
    var callOptions: CallOptions
    /// The call itself.
    var perform: (BookRepository) throws -> Value
    /// The same call on the shared cache, for `--cache redis://...` (see ``SharedCacheSession``).
    var performShared: @Sendable (SharedCacheSession.Repository) async throws -> Value
    /// A few words about a result, for the table's result column.
    var summary: (Value) -> String
    /// Lines printed after the table about the last result; none by default.
    var details: (Value, Terminal) -> [String] = { _, _ in [] }

    /// Makes the calls, prints them, and returns them.
    @discardableResult
    func run() throws -> [MeasuredCall<Value>] {
        if let url = cacheOptions.cacheURL {
            return try runShared(url: url)
        }
        let session = try BookstoreSession(options: cacheOptions)
        var calls: [MeasuredCall<Value>] = []
        for _ in 0..<callOptions.count {
            calls.append(try session.measure(call) { try perform($0) })
        }
        let statistics = session.cache.statistics
        if callOptions.json {
            print(try JSONReport(command: command, calls: calls, statistics: statistics).encoded())
            return calls
        }
        let title = cacheOptions.terminal.paint("cache statistics", .bold)
        printReport(
            calls, database: session.databaseDescription, cache: session.cacheDescription,
            statistics: "\(title)  \(Formatting.summary(of: statistics))"
        )
        return calls
    }

    /// Prints the calls as a table: the heading, the database and cache lines, one line per call,
    /// the statistics line, any notes, then `details` of the last result.
    func printReport(
        _ calls: [MeasuredCall<Value>], database: String, cache: String, statistics: String, notes: [String] = []
    ) {
        let terminal = cacheOptions.terminal
        print(terminal.paint("\(call), \(Formatting.count(calls.count, "call"))", .bold))
        print("  database  \(database)")
        print("  cache     \(cache)")
        print()
        let table = CallTable(calls: [call], terminal: terminal)
        print(table.header)
        for measured in calls {
            print(table.line(measured, result: summary(measured.value)))
        }
        print()
        print(statistics)
        notes.forEach { print(terminal.paint($0, .yellow)) }
        if let last = calls.last {
            let lines = details(last.value, terminal)
            if !lines.isEmpty {
                print()
                lines.forEach { print($0) }
            }
        }
    }
}
