import ArgumentParser
import LocMem

/// The options every command shares: how the cache is configured, which database it fronts,
/// and whether output may be coloured.
///
/// Checked in ``validate()`` before any command runs, so a bad value is reported as a usage
/// error (exit code 64) and nothing is opened or written.
struct CacheOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "How long a cached read stays valid, in seconds (0: nothing is kept).",
            valueName: "seconds"
        )
    )
    var timeout: Double = 1

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("The most entries the cache holds before it culls (at least 1).", valueName: "n")
    )
    var maxEntries: Int = 300

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "When full, cull 1/n of the entries, least recently used first; 0 empties the cache.",
            valueName: "n"
        )
    )
    var cullFrequency: Int = 3

    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            """
            An SQLite file to use instead of a fresh in-memory database. A missing file is created \
            and seeded from Fixtures/, so changes persist between runs.
            """,
            valueName: "path"
        )
    )
    var databasePath: String?

    @Option(
        name: .customLong("cache"),
        help: ArgumentHelp(
            """
            A Redis server to cache in, shared with other processes (redis://[:password@]host:port/db): \
            the commands then read through CacheAsideBookRepository on a RedisCache instead of the \
            in-process cache.
            """,
            valueName: "url"
        )
    )
    var cacheURL: String?

    @Flag(help: "Never colour the output (colour is also off when NO_COLOR is set or stdout is not a terminal).")
    var noColor = false

    func validate() throws {
        guard timeout.isFinite, timeout >= 0 else {
            throw ValidationError("--timeout must be a number of seconds, 0 or more (got \(timeout))")
        }
        guard maxEntries >= 1 else {
            throw ValidationError("--max-entries must be at least 1 (got \(maxEntries))")
        }
        guard cullFrequency >= 0 else {
            throw ValidationError("--cull-frequency must be 0 or more (got \(cullFrequency))")
        }
        if let databasePath, databasePath.isEmpty {
            throw ValidationError("--db needs a file path (got an empty string)")
        }
    }

    /// The cache's configuration: Django's `TIMEOUT`, `MAX_ENTRIES` and `CULL_FREQUENCY`.
    var configuration: CacheConfiguration {
        CacheConfiguration(timeout: timeout, maxEntries: maxEntries, cullFrequency: cullFrequency)
    }

    /// How output is styled: colour only on a terminal, and never with `--no-color` or `NO_COLOR`.
    var terminal: Terminal {
        Terminal(noColor: noColor)
    }
}
