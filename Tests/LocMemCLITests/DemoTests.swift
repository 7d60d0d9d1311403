import Foundation
import Testing

/// `locmem` with no arguments: the story, read from its real output.
@Suite struct DemoTests {
    /// One run of the default demo (1 s timeout, really waited out), shared by the tests below.
    static let defaultRun = Result { try LocMemExecutable.run([]) }

    private func demo() throws -> LocMemExecutable.Run {
        let run = try Self.defaultRun.get()
        #expect(run.exitCode == 0, "stderr: \(run.stderr)")
        return run
    }

    @Test func firstReadGoesToTheDatabaseAndTheRestToTheCache() throws {
        let run = try demo()
        let books = CallLine.all(in: run.stdout, call: "book(id: 1)")
        try #require(books.count >= 3)
        #expect(books[0].source == "database")
        #expect(books[0].queries == 1)
        for line in books[1...2] {
            #expect(line.source == "cache")
            #expect(line.queries == 0)
        }
        for call in ["books(byAuthor: 1)", "topRatedBooks(limit: 3)"] {
            let lines = CallLine.all(in: run.stdout, call: call)
            try #require(lines.count >= 2, "\(call) in \(run.stdout)")
            #expect(lines[0].source == "database" && lines[0].queries == 1, "\(lines[0])")
            #expect(lines[1].source == "cache" && lines[1].queries == 0, "\(lines[1])")
        }
    }

    @Test func everyLineSaysWhereTheAnswerCameFromWithUnits() throws {
        let lines = CallLine.all(in: try demo().stdout)
        #expect(lines.count == 15)
        for line in lines {
            // The source follows from the count SQLite reported: queries > 0 is the database.
            #expect((line.source == "database") == (line.queries > 0), "\(line)")
            #expect(line.time.hasSuffix(" µs") || line.time.hasSuffix(" ms") || line.time.hasSuffix(" ns"))
        }
    }

    @Test func theReadAfterTheWriteShowsTheNewPrice() throws {
        let lines = CallLine.all(in: try demo().stdout)
        let writeIndex = try #require(lines.firstIndex { $0.call.hasPrefix("updatePrice(bookID: 1,") })
        let write = lines[writeIndex]
        #expect(write.source == "database")
        #expect(write.queries >= 2)
        // "$50.99 → $51.99"
        let match = try #require(write.result.wholeMatch(of: #/(\$\d+\.\d\d) → (\$\d+\.\d\d)/#))
        let (oldPrice, newPrice) = (String(match.1), String(match.2))
        #expect(oldPrice != newPrice)

        let before = lines[..<writeIndex].filter { $0.call == "book(id: 1)" }
        #expect(before.allSatisfy { $0.result.hasPrefix(oldPrice + " ") })
        let after = lines[(writeIndex + 1)...].filter { $0.call == "book(id: 1)" }
        try #require(after.count >= 2)
        #expect(after[0].source == "database" && after[0].queries == 1)
        #expect(after[0].result.hasPrefix(newPrice + " "), "\(after[0])")
        #expect(after[1].source == "cache" && after[1].queries == 0)
        #expect(after[1].result.hasPrefix(newPrice + " "))

        let list = try #require(lines[(writeIndex + 1)...].first { $0.call == "books(byAuthor: 1)" })
        #expect(list.source == "database")
        #expect(list.result.contains("first \(newPrice) "), "\(list)")
    }

    @Test func aWriteByAnotherProcessIsNoticedByTheNextRead() throws {
        let run = try demo()
        let output = run.stdout.split(separator: "\n").map(String.init)
        let other = try #require(output.firstIndex { $0.hasPrefix("  another process: locmem set-price 1 ") })
        let newPrice = try #require(output[other].firstMatch(of: #/→ (\$\d+\.\d\d)/#)).1
        let after = output[(other + 1)...].compactMap { CallLine($0) }
        try #require(after.count >= 2)
        #expect(after[0].call == "book(id: 1)" && after[0].source == "database" && after[0].queries == 1)
        #expect(after[0].result.hasPrefix(newPrice + " "), "\(after[0])")
        #expect(after[1].call == "book(id: 1)" && after[1].source == "cache" && after[1].queries == 0)
        #expect(after[1].result.hasPrefix(newPrice + " "))
    }

    @Test func theReadAfterTheTimeoutGoesBackToTheDatabase() throws {
        let run = try demo()
        #expect(run.stdout.contains("Wait 1.1 s, past the 1 s timeout"))
        let last = try #require(CallLine.all(in: run.stdout).last)
        #expect(last.call == "book(id: 1)")
        #expect(last.source == "database")
        #expect(last.queries == 1)
        // It really waited, and still finished in a couple of seconds (generous for shared CPUs).
        #expect(run.seconds >= 1.1)
        #expect(run.seconds < 15)
    }

    @Test func endsWithTheCacheStatistics() throws {
        let run = try demo()
        let pattern = #/
            cache\x20statistics\x20\x20 (\d+)\x20hits?,\x20 (\d+)\x20miss(?:es)?\x20 \((\d+)%\x20hit\x20rate\),\x20
            (\d+)\x20sets?,\x20 (\d+)\x20culled,\x20 (\d+)\x20expired
            /#
        let match = try #require(run.stdout.firstMatch(of: pattern), "\(run.stdout)")
        let (hits, misses, rate, sets, culled, expired) =
            (Int(match.1)!, Int(match.2)!, Int(match.3)!, Int(match.4)!, Int(match.5)!, Int(match.6)!)
        let lines = CallLine.all(in: run.stdout)
        let reads = lines.filter { !$0.call.hasPrefix("updatePrice") }
        #expect(hits >= reads.filter { $0.source == "cache" }.count)
        #expect(misses >= reads.filter { $0.source == "database" }.count)
        #expect(rate == Int((Double(hits) / Double(hits + misses) * 100).rounded()))
        #expect(sets >= 1)
        #expect(culled == 0)
        #expect(expired == 1)
        #expect(run.stdout.contains("calls             15 in all: 9 answered by SQLite"))
    }

    @Test func pipedOutputIsPlainAndStderrEmpty() throws {
        let run = try demo()
        #expect(!run.stdout.contains("\u{1B}"))
        #expect(run.stderr.isEmpty)
    }

    @Test func demoSubcommandAndShortTimeoutTellTheSameStory() throws {
        let run = try LocMemExecutable.run(["demo", "--timeout", "0.2"])
        #expect(run.exitCode == 0)
        #expect(run.stdout.contains("Wait 0.3 s, past the 0.2 s timeout"))
        let books = CallLine.all(in: run.stdout, call: "book(id: 1)")
        #expect(books.map(\.source) == [
            "database", "cache", "cache", "database", "cache", "database", "database", "cache", "database",
        ])
        #expect(run.seconds >= 0.3)
    }

    @Test func aZeroTimeoutKeepsNothingSoEveryReadGoesToTheDatabase() throws {
        let run = try LocMemExecutable.run(["--timeout", "0"])
        #expect(run.exitCode == 0)
        let reads = CallLine.all(in: run.stdout).filter { !$0.call.hasPrefix("updatePrice") }
        #expect(!reads.isEmpty)
        #expect(reads.allSatisfy { $0.source == "database" && $0.queries >= 1 })
    }
}
