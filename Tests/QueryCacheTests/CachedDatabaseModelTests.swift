import Foundation
import LocMem
import QueryCache
import SQLiteStore
import Testing

/// Random reads and writes through `CachedDatabase`, each read compared with the same SQL run uncached after
/// every step, with a second connection writing too: zero differences.
///
/// Every sequence has its own seed, printed on failure. To replay one:
/// `QUERYCACHE_MODEL_SEED=<hex seed> swift test --filter CachedDatabaseModelTests`.
@Suite struct CachedDatabaseModelTests {
    static let baseSeed: UInt64 = 0x0C0_FFEE_CAC4E
    static let sequences = 4
    static let stepsPerSequence = 1_500

    @Test(arguments: 0..<sequences)
    func cachedReadsAlwaysEqualUncachedReads(sequence: Int) throws {
        let seed: UInt64
        if let text = ProcessInfo.processInfo.environment["QUERYCACHE_MODEL_SEED"] {
            guard sequence == 0 else { return }
            seed = try #require(UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16),
                                "QUERYCACHE_MODEL_SEED must be hexadecimal")
        } else {
            seed = Self.baseSeed &+ UInt64(sequence) &* 0x9E37_79B9
        }
        var run = try ModelRun(seed: seed)
        if let failure = try run.run(steps: Self.stepsPerSequence) {
            Issue.record(Comment(rawValue: "seed 0x\(String(seed, radix: 16)): \(failure)"))
        }
    }
}

/// SplitMix64: tiny, seedable, the same on every platform.
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

/// One random sequence over a file database, a `CachedDatabase` on one connection and a second connection.
struct ModelRun {
    static let schema = """
        CREATE TABLE items(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val INTEGER NOT NULL);
        CREATE TABLE groups(name TEXT PRIMARY KEY, weight INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE log(id INTEGER PRIMARY KEY, what TEXT NOT NULL);
        CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
            INSERT INTO log(what) VALUES ('item ' || new.id);
            UPDATE groups SET weight = weight + 1 WHERE name = 'g' || new.grp;
        END;
        CREATE VIEW heavy_items AS
            SELECT i.id, i.val, g.weight FROM items i JOIN groups g ON g.name = 'g' || i.grp;
        INSERT INTO groups VALUES ('g0', 1), ('g1', 2), ('g2', 3);
        INSERT INTO items(grp, val) VALUES (0, 10), (1, 20), (2, 30), (0, 40);
        """

    /// The reads: SQL and a random argument.
    static let reads: [(sql: String, argument: @Sendable (inout SplitMix64) -> SQLiteValue?)] = [
        ("SELECT val FROM items WHERE id = ?", { .integer(Int64.random(in: 1...12, using: &$0)) }),
        ("SELECT SUM(val) FROM items WHERE grp = ?", { .integer(Int64.random(in: 0...2, using: &$0)) }),
        ("SELECT name || ':' || weight FROM groups ORDER BY name", { _ in nil }),
        ("SELECT COUNT(*) FROM heavy_items WHERE weight > ?", { .integer(Int64.random(in: 0...8, using: &$0)) }),
        ("SELECT COUNT(*) FROM log", { _ in nil }),
        ("""
         SELECT g.name || '=' || (SELECT COUNT(*) FROM items i WHERE 'g' || i.grp = g.name)
         FROM groups g ORDER BY g.name
         """, { _ in nil }),
        ("WITH big AS (SELECT val FROM items WHERE val > ?) SELECT COUNT(*) FROM big",
         { .integer(Int64.random(in: 0...60, using: &$0)) }),
    ]

    var random: SplitMix64
    let path: String
    let database: Database
    let other: Database
    let queries: CachedDatabase
    var log: [String] = []

    init(seed: UInt64) throws {
        random = SplitMix64(seed: seed)
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("querycache-model-\(UUID().uuidString).sqlite").path
        database = try Database(path: path)
        try database.execute(Self.schema)
        other = try Database(path: path)
        let cache = try LocMemCache(location: "querycache-model-\(UUID().uuidString)",
                                    configuration: CacheConfiguration(maxEntries: 40))
        queries = CachedDatabase(database: database, cache: cache, timeout: .never)
    }

