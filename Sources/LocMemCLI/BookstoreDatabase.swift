import Bookstore
import Foundation
import SQLiteStore

/// Opens the database the commands run against: a fresh in-memory bookstore, or the `--db` file.
///
/// The rules for `--db PATH`, chosen so that a mistake never damages a file:
///
/// | the path is… | then |
/// |---|---|
/// | missing (its folder exists) | created and seeded from `Fixtures/`; removed again if seeding fails |
/// | an empty file, or an SQLite database with no tables | seeded |
/// | a bookstore database (tables `authors`, `books`, `reviews`) | used as it is, changes persist |
/// | a directory, unreadable, not SQLite, or SQLite with other tables | ``CLIError``, nothing written |
///
/// A file is inspected (its first 16 bytes, then its tables through a read-only connection)
/// before it is opened for writing, since opening read-write already switches it to WAL mode.
enum BookstoreDatabase {
    /// The tables a bookstore database has.
    static let requiredTables = ["authors", "books", "reviews"]
    /// The first 16 bytes of every SQLite 3 database file (<https://sqlite.org/fileformat.html>).
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// How the database came to be.
    enum Origin: Equatable {
        /// A new in-memory database, seeded from the fixtures.
        case inMemory
        /// A file created (or found empty) and seeded by this run.
        case seededFile(path: String)
        /// A bookstore file from an earlier run, used as it was.
        case existingFile(path: String)
    }

    /// An open bookstore database and how it came to be.
    struct Opened {
        var database: Database
        var origin: Origin
        /// How long loading the fixtures took; `nil` when nothing was loaded.
        var seedDuration: Duration?
    }

    /// Opens `path`, or a new in-memory database when `path` is `nil` (or `:memory:`).
    static func open(path: String?) throws(CLIError) -> Opened {
        guard let path, path != ":memory:" else {
            let database: Database
            do {
                database = try Database.inMemory()
            } catch {
                throw .database(error)
            }
            return Opened(database: database, origin: .inMemory, seedDuration: try seed(database))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return try create(path: path)
        }
        guard !isDirectory.boolValue else { throw .isADirectory(path: path) }
        guard let header = readHeader(path: path) else { throw .unreadable(path: path) }
        if !header.isEmpty && header != sqliteHeader {
            throw .notSQLite(path: path)
        }
        let tables = try tableNames(path: path)
        let missing = requiredTables.filter { !tables.contains($0) }
        if missing.isEmpty {
            let database = try openForWriting(path: path)
            return Opened(database: database, origin: .existingFile(path: path), seedDuration: nil)
        }
        guard tables.isEmpty else { throw .notABookstore(path: path, missingTables: missing) }
        let database = try openForWriting(path: path)
        return Opened(database: database, origin: .seededFile(path: path), seedDuration: try seed(database))
    }

    // MARK: - Steps

    /// Creates the file at `path` and seeds it; on failure removes what it created.
    private static func create(path: String) throws(CLIError) -> Opened {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreate(path: path, reason: "the folder \(folder) does not exist")
        }
        let database: Database
        do {
            database = try Database(path: path)
        } catch {
            throw .cannotCreate(path: path, reason: CLIError.oneLine(error.message))
        }
        do {
            let duration = try seed(database)
            return Opened(database: database, origin: .seededFile(path: path), seedDuration: duration)
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
            throw error
        }
    }

    /// Loads the fixtures into `database` and says how long it took.
    private static func seed(_ database: Database) throws(CLIError) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try Fixtures.load(into: database)
        } catch {
            throw .fixtures(error)
        }
        return start.duration(to: clock.now)
    }

    /// Up to the first 16 bytes of the file; `nil` when it cannot be opened for reading.
    private static func readHeader(path: String) -> [UInt8]? {
        guard FileManager.default.isReadableFile(atPath: path),
              let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        do {
            // `nil` at the end of the file: an empty file, which SQLite treats as an empty database.
            return Array(try handle.read(upToCount: sqliteHeader.count) ?? Data())
        } catch {
            return nil
        }
    }

    /// The names of the file's tables, read through a read-only connection, which writes nothing.
    private static func tableNames(path: String) throws(CLIError) -> Set<String> {
        do {
            let database = try Database(path: path, readOnly: true)
            let names = try database.query("SELECT name FROM sqlite_schema WHERE type = 'table'") { row in
                try row.string(0)
            }
            return Set(names)
        } catch let error as SQLiteError {
            throw .cannotOpen(path: path, error: error)
        } catch {
            throw .cannotOpen(path: path, error: SQLiteError(code: 1, message: "\(error)"))
        }
    }

    private static func openForWriting(path: String) throws(CLIError) -> Database {
        do {
            return try Database(path: path)
        } catch {
            throw .database(error)
        }
    }
}

extension BookstoreDatabase.Origin {
    /// `in-memory database seeded from Fixtures/ in 140 ms`, or what was done with the `--db` file.
    func description(seedDuration: Duration?) -> String {
        let seeded = seedDuration.map { " in " + Formatting.duration($0) } ?? ""
        switch self {
        case .inMemory:
            return "in-memory database, seeded from Fixtures/\(seeded)"
        case .seededFile(let path):
            return "\(path), new: seeded from Fixtures/\(seeded)"
        case .existingFile(let path):
            return "\(path), kept from an earlier run"
        }
    }
}
