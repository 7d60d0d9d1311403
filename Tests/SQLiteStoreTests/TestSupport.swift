import Foundation
import SQLiteStore

/// Where a test's database lives. Tests that take `Storage` run once in memory and once on disk.
enum Storage: String, CaseIterable, Sendable {
    case memory
    case file
}

/// Runs `body` with a fresh empty folder in the temporary directory, deleted afterwards (on errors too).
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("SQLiteStoreTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Runs `body` with a fresh database of the given storage; a file database is deleted afterwards.
func withDatabase<T>(_ storage: Storage, _ body: (Database) throws -> T) throws -> T {
    switch storage {
    case .memory:
        return try body(Database.inMemory())
    case .file:
        return try withTemporaryDirectory { directory in
            let database = try Database(path: directory.appendingPathComponent("test.sqlite").path)
            return try body(database)
        }
    }
}

/// An error type of the tests' own, to check errors pass through unchanged.
struct TestError: Error, Equatable {
    var id: Int
}
