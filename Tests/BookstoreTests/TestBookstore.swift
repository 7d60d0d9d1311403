import Bookstore
import Foundation
import LocMem
import SQLiteStore
import Testing

/// Where a test's database lives: every repository behaviour is checked on both.
enum DatabaseKind: String, CaseIterable, CustomTestStringConvertible {
    case inMemory
    case temporaryFile

    var testDescription: String { rawValue }
}

/// A fixtures-loaded database, a cache of its own (a fresh location, so parallel tests never share a
/// store) on a manual clock, and a repository over both, with a 60-second timeout.
final class TestBookstore: Sendable {
    static let timeout = 60.0

    let database: Database
    let cache: LocMemCache
    let clock: ManualClock
    let repository: BookRepository
    let path: String?

    init(_ kind: DatabaseKind = .inMemory, loadFixtures: Bool = true) throws {
        switch kind {
        case .inMemory:
            path = nil
            database = try Database.inMemory()
        case .temporaryFile:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("bookstore-tests-\(UUID().uuidString).sqlite").path
            self.path = path
            database = try Database(path: path)
        }
        if loadFixtures {
            try Fixtures.load(into: database)
        }
        clock = ManualClock()
        cache = try LocMemCache(location: "bookstore-tests-\(UUID().uuidString)", clock: clock)
        repository = BookRepository(database: database, cache: cache, timeout: .seconds(Self.timeout))
    }

    deinit {
        guard let path else { return }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    // MARK: - Reading the database behind the cache's back

    func count(_ table: String) throws -> Int {
        try database.queryFirst("SELECT COUNT(*) FROM \(table)") { row in try row.int(0) } ?? -1
    }

    func priceCents(ofBook id: Int64) throws -> Int? {
        try database.queryFirst("SELECT price_cents FROM books WHERE id = ?", [.integer(id)]) { row in try row.int(0) }
    }

    /// The first book by another author than `authorID`, with or without reviews.
    func bookID(notByAuthor authorID: Int64, reviewed: Bool) throws -> Int64 {
        let id = try database.queryFirst(
            """
            SELECT id FROM books WHERE author_id <> ? AND \(reviewed ? "" : "NOT") EXISTS
            (SELECT 1 FROM reviews WHERE book_id = books.id) ORDER BY id LIMIT 1
            """,
            [.integer(authorID)]
        ) { row in try row.int64(0) }
        return try #require(id)
    }
}
