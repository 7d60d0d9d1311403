import Bookstore
import Foundation
import LocMem
import QueryCache
import SQLiteStore

/// Why a command could not do its work, told in one line.
///
/// Thrown out of `run()`; argument-parser prints it to stderr as `Error: <description>` and exits
/// with code 1, with no stack trace. Argument checks are not here: they throw `ValidationError`
/// from `validate()` (exit code 64).
enum CLIError: Error, CustomStringConvertible {
    /// `--db` names a directory.
    case isADirectory(path: String)
    /// `--db` names a file this process may not read.
    case unreadable(path: String)
    /// `--db` names a file that does not exist and cannot be created.
    case cannotCreate(path: String, reason: String)
    /// `--db` names a file that does not start with SQLite's header. Nothing was written to it.
    case notSQLite(path: String)
    /// `--db` names a file SQLite refuses to open (damaged, truncated). Nothing was written to it.
    case cannotOpen(path: String, error: SQLiteError)
    /// `--db` names an SQLite database that holds other tables, not the bookstore's.
    case notABookstore(path: String, missingTables: [String])
    /// SQLite failed (opening, reading or writing the database).
    case database(SQLiteError)
    /// The fixtures could not be loaded into a new database.
    case fixtures(FixturesError)
    /// The repository refused a call.
    case bookstore(BookstoreError)
    /// The cache refused its configuration.
    case cache(CacheError)
    /// `CachedDatabase` refused a statement (`locmem sql` with a write).
    case query(QueryCacheError)
    /// The demo's other process could not run.
    case otherProcess(String)

    var description: String {
        switch self {
        case .isADirectory(let path):
            return "--db \(path) is a directory, not a database file"
        case .unreadable(let path):
            return "--db \(path) cannot be read (permission denied)"
        case .cannotCreate(let path, let reason):
            return "--db \(path) cannot be created: \(reason)"
        case .notSQLite(let path):
            return "--db \(path) is not an SQLite database (it does not start with the SQLite header); "
                + "it was left untouched"
        case .cannotOpen(let path, let error):
            return "--db \(path) cannot be opened: \(CLIError.oneLine(error.description)); it was left untouched"
        case .notABookstore(let path, let missingTables):
            return "--db \(path) is an SQLite database but not a bookstore one "
                + "(missing tables: \(missingTables.joined(separator: ", "))); it was left untouched"
        case .database(let error):
            return "database error: " + CLIError.oneLine(error.description)
        case .fixtures(let error):
            return "cannot seed the database: " + CLIError.oneLine(error.description)
        case .bookstore(let error):
            return error.description
        case .cache(let error):
            return error.description
        case .query(let error):
            return CLIError.oneLine(error.description)
        case .otherProcess(let message):
            return "the demo's other process: " + message
        }
    }

    /// Wraps the errors the libraries throw; anything else is passed through unchanged.
    static func wrapping(_ error: any Error) -> any Error {
        switch error {
        case let error as CLIError: error
        case let error as SQLiteError: CLIError.database(error)
        case let error as FixturesError: CLIError.fixtures(error)
        case let error as BookstoreError: CLIError.bookstore(error)
        case let error as CacheError: CLIError.cache(error)
        case let error as QueryCacheError: CLIError.query(error)
        default: error
        }
    }

    /// `text` with every run of whitespace (SQL's line breaks included) made one space.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// Writes `Error: <message>` to stderr, as argument-parser does for the errors it reports.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
}
