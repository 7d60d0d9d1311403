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
        let title = cacheOptions.terminal.paint("server statistics", .bold)
        printReport(
            calls, database: session.databaseDescription, cache: session.cacheDescription,
            statistics: "\(title) \(Formatting.summary(of: statistics)) (INFO stats, all clients)",
            notes: session.degradedNote.map { [$0] } ?? []
        )
        return calls
    }
}
