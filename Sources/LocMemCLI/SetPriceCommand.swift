import ArgumentParser
import SQLiteStore

extension LocMemCommand {
    /// `locmem set-price ID CENTS --db PATH` (hidden): the demo's *other process*.
    ///
    /// Sets a book's price in a database file with plain SQL on a connection of its own, and prints nothing:
    /// the demo's process then sees the change through SQLite's data version, with no message between them.
    struct SetPriceCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-price",
            abstract: "Set a book's price in a database file, from another process (used by the demo).",
            shouldDisplay: false
        )

        @Argument(help: ArgumentHelp("The book's id.", valueName: "id"))
        var id: Int64

        @Argument(help: ArgumentHelp("The new price, in cents.", valueName: "cents"))
        var cents: Int64

        @Option(help: ArgumentHelp("The database file (it must exist).", valueName: "path"))
        var db: String

        func run() throws {
            do {
                let database = try Database(path: db)
                try database.execute("UPDATE books SET price_cents = ? WHERE id = ?", [.integer(cents), .integer(id)])
            } catch {
                throw CLIError.wrapping(error)
            }
        }
    }
}
