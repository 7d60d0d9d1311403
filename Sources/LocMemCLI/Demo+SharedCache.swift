import Bookstore
import Foundation
import LocMem
import LocMemBenchmarks

extension LocMemCommand.Demo {
    /// The demo with `--cache redis://...`: the same story on `CacheAsideBookRepository<RedisCache>`,
    /// whose entries any other process on the same server reads too.
    enum SharedStory {
        static func run(options: CacheOptions, url: String) throws {
            let session = try SharedCacheSession(options: options, url: url)
            defer { session.close() }
            let terminal = options.terminal
            let bookID = LocMemCommand.Demo.bookID
            let authorID = LocMemCommand.Demo.authorID
            let limit = LocMemCommand.Demo.limit
            let oldPrice = try session.repository.uncached.book(id: bookID)?.priceCents ?? 0
            let newPrice = oldPrice + 100
            let names = (
                book: "book(id: \(bookID))", byAuthor: "books(byAuthor: \(authorID))",
                topRated: "topRatedBooks(limit: \(limit))",
                update: "updatePrice(bookID: \(bookID), priceCents: \(newPrice))"
            )
            let table = CallTable(
                calls: [names.book, names.byAuthor, names.topRated, names.update], terminal: terminal)
            var ran: [Source] = []
            func show<Value>(_ measured: MeasuredCall<Value>, _ result: String) {
                ran.append(measured.source)
                print(table.line(measured, result: result))
            }
            func section(_ title: String) {
                print()
                print(terminal.paint(title, .bold))
                print(table.header)
            }
            func book() throws {
                let measured = try session.measure(names.book) { try await $0.book(id: bookID) }
                show(measured, Formatting.summary(of: measured.value))
            }

            print(terminal.paint("LocMem demo: a RedisCache, shared by processes, in front of SQLite", .bold))
            print("  database  \(session.databaseDescription)")
            print("  cache     \(session.cacheDescription)")
            let before = session.serverStatistics
            // Entries another run left on the server would make every call a hit: start clean.
            try runBlocking { [cache = session.cache] () async throws(CacheError) in try await cache.clear() }

            section("1. The same reads, again and again: the first call asks SQLite, Redis answers the rest")
            for _ in 1...3 { try book() }
            for _ in 1...2 {
                let measured = try session.measure(names.byAuthor) { try await $0.books(byAuthor: authorID) }
                show(measured, Formatting.summary(of: measured.value))
            }
            for _ in 1...2 {
                let measured = try session.measure(names.topRated) { try await $0.topRatedBooks(limit: limit) }
                show(measured, Formatting.summary(of: measured.value))
            }

            section("2. A write, then the same read: the write deleted the entries it changed, on the server")
            let update = try session.measure(names.update) {
                try await $0.updatePrice(bookID: bookID, priceCents: newPrice)
            }
            show(update, "\(Formatting.price(cents: oldPrice)) → \(Formatting.price(cents: newPrice))")
            for _ in 1...2 { try book() }

            let wait = options.timeout + LocMemCommand.Demo.margin
            section(
                "3. Wait \(Formatting.seconds(wait)), past the \(Formatting.seconds(options.timeout)) timeout: "
                    + "Redis has expired the entry, so SQLite answers again"
            )
            fflush(nil)
            Thread.sleep(forTimeInterval: wait)
            try book()

            print()
            let statistics = session.serverStatistics - before
            let title = terminal.paint("server statistics", .bold)
            print("\(title) \(Formatting.summary(of: statistics)) (INFO stats, all clients)")
            let database = ran.filter { $0 == .database }.count
            print(
                "\(terminal.paint("calls", .bold))             \(ran.count) in all: \(database) answered by SQLite, "
                    + "\(ran.count - database) by Redis")
            if let note = session.degradedNote {
                print(terminal.paint(note, .yellow))
            }
        }
    }
}
