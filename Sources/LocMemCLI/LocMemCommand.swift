import ArgumentParser

/// `locmem`: the demo CLI. Each subcommand lives in a file of its own.
///
/// Exit codes: 0 success; 1 the work failed (the database cannot be opened, is not SQLite or not
/// a bookstore, or SQLite failed), with one `Error:` line on stderr; 2 `book` found no such book;
/// 64 bad arguments (argument-parser's usage error: the `Error:` line, then the usage).
@main
struct LocMemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locmem",
        abstract: "A read-through LocMem cache in front of SQLite: watch requests hit the database, then the cache.",
        discussion: """
            Exit codes: 0 success; 1 the command failed (the --db file is a directory, unreadable, not \
            SQLite or not a bookstore, or SQLite failed), with one 'Error:' line on stderr; 2 'book' found \
            no such book; 64 bad arguments.
            """,
        subcommands: [
            Demo.self, BookCommand.self, BooksByCommand.self, TopRatedCommand.self, Bench.self, NearCacheCommand.self,
        ],
        defaultSubcommand: Demo.self
    )

    /// Parses the command line (after ``NegativeNumberArguments``) and runs the command.
    ///
    /// argument-parser's own `main`, except that the libraries' errors (`SQLiteError`,
    /// `BookstoreError`, `CacheError`, `FixturesError`) are wrapped in ``CLIError`` on the way
    /// out, so each is reported as one line, whichever command threw it.
    static func main() {
        ConcurrencyExecutor.useEventLoops()
        let arguments = NegativeNumberArguments.rearranged(SubcommandOptionArguments.rearranged(
            Array(CommandLine.arguments.dropFirst()), subcommands: SubcommandOptionArguments.subcommandNames
        ))
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: CLIError.wrapping(error))
        }
    }
}
