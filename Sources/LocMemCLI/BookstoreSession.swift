import Bookstore
import LocMem
import SQLiteStore

/// What every command runs against: the database, the `LocMemCache` in front of it and the
/// `BookRepository` that reads through the one into the other.
///
/// ``measure(_:_:)`` runs one repository call and reports what really happened: the statements
/// SQLite ran for it (from its trace hook, via `Database.queryCount` and `capturingQueries`),
/// the cache's statistics over the call, and how long it took.
struct BookstoreSession {
    let database: Database
    let origin: BookstoreDatabase.Origin
    let seedDuration: Duration?
    let cache: LocMemCache
    let repository: BookRepository
    let options: CacheOptions

    /// Opens (or creates and seeds) the database and builds the cache from the options.
    init(options: CacheOptions) throws(CLIError) {
        let opened = try BookstoreDatabase.open(path: options.databasePath)
        do {
            cache = try LocMemCache(location: "locmem-cli", configuration: options.configuration)
        } catch {
            throw .cache(error)
        }
        database = opened.database
        origin = opened.origin
        seedDuration = opened.seedDuration
        repository = BookRepository(database: opened.database, cache: cache, timeout: .seconds(options.timeout))
        self.options = options
    }

    /// Runs `body` once and measures it.
    ///
    /// - Parameters:
    ///   - call: how the call is shown, such as `book(id: 1)`.
    ///   - repository: the repository to call and whose database to watch; the session's by default.
    ///   - body: the call.
    /// - Throws: ``CLIError`` for the libraries' errors.
    func measure<Value>(
        _ call: String,
        through repository: BookRepository? = nil,
        _ body: (BookRepository) throws -> Value
    ) throws -> MeasuredCall<Value> {
        let repository = repository ?? self.repository
        let database = repository.database
        let clock = ContinuousClock()
        let statisticsBefore = cache.statistics
        let queriesBefore = database.queryCount
        var duration = Duration.zero
        do {
            let (value, statements) = try database.capturingQueries {
                let start = clock.now
                defer { duration = start.duration(to: clock.now) }
                return try body(repository)
            }
            return MeasuredCall(
                call: call,
                value: value,
                queries: database.queryCount - queriesBefore,
                statements: statements,
                cache: cache.statistics - statisticsBefore,
                duration: duration
            )
        } catch {
            throw CLIError.wrapping(error)
        }
    }

    /// `in-memory database seeded from Fixtures/ in 140 ms`, or what was done with the `--db` file.
    var databaseDescription: String {
        origin.description(seedDuration: seedDuration)
    }

    /// `timeout 1 s, max 300 entries, cull 1/3 when full`
    var cacheDescription: String {
        let cull = options.cullFrequency == 0 ? "empty it" : "cull 1/\(options.cullFrequency)"
        return "timeout \(Formatting.seconds(options.timeout)), max \(options.maxEntries) entries, \(cull) when full"
    }
}

extension CacheStatistics {
    /// The counts of `lhs` less those of `rhs`: what happened between two readings.
    static func - (lhs: CacheStatistics, rhs: CacheStatistics) -> CacheStatistics {
        CacheStatistics(
            hits: lhs.hits - rhs.hits,
            misses: lhs.misses - rhs.misses,
            sets: lhs.sets - rhs.sets,
            culled: lhs.culled - rhs.culled,
            expired: lhs.expired - rhs.expired
        )
    }
}
