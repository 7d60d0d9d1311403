import ArgumentParser

/// Lets options come before the subcommand's name: `locmem --cache redis://127.0.0.1:6379/0 book 1`.
///
/// argument-parser reads options written before a subcommand as the root command's, and the
/// root has none, so every option here belongs to a subcommand (`@OptionGroup var cache`). Before
/// parsing, the options in front of the first subcommand name are moved right after it, where the
/// subcommand reads them. Without a subcommand name (`locmem --cache URL`, the demo) nothing moves.
enum SubcommandOptionArguments {
    /// `arguments` with any options before the subcommand's name moved behind it.
    static func rearranged(_ arguments: [String], subcommands: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"), !arguments.contains("--"),
              let index = arguments.firstIndex(where: { subcommands.contains($0) })
        else { return arguments }
        return [arguments[index]] + arguments[..<index] + arguments[(index + 1)...]
    }

    /// The names of `locmem`'s subcommands.
    static var subcommandNames: [String] {
        LocMemCommand.configuration.subcommands.map { $0._commandName }
    }
}
