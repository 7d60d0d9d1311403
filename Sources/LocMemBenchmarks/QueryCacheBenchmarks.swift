import Bookstore
import Foundation
import LocMem
import QueryCache
import SQLiteStore

/// `CachedDatabase` hits against the same read uncached and against a plain `LocMemCache.get` of the same value,
/// for a primary-key read and the top-rated aggregate, on a database FILE (so every hit pays the check for other
/// processes' commits) and in memory (no such check).
///
/// Three implementations per read, measured one right after the other:
/// - `SQLite (uncached)`: the repository's uncached read, a prepared statement reused from the statement cache,
///   with the same row decoding;
/// - `LocMem (cached)`: the `BookRepository` read, that is `CachedDatabase.query`/`queryFirst` hitting;
/// - `LocMemCache.get (cached)`: `LocMemCache.get` of the same value under a key built beforehand: the floor a
///   hit cannot go below.
///
/// The report's `database / cache` ratio is the hit's speed-up over SQLite; `LocMemCache.get (cached) /
/// LocMem (cached)` is the plain get over the hit (at least 0.5 meets the goal "a hit costs at most 2x a plain
/// get").
struct QueryCacheBenchmarks: RoundedSuite {
    static let plainGet = "LocMemCache.get (cached)"
    static let topRatedLimit = 10
    /// The reads, by storage: `book(id:), file`, `top-rated, memory`, ...
    static func operation(_ read: String, _ storage: String) -> String { "\(read), \(storage)" }
    static let reads = ["book(id:)", "top-rated"]
    static let storages = ["file", "memory"]
    static let bookIDs: [Int64] = Array(1...1_024)

    static var caseNames: [String] {
        storages.flatMap { storage in
            reads.flatMap { read in
                [Implementation.sqliteUncached, Implementation.locMemCached, plainGet].map {
                    BenchmarkResult.id(.repository, operation(read, storage), $0)
                }
            }
        }
    }

    /// One database with its repository and the plain cache entries of the same values.
    struct Setup {
        let storage: String
        let database: Database
        let repository: BookRepository
        let bookKeys: [String]
        let topRatedKey: String
    }

    let sampler: Sampler
    let progress: @Sendable (String) -> Void
    let cache: LocMemCache
    let setups: [Setup]
    let folder: URL

    init(sampler: Sampler, progress: @escaping @Sendable (String) -> Void) throws {
        self.sampler = sampler
        self.progress = progress
        let cache = try LocMemCache(
            location: "locmem-bench/query-cache",
            configuration: CacheConfiguration(timeout: 300, maxEntries: 10_000, cullFrequency: 3))
        cache.clear()
        self.cache = cache
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("locmem-bench-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        progress("query cache: loading Fixtures/*.sql into an in-memory database, and a copy in a file")
        let memory = try Database.inMemory()
        try Fixtures.load(into: memory)
        let path = folder.appendingPathComponent("bookstore.sqlite").path
        try? FileManager.default.removeItem(atPath: path)
        try memory.execute("VACUUM INTO '\(path.replacingOccurrences(of: "'", with: "''"))'")
        let file = try Database(path: path)
        setups = try [("file", file), ("memory", memory)].map { storage, database in
            let repository = BookRepository(database: database, cache: cache, timeout: 300)
            let uncached = repository.uncached
            var bookKeys: [String] = []
            for id in Self.bookIDs {
                let book = try uncached.book(id: id)
                guard try repository.book(id: id) == book else {
                    throw BenchmarkError.setUpFailed("cached and uncached book(id: \(id)) differ (\(storage))")
                }
                let key = "\(storage):book:\(id)"
                cache.set(key, book)
                bookKeys.append(key)
            }
            let top = try uncached.topRatedBooks(limit: Self.topRatedLimit)
            guard try repository.topRatedBooks(limit: Self.topRatedLimit) == top else {
                throw BenchmarkError.setUpFailed("cached and uncached top-rated differ (\(storage))")
            }
            let topRatedKey = "\(storage):top-rated:\(Self.topRatedLimit)"
            cache.set(topRatedKey, top)
            return Setup(storage: storage, database: database, repository: repository, bookKeys: bookKeys,
                         topRatedKey: topRatedKey)
        }
    }

    /// Removes the database file.
    func tearDown() {
        cache.clear()
        try? FileManager.default.removeItem(at: folder)
    }

    func measureRound() throws -> [MeasuredCase] {
        var cases: [MeasuredCase] = []
        let ids = Self.bookIDs, mask = Self.bookIDs.count - 1, limit = Self.topRatedLimit
        for setup in setups {
            let repository = setup.repository, uncached = repository.uncached, cache = cache
            let bookKeys = setup.bookKeys, topRatedKey = setup.topRatedKey
            var position = 0
            let book = Self.operation(Self.reads[0], setup.storage)
            try measure(book, Implementation.sqliteUncached, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations {
                    sum &+= Int((try? uncached.book(id: ids[position & mask]))??.id ?? -1)
                    position &+= 1
                }
                return sum
            }
            try measure(book, Implementation.locMemCached, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations {
                    sum &+= Int((try? repository.book(id: ids[position & mask]))??.id ?? -1)
                    position &+= 1
                }
                return sum
            }
            try measure(book, Self.plainGet, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations {
                    sum &+= Int(cache.get(bookKeys[position & mask], as: Book?.self)??.id ?? -1)
                    position &+= 1
                }
                return sum
            }
            let top = Self.operation(Self.reads[1], setup.storage)
            try measure(top, Implementation.sqliteUncached, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations { sum &+= (try? uncached.topRatedBooks(limit: limit))?.count ?? -1 }
                return sum
            }
            try measure(top, Implementation.locMemCached, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations { sum &+= (try? repository.topRatedBooks(limit: limit))?.count ?? -1 }
                return sum
            }
            try measure(top, Self.plainGet, setup, into: &cases) { operations in
                var sum = 0
                for _ in 0..<operations { sum &+= cache.get(topRatedKey, as: [BookRating].self)?.count ?? -1 }
                return sum
            }
        }
        return cases
    }

    /// Measures one case, checking with `db.queryCount` that a cached case ran no SQL (the change check's
    /// internal `PRAGMA data_version` is not counted) and an uncached one ran a query per read.
    private func measure(
        _ operation: String, _ implementation: String, _ setup: Setup, into cases: inout [MeasuredCase],
        _ body: BatchBody
    ) throws {
        guard sampler.options.includes(BenchmarkResult.id(.repository, operation, implementation)) else { return }
        progress("query cache: \(operation), \(implementation)")
        let queries = setup.database.queryCount
        let measurement = sampler.measure(body)
        let ran = setup.database.queryCount - queries
        let cached = implementation != Implementation.sqliteUncached
        if cached, ran != 0 {
            throw BenchmarkError.setUpFailed("\(operation), \(implementation) ran \(ran) queries while measured")
        }
        if !cached, ran < measurement.operations {
            throw BenchmarkError.setUpFailed("uncached \(operation) ran \(ran) queries for \(measurement.operations)")
        }
        cases.append(MeasuredCase(
            group: .repository, operation: operation, implementation: implementation, measurements: [measurement]))
    }
}