    /// Runs `steps` steps; returns a description of the first difference, or `nil`.
    mutating func run(steps: Int) throws -> String? {
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        for step in 0..<steps {
            do {
                try write()
            } catch let failure as ModelFailure {
                return "step \(step): \(failure). Last: \(log.suffix(8).joined(separator: "; "))"
            }
            for _ in 0..<3 {
                let index = Int.random(in: 0..<Self.reads.count, using: &random)
                let read = Self.reads[index]
                let arguments = read.argument(&random).map { [$0] } ?? []
                let cached = try queries.query(read.sql, arguments) { $0.value(0) }
                let truth = try database.query(read.sql, arguments) { $0.value(0) }
                if cached != truth {
                    let recent = log.suffix(8).joined(separator: "; ")
                    return "step \(step): \(read.sql) \(arguments) gave \(cached), uncached \(truth). Last: \(recent)"
                }
            }
        }
        return nil
    }

    /// One random write (or none), through the cached database, the database itself, or the other connection.
    private mutating func write() throws {
        struct Rollback: Error {}
        let choice = Int.random(in: 0..<100, using: &random)
        let statement = randomWriteStatement()
        switch choice {
        case 0..<30:
            break  // reads only
        case 30..<55:
            log.append("cached: \(statement)")
            try queries.execute(statement.sql, statement.arguments)
        case 55..<70:
            log.append("other connection: \(statement)")
            try other.execute(statement.sql, statement.arguments)
        case 70..<80:
            let second = randomWriteStatement()
            let commit = Bool.random(using: &random)
            log.append("transaction (\(commit ? "commit" : "rollback")): \(statement); \(second)")
            do {
                try queries.inTransaction {
                    try queries.execute(statement.sql, statement.arguments)
                    // A read inside the transaction sees its own writes.
                    let read = Self.reads[4]
                    let inside = try queries.query(read.sql) { $0.value(0) }
                    let truth = try database.query(read.sql) { $0.value(0) }
                    if inside != truth { throw ModelFailure(message: "inside a transaction: \(inside) != \(truth)") }
                    try queries.execute(second.sql, second.arguments)
                    if !commit { throw Rollback() }
                }
            } catch is Rollback {}
        case 80..<88:
            log.append("savepoint rolled back inside a commit: \(statement)")
            try queries.inTransaction {
                _ = try? queries.inTransaction { () throws -> Void in
                    try queries.execute(statement.sql, statement.arguments)
                    throw Rollback()
                }
                try queries.execute("INSERT INTO log(what) VALUES ('savepoint')", [])
            }
        case 88..<93:
            log.append("other connection transaction: \(statement)")
            try other.inTransaction {
                try other.execute(statement.sql, statement.arguments)
                try other.execute("UPDATE groups SET weight = weight + 1 WHERE name = 'g1'", [])
            }
        case 93..<96:
            log.append("DELETE FROM log (no WHERE)")
            try queries.execute("DELETE FROM log")
        default:
            log.append("REPLACE INTO groups")
            try queries.execute("REPLACE INTO groups(name, weight) VALUES (?, ?)",
                                [.text("g\(Int.random(in: 0...2, using: &random))"),
                                 .integer(Int64.random(in: 0...9, using: &random))])
        }
    }

    private mutating func randomWriteStatement() -> (sql: String, arguments: [SQLiteValue]) {
        let id = SQLiteValue.integer(Int64.random(in: 1...12, using: &random))
        let value = SQLiteValue.integer(Int64.random(in: 0...60, using: &random))
        let group = SQLiteValue.integer(Int64.random(in: 0...2, using: &random))
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return ("UPDATE items SET val = ? WHERE id = ?", [value, id])
        case 1: return ("INSERT INTO items(grp, val) VALUES (?, ?)", [group, value])
        case 2: return ("DELETE FROM items WHERE id = ?", [id])
        case 3: return ("UPDATE groups SET weight = ? WHERE name = 'g' || ?", [value, group])
        default: return ("INSERT OR REPLACE INTO items(id, grp, val) VALUES (?, ?, ?)", [id, group, value])
        }
    }
}

struct ModelFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
