import ArgumentParser
import Bookstore

extension LocMemCommand {
    /// `locmem book ID`: `BookRepository.book(id:)`.
    ///
    /// Exit code 2 when there is no such book: the calls are still printed (an absent book is
    /// cached too, so only the first call runs a query), then `Error: book ID does not exist`.
    struct BookCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "book",
            abstract: "Look a book up by id: book(id:).",
            discussion: "Exits with 2 when there is no book with that id."
        )

        @Argument(help: ArgumentHelp("The book's id (the fixtures have ids 1 to 2000).", valueName: "id"))
        var id: Int64

        @OptionGroup var calls: CallOptions
        @OptionGroup var cache: CacheOptions

        /// The exit code when the book does not exist.
        static let notFound = ExitCode(2)

        func validate() throws {
            guard id >= 1 else {
                throw ValidationError("a book id is a positive integer (got \(id))")
            }
        }

        func run() throws {
            let id = id
            let measured = try RepeatedCall<Book?>(
                command: "book",
                call: "book(id: \(id))",
                cacheOptions: cache,
                callOptions: calls,
                perform: { try $0.book(id: id) },
                performShared: { try await $0.book(id: id) },
                summary: { Formatting.summary(of: $0) }
            ).run()
            if measured.last?.value == nil {
                printError("book \(id) does not exist")
                throw Self.notFound
            }
        }
    }
}
