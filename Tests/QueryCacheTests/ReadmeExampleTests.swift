import Foundation
import LocMem
import LocMemTesting
import QueryCache
import SQLiteStore
import Testing

/// The README's QueryCache example, as written there (with a temporary file), and the query counts its
/// comments state.
@Suite struct ReadmeExampleTests {
    @Test func theReadmeExampleDoesWhatItSays() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("querycache-readme-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let db = try Database(path: path)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS products(id INTEGER PRIMARY KEY, name TEXT NOT NULL, stock INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS orders(id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL);
            INSERT OR IGNORE INTO products VALUES (1, 'kettle', 12), (2, 'teapot', 3);
            """)
        let queries = CachedDatabase(database: db, cache: try LocMemCache(location: "queries-\(UUID().uuidString)"),
                                     timeout: 60)

        let inStock = { try queries.query("SELECT name FROM products WHERE stock > ? ORDER BY id", [0]) { row in
            try row.string(0)
        } }
        #expect(try assertQueries(1, on: db) { try inStock() } == ["kettle", "teapot"])
        #expect(try assertQueries(0, on: db) { try inStock() } == ["kettle", "teapot"])
        #expect(queries.tables(read: "SELECT p.name, SUM(o.quantity) FROM products p JOIN orders o ON o.product_id = p.id")
            == ["orders", "products"])
        try queries.execute("INSERT INTO orders(product_id, quantity) VALUES (?, ?)", [1, 2])
        #expect(try assertQueries(0, on: db) { try inStock() } == ["kettle", "teapot"])
        try queries.inTransaction {
            try queries.execute("UPDATE products SET stock = stock - ? WHERE id = ?", [12, 1])
        }
        #expect(try assertQueries(1, on: db) { try inStock() } == ["teapot"])
    }
}
