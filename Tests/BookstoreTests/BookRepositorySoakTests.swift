import Bookstore
import Foundation
import LocMem
import SQLiteStore
import Synchronization
import Testing

/// Eight threads doing mixed cache and repository operations against a cache far smaller than the data.
///
/// The store must never hold more than `maxEntries`, and reads must equal the database. The threads are arranged
/// to make every check exact: each thread alone writes and reads its own books; everybody reads authors and the
/// books of authors nobody writes, which never change, and the top-rated lists. After the threads have finished,
/// every read through the repository must equal the database.
///
/// Size: `LOCMEM_SOAK_OPERATIONS` operations per thread (default 1,500); the seed is `LOCMEM_SOAK_SEED`
/// (random by default, printed with any failure).
@Suite struct BookRepositorySoakTests {
    static let threads = 8
    static let booksPerThread: Int64 = 4
    static let maxEntries = 24

    @Test func eightThreadsKeepTheCacheWithinItsLimitAndEveryReadEqualsTheDatabase() throws {
        let environment = ProcessInfo.processInfo.environment
        let operations = environment["LOCMEM_SOAK_OPERATIONS"].flatMap(Int.init) ?? 1_500
        let seed = environment["LOCMEM_SOAK_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        let store = try TestBookstore(.temporaryFile)
        let cache = try LocMemCache(
            location: "soak-\(UUID().uuidString)",
            configuration: CacheConfiguration(maxEntries: Self.maxEntries, cullFrequency: 3)
        )
        let repo = BookRepository(database: store.database, cache: cache, timeout: .never)
        let truth = repo.uncached
        // The authors of the written books may change (their book lists); every other author never does.
        let writtenBooks = 1...(Int64(Self.threads) * Self.booksPerThread)
        let writtenAuthors = Set(try writtenBooks.map { id in try #require(try truth.book(id: id)).authorID })
        let stableAuthors = Array(Set(Int64(1)...200).subtracting(writtenAuthors)).sorted()

        let largestCount = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for thread in 0..<Self.threads {
            group.enter()
            let worker = Thread {
                defer { group.leave() }
                var random = SplitMix64(seed: seed &+ UInt64(thread) &* 0x9E37_79B9_7F4A_7C15)
                let ownBooks = (Int64(thread) * Self.booksPerThread + 1)...(Int64(thread + 1) * Self.booksPerThread)
                var ownValues: [String: Int] = [:]
                func fail(_ message: String) {
                    failures.withLock { $0.append("thread \(thread): \(message)") }
                }
                do {
                    for step in 0..<operations {
                        let book = Int64.random(in: ownBooks, using: &random)
                        switch Int.random(in: 0..<100, using: &random) {
                        case 0..<25:
                            let cached = try repo.book(id: book)
                            let stored = try truth.book(id: book)
                            if cached != stored {
                                fail("book \(book): cached \(cached.debugDescription), not \(stored.debugDescription)")
                            }
                        case 25..<35:
                            let price = Int.random(in: 0...1_000_000, using: &random)
                            try repo.updatePrice(bookID: book, priceCents: price)
                            if try repo.book(id: book)?.priceCents != price {
                                fail("book \(book) does not show price \(price)")
                            }
                        case 35..<42:
                            let rating = Int.random(in: 1...5, using: &random)
                            try repo.addReview(bookID: book, rating: rating, body: "soak \(step)")
                        case 42..<55:
                            let author = Int64.random(in: 1...200, using: &random)
                            if try repo.author(id: author) != (try truth.author(id: author)) {
                                fail("author \(author)")
                            }
                        case 55..<65:
                            let author = stableAuthors.randomElement(using: &random)!
                            if try repo.books(byAuthor: author) != (try truth.books(byAuthor: author)) {
                                fail("books by author \(author)")
                            }
                        case 65..<72:
                            let list = try repo.topRatedBooks(limit: Int.random(in: 1...5, using: &random))
                            let ordered = zip(list, list.dropFirst()).allSatisfy {
                                $0.averageRating >= $1.averageRating
                            }
                            if !ordered { fail("top-rated list out of order") }
                        default:
                            // Plain cache traffic on keys of this thread's own, to keep the store culling.
                            let key = "soak:\(thread):\(Int.random(in: 0..<12, using: &random))"
                            switch Int.random(in: 0..<4, using: &random) {
                            case 0:
                                cache.set(key, step)
                                ownValues[key] = step
                            case 1:
                                // A value set by this thread, or nothing (culled or deleted); never another's.
                                if let value = cache.get(key, as: Int.self), value != ownValues[key] {
                                    fail("\(key) holds \(value), last set \(String(describing: ownValues[key]))")
                                }
                            case 2:
                                if let value = try? cache.incr(key) { ownValues[key] = value }
                            default:
                                cache.delete(key)
                                ownValues[key] = nil
                            }
                        }
                        largestCount.max(cache.count, ordering: .relaxed)
                    }
                } catch {
                    fail("\(error)")
                }
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
        group.wait()

        let recorded = failures.withLock { $0 }
        #expect(recorded.isEmpty, "seed \(seed): \(recorded.prefix(10))")
        #expect(largestCount.load(ordering: .relaxed) <= Self.maxEntries, "seed \(seed)")
        #expect(largestCount.load(ordering: .relaxed) == Self.maxEntries, "the store never filled: culling untested")
        #expect(cache.statistics.culled > 0)

        // After the last write, every read through the cache equals the database.
        for id in writtenBooks {
            #expect(try repo.book(id: id) == (try truth.book(id: id)), "book \(id), seed \(seed)")
        }
        for author in writtenAuthors.union(stableAuthors.prefix(20)) {
            #expect(try repo.books(byAuthor: author) == (try truth.books(byAuthor: author)), "author \(author)")
            #expect(try repo.author(id: author) == (try truth.author(id: author)))
        }
        for limit in 1...5 {
            #expect(try repo.topRatedBooks(limit: limit) == (try truth.topRatedBooks(limit: limit)), "limit \(limit)")
        }
        #expect(cache.count <= Self.maxEntries)
        #expect(store.database.busyStatementCount == 0)
        #expect(store.database.isInTransaction == false)
    }
}

/// A small seeded generator (SplitMix64), so a failing run can be repeated with `LOCMEM_SOAK_SEED`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
