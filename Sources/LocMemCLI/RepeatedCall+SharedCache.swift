extension RepeatedCall {
    /// ``run()`` on the shared cache at `url`: the same table, with the Redis server's counters.
    func runShared(url: String) throws -> [MeasuredCall<Value>] {
        let session = try SharedCacheSession(options: cacheOptions, url: url)
        defer { session.close() }
        let perform = performShared
        let before = session.serverStatistics
        var calls: [MeasuredCall<Value>] = []
        for _ in 0..<callOptions.count {
            calls.append(try session.measure(call) { try await perform($0) })
        }
        let statistics = session.serverStatistics - before
        if callOptions.json {
            print(try JSONReport(command: command, calls: calls, statistics: statistics).encoded())
            return calls
        }
        let terminal = cacheOptions.terminal
        print(terminal.paint("\(call), \(Formatting.count(calls.count, "call"))", .bold))
        print("  database  \(session.databaseDescription)")
        print("  cache     \(session.cacheDescription)")
        print()
        let table = CallTable(calls: [call], terminal: terminal)
        print(table.header)
        for measured in calls {
            print(table.line(measured, result: summary(measured.value)))
        }
        print()
        print("\(terminal.paint("server statistics", .bold)) \(Formatting.summary(of: statistics)) (INFO stats, all clients)")
        if let note = session.degradedNote {
            print(terminal.paint(note, .yellow))
        }
        if let last = calls.last {
            let lines = details(last.value, terminal)
            if !lines.isEmpty {
                print()
                lines.forEach { print($0) }
            }
        }
        return calls
    }
}
