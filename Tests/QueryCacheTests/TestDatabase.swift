import Foundation
import LocMem
import QueryCache
import SQLiteStore
import Testing

/// Where a test's database lives.
enum Storage: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case file

    var testDescription: String { rawValue }
}

/// A small schema with what the invalidation rules must handle: a join, a view, a trigger that writes another
/// table, a `WITHOUT ROWID` table; a `CachedDatabase` over it with a fresh cache location.
final class TestDatabase: Sendable {
    static let schema = """
        CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                           author_id INTEGER NOT NULL REFERENCES authors(id), price INTEGER NOT NULL);
        CREATE TABLE tags(name TEXT PRIMARY KEY, uses INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE audit(id INTEGER PRIMARY KEY, note TEXT NOT NULL);
        CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL);
        CREATE TRIGGER books_audit AFTER UPDATE OF price ON books
            BEGIN INSERT INTO audit(note) VALUES ('price of ' || new.id); END;
        CREATE VIEW book_authors AS SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;
        INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Herbert');
        INSERT INTO books VALUES (1, 'Earthsea', 1, 900), (2, 'Dune', 2, 1200), (3, 'Lathe', 1, 800);
        INSERT INTO tags VALUES ('sf', 2), ('fantasy', 1);
        INSERT INTO notes(body) VALUES ('first');
        """

    let database: Database
    let cache: LocMemCache
    let queries: CachedDatabase
    /// The file, for file databases.
    let path: String?

    init(_ storage: Storage = .memory, timeout: CacheTimeout = .never) throws {
        switch storage {
        case .memory:
            path = nil
            database = try Database.inMemory()
        case .file:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("querycache-tests-\(UUID().uuidString).sqlite").path
            self.path = path
            database = try Database(path: path)
        }
        try database.execute(Self.schema)
        cache = try LocMemCache(location: "querycache-tests-\(UUID().uuidString)",
                                configuration: CacheConfiguration(maxEntries: 10_000))
        queries = CachedDatabase(database: database, cache: cache, timeout: timeout)
    }

    deinit {
        guard let path else { return }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    /// Another connection to the same file.
    func secondConnection() throws -> Database {
        try Database(path: try #require(path, "a file database"))
    }

    // MARK: - Reads used by many tests

    func title(_ id: Int64) throws -> String? {
        try queries.queryFirst("SELECT title FROM books WHERE id = ?", [.integer(id)]) { row in try row.string(0) }
    }

    func price(_ id: Int64) throws -> Int? {
        try queries.queryFirst("SELECT price FROM books WHERE id = ?", [.integer(id)]) { row in try row.int(0) }
    }

    func authorNames() throws -> [String] {
        try queries.query("SELECT name FROM authors ORDER BY id") { row in try row.string(0) }
    }

    func bookCount() throws -> Int {
        try queries.queryFirst("SELECT COUNT(*) FROM books") { row in try row.int(0) } ?? -1
    }

    /// `body`'s value and the number of statements SQLite ran during it, from the trace hook.
    func counting<T>(_ body: () throws -> T) rethrows -> (T, Int) {
        let (value, statements) = try database.capturingQueries(body)
        return (value, statements.count)
    }
}
