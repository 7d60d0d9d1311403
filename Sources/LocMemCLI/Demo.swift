import ArgumentParser
import Bookstore
import Foundation

extension LocMemCommand {
    /// `locmem` / `locmem demo`: the read-through story, told with real query counts and timings.
    ///
    /// Builds the bookstore (in memory, or the `--db` file), then: reads the same things several
    /// times (the first call runs SQL, the rest are cache hits), writes a price and re-reads
    /// (the write invalidated the entries, so SQL runs again and shows the new price), lets
    /// another process change the price in the database file and re-reads (the change is noticed,
    /// so SQL runs again), waits past the cache timeout and reads once more (expired, so SQL
    /// again), and ends with the cache's statistics. Every line's source comes from the statements
    /// SQLite ran during the call.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch the first request hit the database and the rest hit the cache.",
            discussion: """
                Reads, a write that invalidates, a write by another process that is noticed, and an \
                expiry after --timeout seconds (default 1, which the demo really waits out), then the \
                cache statistics.
                """
        )

        @OptionGroup var cache: CacheOptions

        /// The book, author and list length the story reads.
        static let bookID: Int64 = 1
        static let authorID: Int64 = 1
        static let limit = 3
        /// How much longer than the timeout the demo waits before its last read.
        static let margin = 0.1
        /// The longest timeout the demo agrees to wait out, in seconds.
        static let longestWait = 60.0

        func validate() throws {
            guard cache.timeout <= Self.longestWait else {
                throw ValidationError(
                    "the demo waits out --timeout, so it must be at most \(Formatting.seconds(Self.longestWait)) "
                        + "(got \(Formatting.seconds(cache.timeout)))"
                )
            }
        }

        func run() throws {
            if let url = cache.cacheURL {
                try SharedStory.run(options: cache, url: url)
                return
            }
            let session = try BookstoreSession(options: cache)
            let terminal = cache.terminal
            var story = Story(session: session, terminal: terminal, calls: try Self.callNames(session))

            print(terminal.paint("LocMem demo: a LocMemCache in front of SQLite", .bold))
            print("  database  \(session.databaseDescription)")
            print("  cache     \(session.cacheDescription)")

            story.section("1. The same reads, again and again: the first call asks SQLite, the cache answers the rest")
            for _ in 1...3 { try story.book() }
            for _ in 1...2 { try story.booksByAuthor() }
            for _ in 1...2 { try story.topRated() }

            story.section(
                "2. A write, then the same reads: it changed the books table, so its readers ask SQLite again"
            )
            try story.updatePrice()
            for _ in 1...2 { try story.book() }
            try story.booksByAuthor()

            story.section(
                "3. Another process changes the database file: the next read notices and asks SQLite by itself"
            )
            try story.otherProcess()

            let wait = cache.timeout + Self.margin
            story.section(
                "4. Wait \(Formatting.seconds(wait)), past the \(Formatting.seconds(cache.timeout)) timeout: "
                    + "the entry has expired, so SQLite answers again"
            )
            fflush(nil)   // show the heading before the pause, even when stdout is a pipe
            Thread.sleep(forTimeInterval: wait)
            try story.book()

            story.finish()
        }

        /// The calls the story makes, as shown, so that the table's first column fits them all.
        private static func callNames(_ session: BookstoreSession) throws -> Story.Calls {
            // Read past the cache, so the write's label can name the new price up front.
            let price = try session.repository.uncached.book(id: bookID)?.priceCents ?? 0
            return Story.Calls(
                book: "book(id: \(bookID))",
                booksByAuthor: "books(byAuthor: \(authorID))",
                topRated: "topRatedBooks(limit: \(limit))",
                oldPrice: price,
                newPrice: price + 100,
                updatePrice: "updatePrice(bookID: \(bookID), priceCents: \(price + 100))"
            )
        }
    }
}

extension LocMemCommand.Demo {
    /// The demo's calls, measured and printed one line each as they run.
    struct Story {
        /// How each call is shown.
        struct Calls {
            var book: String
            var booksByAuthor: String
            var topRated: String
            var oldPrice: Int
            var newPrice: Int
            var updatePrice: String

            var all: [String] { [book, booksByAuthor, topRated, updatePrice] }
        }

        let session: BookstoreSession
        let terminal: Terminal
        let calls: Calls
        let table: CallTable
        /// Every call so far: its source and query count.
        private var ran: [(source: Source, queries: Int)] = []

        init(session: BookstoreSession, terminal: Terminal, calls: Calls) {
            self.session = session
            self.terminal = terminal
            self.calls = calls
            self.table = CallTable(calls: calls.all, terminal: terminal)
        }

        func section(_ title: String) {
            print()
            print(terminal.paint(title, .bold))
            print(table.header)
        }

        mutating func book() throws {
            try book(through: session.repository)
        }

        /// Reads the book through `repository`, which may be another one than the session's (scene 3).
        mutating func book(through repository: BookRepository) throws {
            let id = LocMemCommand.Demo.bookID
            let measured = try session.measure(calls.book, through: repository) { try $0.book(id: id) }
            record(measured, result: Formatting.summary(of: measured.value))
        }

        mutating func booksByAuthor() throws {
            let id = LocMemCommand.Demo.authorID
            let measured = try session.measure(calls.booksByAuthor) { try $0.books(byAuthor: id) }
            record(measured, result: Formatting.summary(of: measured.value))
        }

        mutating func topRated() throws {
            let limit = LocMemCommand.Demo.limit
            let measured = try session.measure(calls.topRated) { try $0.topRatedBooks(limit: limit) }
            record(measured, result: Formatting.summary(of: measured.value))
        }

        mutating func updatePrice() throws {
            let id = LocMemCommand.Demo.bookID
            let newPrice = calls.newPrice
            let measured = try session.measure(calls.updatePrice) { repository in
                try repository.updatePrice(bookID: id, priceCents: newPrice)
            }
            let change = "\(Formatting.price(cents: calls.oldPrice)) → \(Formatting.price(cents: newPrice))"
            record(measured, result: change)
        }

        /// The statistics, and how many calls each side answered.
        func finish() {
            print()
            print("\(terminal.paint("cache statistics", .bold))  \(Formatting.summary(of: session.cache.statistics))")
            let database = ran.filter { $0.source == .database }
            let statements = ran.map(\.queries).reduce(0, +)
            print(
                "\(terminal.paint("calls", .bold))             \(ran.count) in all: "
                    + "\(database.count) answered by SQLite (\(Formatting.count(statements, "SQL statement"))), "
                    + "\(ran.count - database.count) by the cache"
            )
            print(terminal.paint("(statistics count cache lookups: a read that finds a result made stale by a write", .dim))
            print(terminal.paint(" counts a hit, then a miss)", .dim))
        }

        private mutating func record<Value>(_ measured: MeasuredCall<Value>, result: String) {
            ran.append((measured.source, measured.queries))
            print(table.line(measured, result: result))
        }
    }
}
