import ArgumentParser

/// The options of the commands that call one repository method: how many times, and whether to
/// print JSON for scripts instead of a table.
struct CallOptions: ParsableArguments {
    @Option(
        name: .customLong("repeat"),
        parsing: .unconditional,
        help: ArgumentHelp("Make the call n times in a row (at least 1).", valueName: "n")
    )
    var count: Int = 1

    @Flag(help: "Print JSON (sorted keys): every call's result, source, queries and duration, then the statistics.")
    var json = false

    func validate() throws {
        guard count >= 1 else {
            throw ValidationError("--repeat must be at least 1 (got \(count))")
        }
    }
}
