import Foundation
import Testing

/// `book`, `books-by` and `top-rated`: one repository method, `--repeat` times.
@Suite struct CallCommandTests {
    @Test func bookRepeatedHitsTheDatabaseOnceThenTheCache() throws {
        let run = try LocMemExecutable.run(["book", "1", "--repeat", "3"])
        #expect(run.exitCode == 0)
        #expect(run.stderr.isEmpty)
        let lines = CallLine.all(in: run.stdout, call: "book(id: 1)")
        #expect(lines.map(\.source) == ["database", "cache", "cache"])
        #expect(lines.map(\.queries) == [1, 0, 0])
        #expect(lines.allSatisfy { $0.result.contains("\"The Shattered Lantern\" (1971), author 1") })
        #expect(run.stdout.contains("cache statistics  2 hits, 1 miss (67% hit rate), 1 set, 0 culled, 0 expired"))
    }

    @Test func bookOnceByDefault() throws {
        let run = try LocMemExecutable.run(["book", "2"])
        #expect(run.exitCode == 0)
        let lines = CallLine.all(in: run.stdout)
        #expect(lines.count == 1)
        #expect(lines.first?.call == "book(id: 2)")
        #expect(lines.first?.source == "database")
    }

    @Test func aZeroTimeoutMakesEveryCallQuery() throws {
        let run = try LocMemExecutable.run(["book", "1", "--repeat", "3", "--timeout", "0"])
        #expect(run.exitCode == 0)
        #expect(CallLine.all(in: run.stdout).map(\.queries) == [1, 1, 1])
    }

    @Test func anExpiredEntryIsReadAgain() throws {
        // 3 calls with a 1 ns timeout: each entry has expired by the next call.
        let run = try LocMemExecutable.run(["book", "1", "--repeat", "3", "--timeout", "0.000000001"])
        #expect(run.exitCode == 0)
        #expect(CallLine.all(in: run.stdout).map(\.source) == ["database", "database", "database"])
        #expect(run.stdout.contains("2 expired"))
    }

    @Test func anUnknownBookIsReportedNotCrashedOn() throws {
        let run = try LocMemExecutable.run(["book", "999999", "--repeat", "2"])
        #expect(run.exitCode == 2)
        #expect(run.stderrLines == ["Error: book 999999 does not exist"])
        let lines = CallLine.all(in: run.stdout, call: "book(id: 999999)")
        // The absence is cached too: one query, then none.
        #expect(lines.map(\.source) == ["database", "cache"])
        #expect(lines.map(\.result) == ["no such book", "no such book"])
    }

    @Test func booksByListsTheAuthorsBooks() throws {
        let run = try LocMemExecutable.run(["books-by", "1", "--repeat", "2"])
        #expect(run.exitCode == 0)
        let lines = CallLine.all(in: run.stdout, call: "books(byAuthor: 1)")
        #expect(lines.map(\.source) == ["database", "cache"])
        #expect(lines.allSatisfy { $0.result.hasPrefix("27 books, first $50.99 \"The Shattered Lantern\"") })
        // The listing after the table: a header and one line per book.
        #expect(run.stdout.contains("id  year   price  author  title"))
        #expect(run.stdout.contains("1  1971  $50.99       1  The Shattered Lantern"))
    }

    @Test func booksByAnAuthorWithoutBooksIsAnEmptyList() throws {
        let run = try LocMemExecutable.run(["books-by", "999999"])
        #expect(run.exitCode == 0)
        #expect(CallLine.all(in: run.stdout).first?.result == "no books")
    }

    @Test func topRatedHonoursTheLimit() throws {
        let run = try LocMemExecutable.run(["top-rated", "--limit", "4", "--repeat", "2"])
        #expect(run.exitCode == 0)
        let lines = CallLine.all(in: run.stdout, call: "topRatedBooks(limit: 4)")
        #expect(lines.map(\.source) == ["database", "cache"])
        #expect(lines.allSatisfy { $0.result.hasPrefix("4 books, best ") })
        let rank = #/ +[1-4] +\d\.\d\d +\d+ +\d+ +\$\d+\.\d\d  .+/#
        let ranks = run.stdoutLines.filter { $0.wholeMatch(of: rank) != nil }
        #expect(ranks.count == 4)
    }
}

