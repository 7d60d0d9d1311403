import Bookstore
import Foundation
import SQLiteStore

extension LocMemCommand.Demo.Story {
    /// Scene 3: a second `locmem` process (`locmem set-price`) changes book 1's price in the database file
    /// with plain SQL. This process is not told: its next read notices the other connection's commit through
    /// SQLite's data version, and asks SQLite again.
    ///
    /// An in-memory database has no other connections, so the scene works on a copy of it in a temporary file
    /// (`VACUUM INTO`), read through a repository of its own; a `--db` file is used as it is.
    mutating func otherProcess() throws {
        let id = LocMemCommand.Demo.bookID
        let (repository, path, temporary) = try fileRepository()
        defer {
            if let temporary {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    try? FileManager.default.removeItem(atPath: temporary + suffix)
                }
            }
        }
        try book(through: repository)
        let price = try repository.uncached.book(id: id)?.priceCents ?? 0
        let newPrice = price + 100
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        let process = Process()
        process.executableURL = executable
        process.arguments = ["set-price", String(id), String(newPrice), "--db", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError.database(SQLiteError(code: 1, message: "the other process (locmem set-price) failed"))
        }
        print(terminal.paint(
            "  another process: locmem set-price \(id) \(newPrice) --db \(temporary == nil ? path : "<copy>")"
                + "  → \(Formatting.price(cents: newPrice)), committed by its own connection", .dim))
        for _ in 1...2 { try book(through: repository) }
    }

    /// The repository over a database file, its path, and the path to delete afterwards (a temporary copy).
    private func fileRepository() throws -> (BookRepository, String, String?) {
        if session.origin != .inMemory {
            return (session.repository, session.database.path, nil)
        }
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("locmem-demo-\(ProcessInfo.processInfo.processIdentifier).sqlite").path
        try? FileManager.default.removeItem(atPath: path)
        print(terminal.paint("  (in memory there is no other process: this scene reads a copy in a temporary file)", .dim))
        try session.database.execute("VACUUM INTO '\(path.replacingOccurrences(of: "'", with: "''"))'")
        let copy = try Database(path: path)
        return (BookRepository(database: copy, cache: session.cache, timeout: session.repository.timeout), path, path)
    }
}
