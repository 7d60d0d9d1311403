import ArgumentParser
import Bookstore

extension LocMemCommand {
    /// `locmem top-rated [--limit N]`: `BookRepository.topRatedBooks(limit:)`.
    struct TopRatedCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "top-rated",
            abstract: "List the books with the best average review: topRatedBooks(limit:)."
        )

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("How many books to list (at least 1).", valueName: "n")
        )
        var limit: Int = 10

        @OptionGroup var calls: CallOptions
        @OptionGroup var cache: CacheOptions

        func validate() throws {
            guard limit >= 1 else {
                throw ValidationError("--limit must be at least 1 (got \(limit))")
            }
        }

        func run() throws {
            let limit = limit
            try RepeatedCall<[BookRating]>(
                command: "top-rated",
                call: "topRatedBooks(limit: \(limit))",
                cacheOptions: cache,
                callOptions: calls,
                perform: { try $0.topRatedBooks(limit: limit) },
                performShared: { try await $0.topRatedBooks(limit: limit) },
                summary: { Formatting.summary(of: $0) },
                details: { ratings, terminal in BookListing.lines(for: ratings, terminal: terminal) }
            ).run()
        }
    }
}
