/// The table of measured calls every command prints: call, source, queries, time, result.
///
/// ```
///   call                 source    queries    time  result
///   book(id: 1)          database        1  243 µs  $50.99 "The Shattered Lantern" (1971), author 1
///   book(id: 1)          cache           0  3.1 µs  $50.99 "The Shattered Lantern" (1971), author 1
/// ```
struct CallTable {
    private var table: Table

    /// A table whose call column fits the longest of `calls`.
    init(calls: [String], terminal: Terminal) {
        let callWidth = max(4, calls.map(\.count).max() ?? 0)
        var columns = [
            Table.Column(title: "call", width: callWidth),
            Table.Column(title: "source", width: Source.database.rawValue.count),
            Table.Column(title: "queries", width: 7, alignment: .right),
            Table.Column(title: "time", width: 8, alignment: .right),
            Table.Column(title: "result", width: .max),
        ]
        let used = 2 + columns.dropLast().map { $0.width + 2 }.reduce(0, +)
        if let available = terminal.columns {
            columns[columns.count - 1].width = max(24, available - used)
        }
        table = Table(columns: columns, terminal: terminal)
    }

    /// The column titles.
    var header: String {
        table.header
    }

    /// The line of one call, with `result` describing what it returned.
    func line<Value>(_ call: MeasuredCall<Value>, result: String) -> String {
        table.line([
            Table.Cell(call.call, .bold),
            Table.Cell(call.source.rawValue, call.source.style),
            Table.Cell(String(call.queries)),
            Table.Cell(Formatting.duration(call.duration)),
            Table.Cell(result),
        ])
    }
}
