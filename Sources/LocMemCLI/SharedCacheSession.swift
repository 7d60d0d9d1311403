import Bookstore
import LocMem
import LocMemBenchmarks
import LocMemRedis
import SQLiteStore

/// What the commands run against with `--cache redis://...`: the database, a `RedisCache` shared
/// with other processes, and the `CacheAsideBookRepository` that reads through the one into the other.
///
/// The counterpart of ``BookstoreSession`` for a shared cache; ``measure(_:_:)`` reports the same
/// things (the statements SQLite ran, from its trace hook), with the Redis server's own counters
/// (`INFO stats`, server-wide) as the cache statistics.
struct SharedCacheSession {
    typealias Repository = CacheAsideBookRepository<RedisCache>

    let database: Database
    let origin: BookstoreDatabase.Origin
    let seedDuration: Duration?
    let cache: RedisCache
    let repository: Repository
    let options: CacheOptions

    /// Opens (or creates and seeds) the database and connects to the server at `url`.
    ///
    /// - Throws: ``CLIError/cache(_:)`` for a malformed URL or an unreachable server, in one line.
    init(options: CacheOptions, url: String) throws(CLIError) {
        let opened = try BookstoreDatabase.open(path: options.databasePath)
        let configuration = CacheConfiguration(timeout: options.timeout, keyPrefix: "locmem-cli")
        do {
            cache = try runBlocking { () async throws(CacheError) -> RedisCache in
                try await RedisCache(url: url, configuration: configuration)
            }
        } catch {
            throw .cache(error)
        }
        database = opened.database
        origin = opened.origin
        seedDuration = opened.seedDuration
        repository = Repository(database: opened.database, cache: cache, timeout: .seconds(options.timeout))
        self.options = options
    }

    /// Runs `body` once and measures it (see ``BookstoreSession/measure(_:_:)``).
    func measure<Value: Sendable>(
        _ call: String, _ body: @escaping @Sendable (Repository) async throws -> Value
    ) throws -> MeasuredCall<Value> {
        let repository = repository
        let database = database
        let cache = cache
        do {
            return try runBlocking { () async throws -> MeasuredCall<Value> in
                let statisticsBefore = try? await cache.serverStatistics()
                let queriesBefore = database.queryCount
                let clock = ContinuousClock()
                let start = clock.now
                let value = try await body(repository)
                let duration = start.duration(to: clock.now)
                let queries = database.queryCount - queriesBefore
                let statisticsAfter = try? await cache.serverStatistics()
                var statistics = CacheStatistics()
                if let statisticsBefore, let statisticsAfter { statistics = statisticsAfter - statisticsBefore }
                return MeasuredCall(
                    call: call, value: value, queries: queries, statements: [], cache: statistics, duration: duration
                )
            }
        } catch {
            throw CLIError.wrapping(error)
        }
    }

    /// The server's counters now (server-wide), or zeros if the server cannot be asked.
    var serverStatistics: CacheStatistics {
        let cache = cache
        return (try? runBlocking { () async throws(CacheError) in try await cache.serverStatistics() })
            ?? CacheStatistics()
    }

    /// `in-memory database, seeded from Fixtures/ in 140 ms`, as ``BookstoreSession/databaseDescription``.
    var databaseDescription: String {
        origin.description(seedDuration: seedDuration)
    }

    /// Closes the connections.
    func close() {
        let cache = cache
        runBlocking { await cache.close() }
    }

    /// `RedisCache at 127.0.0.1:6379, timeout 1 s, keys locmem-cli:1:*`
    var cacheDescription: String {
        "RedisCache at \(cache.address), shared, timeout \(Formatting.seconds(options.timeout)), keys locmem-cli:1:*"
    }

    /// Reads that went to SQLite because the server failed, if any, as a note.
    var degradedNote: String? {
        let statistics = repository.statistics
        guard statistics.degradedReads > 0 || statistics.failedInvalidations > 0 else { return nil }
        return "the cache server failed: \(Formatting.count(statistics.degradedReads, "read")) answered by SQLite "
            + "instead, \(Formatting.count(statistics.failedInvalidations, "invalidation")) failed"
    }
}
