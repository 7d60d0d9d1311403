import ArgumentParser

/// `locmem`: the demo CLI. Each subcommand lives in a file of its own.
@main
struct LocMemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locmem",
        abstract: "A read-through LocMem cache in front of SQLite: watch requests hit the database, then the cache.",
        subcommands: [Demo.self, Bench.self],
        defaultSubcommand: Demo.self
    )
}
