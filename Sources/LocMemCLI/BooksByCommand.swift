import ArgumentParser
import Bookstore

extension LocMemCommand {
    /// `locmem books-by AUTHOR_ID`: `BookRepository.books(byAuthor:)`.
    ///
    /// An author with no books (or no such author) is an empty list and exit code 0: the
    /// repository does not tell the two apart, and neither does this command.
    struct BooksByCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "books-by",
            abstract: "List an author's books: books(byAuthor:)."
        )

        @Argument(help: ArgumentHelp("The author's id (the fixtures have ids 1 to 200).", valueName: "author-id"))
        var authorID: Int64

        @OptionGroup var calls: CallOptions
        @OptionGroup var cache: CacheOptions

        func validate() throws {
            guard authorID >= 1 else {
                throw ValidationError("an author id is a positive integer (got \(authorID))")
            }
        }

        func run() throws {
            let authorID = authorID
            try RepeatedCall<[Book]>(
                command: "books-by",
                call: "books(byAuthor: \(authorID))",
                cacheOptions: cache,
                callOptions: calls,
                perform: { try $0.books(byAuthor: authorID) },
                performShared: { try await $0.books(byAuthor: authorID) },
                summary: { Formatting.summary(of: $0) },
                details: { books, terminal in BookListing.lines(for: books, terminal: terminal) }
            ).run()
        }
    }
}
