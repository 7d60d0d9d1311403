import Bookstore
import LocMem
import SQLiteStore

/// The bookstore's reads through the cache (hits) against the same reads with the cache bypassed,
/// and single-flight: many concurrent cold reads of one key, and the queries they ran.
///
/// The uncached side is ``Bookstore/BookRepository/uncached``: exactly what the repository runs
/// on a miss, a prepared statement reused from the database's statement cache, with row decoding
/// into `Book`/`BookRating`. The database is in memory, loaded from `Fixtures/*.sql`, so neither
/// side touches the disk.
struct RepositoryBenchmarks {
    static let topRatedLimit = 10
    /// Book ids 1...1,024 are read round-robin, authors 1...128 (the fixtures have 2,000 books
    /// and 200 authors).
    static let bookIDs: [Int64] = Array(1...1_024)
    static let authorIDs: [Int64] = Array(1...128)

    let sampler: Sampler
    let progress: @Sendable (String) -> Void

    /// Every case name, for the filter.
    static var caseNames: [String] {
        let reads = ["book(id:)", "books(byAuthor:)", "topRatedBooks(limit: \(topRatedLimit))"]
        return reads.flatMap { read in
            [Implementation.sqliteUncached, Implementation.locMemCached].map {
                BenchmarkResult.id(.repository, read, $0)
            } + ["single-flight/\(read)"]
        }
    }

    func run() throws -> (results: [BenchmarkResult], singleFlight: [SingleFlightResult]) {
        guard Self.caseNames.contains(where: sampler.options.includes) else { return ([], []) }
        progress("repository: loading Fixtures/*.sql into an in-memory database")
        let database = try Database.inMemory()
        try Fixtures.load(into: database)
        let cache = try LocMemCache(location: "locmem-bench/repository", configuration: CacheBenchmarks.configuration)
        cache.clear()
        let repository = BookRepository(database: database, cache: cache, timeout: 300)
        let uncached = repository.uncached
        let books = Self.bookIDs, authors = Self.authorIDs
        let limit = Self.topRatedLimit

        // The two sides must return the same values, and the cached side must run no SQL.
        for id in books { guard try repository.book(id: id) == uncached.book(id: id) else { throw mismatch("book") } }
        for id in authors {
            guard try repository.books(byAuthor: id) == uncached.books(byAuthor: id) else { throw mismatch("books") }
        }
        guard try repository.topRatedBooks(limit: limit) == uncached.topRatedBooks(limit: limit),
            try uncached.topRatedBooks(limit: limit).count == limit
        else { throw mismatch("topRatedBooks") }

        var results: [BenchmarkResult] = []
        func measure(_ operation: String, cached: Bool, _ body: BatchBody) throws {
            let implementation = cached ? Implementation.locMemCached : Implementation.sqliteUncached
            guard sampler.options.includes(BenchmarkResult.id(.repository, operation, implementation)) else { return }
            progress("repository: \(operation), \(cached ? "cached" : "uncached")")
            let queries = database.queryCount
            let measurement = sampler.measure(body)
            let ran = database.queryCount - queries
            if cached, ran != 0 {
                throw BenchmarkError.setUpFailed("cached \(operation) ran \(ran) queries while measured")
            }
            if !cached, ran < measurement.operations {
                throw BenchmarkError.setUpFailed("uncached \(operation) ran \(ran) queries for \(measurement.operations) reads")
            }
            results.append(BenchmarkResult(
                group: .repository, operation: operation, implementation: implementation, measurements: [measurement]
            ))
        }

        let bookMask = books.count - 1, authorMask = authors.count - 1
        var position = 0
        try measure("book(id:)", cached: false) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= Int((try? uncached.book(id: books[position & bookMask]))??.id ?? -1)
                position &+= 1
            }
            return sum
        }
        try measure("book(id:)", cached: true) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= Int((try? repository.book(id: books[position & bookMask]))??.id ?? -1)
                position &+= 1
            }
            return sum
        }
        try measure("books(byAuthor:)", cached: false) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= (try? uncached.books(byAuthor: authors[position & authorMask]))?.count ?? -1
                position &+= 1
            }
            return sum
        }
        try measure("books(byAuthor:)", cached: true) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= (try? repository.books(byAuthor: authors[position & authorMask]))?.count ?? -1
                position &+= 1
            }
            return sum
        }
        let topRated = "topRatedBooks(limit: \(limit))"
        try measure(topRated, cached: false) { operations in
            var sum = 0
            for _ in 0..<operations { sum &+= (try? uncached.topRatedBooks(limit: limit))?.count ?? -1 }
            return sum
        }
        try measure(topRated, cached: true) { operations in
            var sum = 0
            for _ in 0..<operations { sum &+= (try? repository.topRatedBooks(limit: limit))?.count ?? -1 }
            return sum
        }

        var flights: [SingleFlightResult] = []
        if sampler.options.includes("single-flight/\(topRated)") {
            flights.append(try singleFlight(topRated, cache: cache, database: database) {
                try repository.topRatedBooks(limit: limit)
            } uncached: {
                try uncached.topRatedBooks(limit: limit)
            })
        }
        if sampler.options.includes("single-flight/book(id:)") {
            flights.append(try singleFlight("book(id:)", cache: cache, database: database) {
                try repository.book(id: 7)
            } uncached: {
                try uncached.book(id: 7)
            })
        }
        cache.clear()
        return (results, flights)
    }

    private func mismatch(_ read: String) -> BenchmarkError {
        .setUpFailed("cached and uncached \(read) differ")
    }

    /// Releases ``BenchmarkOptions/singleFlightReaders`` threads at once on a cold cache, each
    /// reading one key through the repository, and counts the statements SQLite ran; then the
    /// same readers with the cache bypassed. Repeated ``BenchmarkOptions/singleFlightRounds``
    /// times, the cache cleared before each round.
    private func singleFlight<Value: Hashable & Sendable>(
        _ read: String, cache: LocMemCache, database: Database,
        cached: @escaping @Sendable () throws -> Value, uncached: @escaping @Sendable () throws -> Value
    ) throws -> SingleFlightResult {
        progress("single-flight: \(read)")
        let readers = sampler.options.singleFlightReaders
        let expected = try uncached()
        var cachedQueries: [Int] = [], uncachedQueries: [Int] = []
        var consistent = true
        for _ in 0..<sampler.options.singleFlightRounds {
            for (bypass, read) in [(false, cached), (true, uncached)] {
                cache.clear()
                let barrier = StartBarrier(parties: readers)
                let before = database.queryCount
                let values = ThreadGroup.run(count: readers) { _ in
                    barrier.arriveAndWait()
                    return try? read()
                }
                let ran = database.queryCount - before
                if bypass { uncachedQueries.append(ran) } else { cachedQueries.append(ran) }
                consistent = consistent && values.allSatisfy { $0 == expected }
            }
        }
        return SingleFlightResult(
            read: read, readers: readers, cachedQueries: cachedQueries, uncachedQueries: uncachedQueries,
            consistent: consistent
        )
    }
}
