/// One line of the call table the CLI prints: `call  source  queries  time  result`.
struct CallLine: Equatable {
    var call: String
    var source: String
    var queries: Int
    var time: String
    var result: String

    /// The call lines of `output`, in order; headers and other lines are skipped.
    static func all(in output: String) -> [CallLine] {
        output.split(separator: "\n").compactMap { CallLine(String($0)) }
    }

    /// The call lines of `output` whose call is `call`.
    static func all(in output: String, call: String) -> [CallLine] {
        all(in: output).filter { $0.call == call }
    }

    /// Parses a line such as `  book(id: 1)   database   1   236 µs  $50.99 "Title" (1971), author 1`.
    init?(_ line: String) {
        let pattern = #/
            ^\x20{2} (?<call>\S.*?) \x20{2,} (?<source>database|cache) \x20+ (?<queries>\d+) \x20+
            (?<time>[\d.]+\x20(?:ns|µs|ms|s)) (?:\x20{2}(?<result>.*))? $
            /#
        guard let match = line.wholeMatch(of: pattern), let queries = Int(match.queries) else { return nil }
        call = String(match.call)
        source = String(match.source)
        self.queries = queries
        time = String(match.time)
        result = match.result.map(String.init) ?? ""
    }
}
