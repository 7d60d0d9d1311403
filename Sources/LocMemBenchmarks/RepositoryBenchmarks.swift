import Bookstore
import LocMem
import SQLiteStore

/// The bookstore's reads through the cache (hits) against the same reads with the cache bypassed,
/// and single-flight: many concurrent cold reads of one key, and the queries they ran.
///
/// The uncached side is ``Bookstore/BookRepository/uncached``: exactly what the repository runs
/// on a miss, a prepared statement reused from the database's statement cache, with row decoding
/// into `Book`/`BookRating`. The database is in memory, loaded from `Fixtures/*.sql`, so neither
/// side touches the disk. Each read's uncached and cached cases run one right after the other.
struct RepositoryBenchmarks: RoundedSuite {
    static let topRatedLimit = 10
    static let topRated = "topRatedBooks(limit: \(topRatedLimit))"
    static let reads = ["book(id:)", "books(byAuthor:)", topRated]
    /// Book ids 1...1,024 are read round-robin, authors 1...128 (the fixtures have 2,000 books
    /// and 200 authors).
    static let bookIDs: [Int64] = Array(1...1_024)
    static let authorIDs: [Int64] = Array(1...128)

    /// Every case name, for the filter.
    static var caseNames: [String] {
        reads.flatMap { read in
            [Implementation.sqliteUncached, Implementation.locMemCached].map {
                BenchmarkResult.id(.repository, read, $0)
            } + ["single-flight/\(read)"]
        }
    }

    let sampler: Sampler
    let progress: @Sendable (String) -> Void
    let database: Database
    let cache: LocMemCache
    let repository: BookRepository

    /// Loads the fixtures into a new in-memory database, and checks that the cached and uncached
    /// reads agree (which also fills the cache).
    init(sampler: Sampler, progress: @escaping @Sendable (String) -> Void) throws {
        self.sampler = sampler
        self.progress = progress
        progress("repository: loading Fixtures/*.sql into an in-memory database")
        database = try Database.inMemory()
        try Fixtures.load(into: database)
        cache = try LocMemCache(location: "locmem-bench/repository", configuration: CacheBenchmarks.configuration)
        cache.clear()
        repository = BookRepository(database: database, cache: cache, timeout: 300)
        try warm()
    }

    private func warm() throws {
        let uncached = repository.uncached, limit = Self.topRatedLimit
        for id in Self.bookIDs where try repository.book(id: id) != uncached.book(id: id) {
            throw mismatch("book(id: \(id))")
        }
        for id in Self.authorIDs where try repository.books(byAuthor: id) != uncached.books(byAuthor: id) {
            throw mismatch("books(byAuthor: \(id))")
        }
        guard try repository.topRatedBooks(limit: limit) == uncached.topRatedBooks(limit: limit),
            try uncached.topRatedBooks(limit: limit).count == limit
        else { throw mismatch(Self.topRated) }
    }

    private func mismatch(_ read: String) -> BenchmarkError {
        .setUpFailed("cached and uncached \(read) differ")
    }

    func measureRound() throws -> [MeasuredCase] {
        let repository = repository, uncached = repository.uncached
        let books = Self.bookIDs, authors = Self.authorIDs, limit = Self.topRatedLimit
        let bookMask = books.count - 1, authorMask = authors.count - 1
        var position = 0
        var cases: [MeasuredCase] = []
        try measure("book(id:)", cached: false, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= Int((try? uncached.book(id: books[position & bookMask]))??.id ?? -1)
                position &+= 1
            }
            return sum
        }
        try measure("book(id:)", cached: true, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= Int((try? repository.book(id: books[position & bookMask]))??.id ?? -1)
                position &+= 1
            }
            return sum
        }
        try measure("books(byAuthor:)", cached: false, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= (try? uncached.books(byAuthor: authors[position & authorMask]))?.count ?? -1
                position &+= 1
            }
            return sum
        }
        try measure("books(byAuthor:)", cached: true, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations {
                sum &+= (try? repository.books(byAuthor: authors[position & authorMask]))?.count ?? -1
                position &+= 1
            }
            return sum
        }
        try measure(Self.topRated, cached: false, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations { sum &+= (try? uncached.topRatedBooks(limit: limit))?.count ?? -1 }
            return sum
        }
        try measure(Self.topRated, cached: true, into: &cases) { operations in
            var sum = 0
            for _ in 0..<operations { sum &+= (try? repository.topRatedBooks(limit: limit))?.count ?? -1 }
            return sum
        }
        return cases
    }

    /// Measures one case on this thread, checking with `db.queryCount` that a cached case ran no
    /// SQL and an uncached one ran a query per read.
    private func measure(
        _ operation: String, cached: Bool, into cases: inout [MeasuredCase], _ body: BatchBody
    ) throws {
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
            let reads = measurement.operations
            throw BenchmarkError.setUpFailed("uncached \(operation) ran \(ran) queries for \(reads) reads")
        }
        cases.append(MeasuredCase(
            group: .repository, operation: operation, implementation: implementation, measurements: [measurement]
        ))
    }

    // MARK: - Single-flight

    /// The single-flight cases (``topRated`` and `book(id:)`), the filter permitting; the cache is
    /// cleared afterwards, so run this after the timed rounds.
    func singleFlight() throws -> [SingleFlightResult] {
        let repository = repository, uncached = repository.uncached, limit = Self.topRatedLimit
        var flights: [SingleFlightResult] = []
        if sampler.options.includes("single-flight/\(Self.topRated)") {
            flights.append(try singleFlight(Self.topRated) {
                try repository.topRatedBooks(limit: limit)
            } uncached: {
                try uncached.topRatedBooks(limit: limit)
            })
        }
        if sampler.options.includes("single-flight/book(id:)") {
            flights.append(try singleFlight("book(id:)") {
                try repository.book(id: 7)
            } uncached: {
                try uncached.book(id: 7)
            })
        }
        cache.clear()
        return flights
    }

    /// Releases ``BenchmarkOptions/singleFlightReaders`` threads at once on a cold cache, each
    /// reading one key through the repository, and counts the statements SQLite ran; then the
    /// same readers with the cache bypassed. Repeated ``BenchmarkOptions/singleFlightRounds``
    /// times, the cache cleared before each round.
    private func singleFlight<Value: Hashable & Sendable>(
        _ read: String, cached: @escaping @Sendable () throws -> Value, uncached: @escaping @Sendable () throws -> Value
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