/// `--json`: valid JSON with sorted keys, the results and each call's source, queries and time.
@Suite struct JSONOutputTests {
    struct Report<Result: Decodable>: Decodable {
        struct Call: Decodable {
            var call: String
            var source: String
            var queries: Int
            var sql: [String]
            var durationNanoseconds: Int
            var cache: Statistics
            var result: Result
        }

        struct Statistics: Decodable {
            var hits: Int
            var misses: Int
            var sets: Int
            var culled: Int
            var expired: Int
            var hitRate: Double?
        }

        var command: String
        var calls: [Call]
        var statistics: Statistics
    }

    struct Book: Decodable, Equatable {
        var id: Int64
        var title: String
        var authorID: Int64
        var priceCents: Int
        var publishedYear: Int
    }

    struct BookRating: Decodable {
        var book: Book
        var averageRating: Double
        var reviewCount: Int
    }

    private func decode<Result>(_ type: Result.Type, _ arguments: [String], exitCode: Int32 = 0)
        throws -> (Report<Result>, String)
    {
        let run = try LocMemExecutable.run(arguments)
        #expect(run.exitCode == exitCode, "stderr: \(run.stderr)")
        let report = try JSONDecoder().decode(Report<Result>.self, from: Data(run.stdout.utf8))
        return (report, run.stdout)
    }

    @Test func bookAsJSON() throws {
        let (report, text) = try decode(Book?.self, ["book", "1", "--repeat", "3", "--json"])
        #expect(report.command == "book")
        #expect(report.calls.map(\.call) == Array(repeating: "book(id: 1)", count: 3))
        #expect(report.calls.map(\.source) == ["database", "cache", "cache"])
        #expect(report.calls.map(\.queries) == [1, 0, 0])
        #expect(report.calls[0].sql.count == 1)
        #expect(report.calls[0].sql[0].hasPrefix("SELECT"))
        #expect(report.calls[1].sql.isEmpty)
        #expect(report.calls.allSatisfy { $0.durationNanoseconds > 0 })
        #expect(report.calls[0].cache.misses == 1 && report.calls[0].cache.sets == 1)
        #expect(report.calls[1].cache.hits == 1 && report.calls[1].cache.misses == 0)
        let book = try #require(report.calls[0].result)
        #expect(book == Book(id: 1, title: "The Shattered Lantern", authorID: 1, priceCents: 5099, publishedYear: 1971))
        #expect(report.calls.allSatisfy { $0.result == book })
        #expect((report.statistics.hits, report.statistics.misses, report.statistics.sets) == (2, 1, 1))
        #expect(report.statistics.hitRate.map { abs($0 - 2.0 / 3.0) < 1e-9 } == true)
        // Sorted keys, and nothing but the JSON on stdout.
        let keys = ["\"calls\"", "\"command\"", "\"statistics\""].map { text.range(of: $0)?.lowerBound }
        #expect(keys.allSatisfy { $0 != nil })
        #expect(keys.compactMap { $0 } == keys.compactMap { $0 }.sorted())
        #expect(text.hasPrefix("{"))
    }

    @Test func aMissingBookIsNullInJSON() throws {
        let (report, text) = try decode(Book?.self, ["book", "999999", "--json"], exitCode: 2)
        #expect(report.calls.count == 1)
        #expect(report.calls[0].result == nil)
        #expect(text.contains("\"result\" : null"))
    }

    @Test func booksByAsJSON() throws {
        let (report, _) = try decode([Book].self, ["books-by", "1", "--repeat", "2", "--json"])
        #expect(report.command == "books-by")
        #expect(report.calls.map(\.source) == ["database", "cache"])
        let books = report.calls[0].result
        #expect(books.count == 27)
        #expect(books.allSatisfy { $0.authorID == 1 })
        #expect(books.map(\.id) == books.map(\.id).sorted())
        #expect(report.calls[1].result == books)
    }

    @Test func topRatedAsJSON() throws {
        let (report, _) = try decode([BookRating].self, ["top-rated", "--limit", "5", "--json"])
        #expect(report.command == "top-rated")
        let ratings = try #require(report.calls.first?.result)
        #expect(ratings.count == 5)
        #expect(ratings.map(\.averageRating) == ratings.map(\.averageRating).sorted(by: >))
        #expect(ratings.allSatisfy { (1...5).contains($0.averageRating) && $0.reviewCount >= 1 })
    }
}
