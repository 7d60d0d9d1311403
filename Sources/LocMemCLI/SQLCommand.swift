import ArgumentParser
import Foundation
import QueryCache
import SQLiteStore

extension LocMemCommand {
    /// `locmem sql "SELECT ..."`: any read through `CachedDatabase`, the bookstore's own one.
    ///
    /// Per call: where the answer came from, the statements SQLite ran, the time, and the tables the
    /// result depends on (from SQLite's authorizer). Bad SQL, an unknown table, or a statement that
    /// is not a read is refused with one `Error:` line and exit code 1, before anything runs.
    struct SQLCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run any read-only SQL through CachedDatabase and watch the cache answer it.",
            discussion: """
                The statement is run with no arguments. Writes (INSERT, UPDATE, DELETE, DDL) are refused \
                with exit code 1 and change nothing.
                """
        )

        @Argument(help: ArgumentHelp("One read-only SQL statement, such as \"SELECT COUNT(*) FROM books\".",
                                     valueName: "sql"))
        var sql: String

        @OptionGroup var calls: CallOptions
        @OptionGroup var cache: CacheOptions

        /// How many rows of the last result the table output lists.
        static let rowsShown = 10

        func run() throws {
            let session = try BookstoreSession(options: cache)
            let queries = session.repository.queries
            let sql = sql
            let dependencies: QueryDependencies
            do {
                dependencies = try queries.dependencies(of: sql)
            } catch {
                throw CLIError.wrapping(error)
            }
            var measured: [MeasuredCall<SQLResult>] = []
            for _ in 0..<calls.count {
                measured.append(try session.measure("sql") { _ in
                    let rows = try queries.query(sql) { row in
                        (0..<row.columnCount).map { row.value($0) }
                    }
                    return SQLResult(tables: dependencies.tables.sorted(),
                                     uncacheableReason: dependencies.uncacheableReason, rows: rows)
                })
            }
            let statistics = session.cache.statistics
            if calls.json {
                print(try JSONReport(command: "sql", calls: measured, statistics: statistics).encoded())
                return
            }
            let terminal = cache.terminal
            print(terminal.paint(CLIError.oneLine(sql), .bold))
            print("  database  \(session.databaseDescription)")
            print("  cache     \(session.cacheDescription)")
            let tables = dependencies.tables.isEmpty ? "none" : dependencies.tables.sorted().joined(separator: ", ")
            print("  reads     \(tables)")
            if let reason = dependencies.uncacheableReason {
                print("  cached    never: it \(reason), so it runs every time")
            }
            print()
            let table = CallTable(calls: ["sql"], terminal: terminal)
            print(table.header)
            for call in measured {
                print(table.line(call, result: call.value.summary))
            }
            print()
            print("\(terminal.paint("cache statistics", .bold))  \(Formatting.summary(of: statistics))")
            if let last = measured.last, !last.value.rows.isEmpty {
                print()
                for row in last.value.rows.prefix(Self.rowsShown) {
                    print("  " + row.map(\.description).joined(separator: " | "))
                }
                if last.value.rows.count > Self.rowsShown {
                    print(terminal.paint("  ... \(last.value.rows.count - Self.rowsShown) more", .dim))
                }
            }
        }
    }
}

/// One result of `locmem sql`: its rows, and the tables it depends on.
struct SQLResult: Encodable {
    var tables: [String]
    /// Why the statement is never cached, or `nil`.
    var uncacheableReason: String?
    var rows: [[SQLiteValue]]

    /// `3 rows of authors, books`
    var summary: String {
        let count = Formatting.count(rows.count, "row")
        return tables.isEmpty ? count : "\(count) of \(tables.joined(separator: ", "))"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tables, forKey: .tables)
        try container.encode(uncacheableReason == nil, forKey: .cacheable)
        try container.encodeIfPresent(uncacheableReason, forKey: .uncacheableReason)
        var rowsContainer = container.nestedUnkeyedContainer(forKey: .rows)
        for row in rows {
            var cells = rowsContainer.nestedUnkeyedContainer()
            for value in row {
                switch value {
                case .integer(let int): try cells.encode(int)
                case .real(let double): try cells.encode(double)
                case .text(let text): try cells.encode(text)
                case .blob: try cells.encode(value.description)  // x'00ff'
                case .null: try cells.encodeNil()
                }
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case tables, cacheable, uncacheableReason, rows
    }
}
