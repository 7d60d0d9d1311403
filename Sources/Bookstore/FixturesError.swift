import Foundation
import SQLiteStore

/// Why ``Fixtures/load(into:)`` did not load the fixtures. When it throws, the database is as it
/// was before the call: loading is all-or-nothing.
public enum FixturesError: Error, Sendable, CustomStringConvertible {
    /// None of the places searched is a folder; `searched` lists them in the order tried.
    case folderNotFound(searched: [URL])
    /// The folder has no `*.sql` file.
    case noSQLFiles(folder: URL)
    /// A file could not be read as UTF-8 text.
    case unreadableFile(URL, reason: String)
    /// A statement of `file`, starting on `line` (1-based), failed; everything was rolled back.
    case statementFailed(file: URL, line: Int, error: SQLiteError)
    /// Beginning, committing or rolling back the loader's transaction failed.
    case transactionFailed(folder: URL, error: any Error)

    public var description: String {
        switch self {
        case .folderNotFound(let searched):
            let list = searched.map(\.path).joined(separator: ", ")
            return "fixtures folder not found (searched: \(list)); set LOCMEM_FIXTURES to the folder"
        case .noSQLFiles(let folder):
            return "no .sql files in the fixtures folder \(folder.path)"
        case .unreadableFile(let file, let reason):
            return "cannot read the fixture file \(file.path): \(reason)"
        case .statementFailed(let file, let line, let error):
            return "\(file.path):\(line): SQLite error \(error.code): \(error.message)"
        case .transactionFailed(let folder, let error):
            return "loading the fixtures from \(folder.path) failed: \(error)"
        }
    }
}
