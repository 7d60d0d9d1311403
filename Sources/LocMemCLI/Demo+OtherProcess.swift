import Bookstore
import Foundation
import SQLiteStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        try Self.run(executable, ["set-price", String(id), String(newPrice), "--db", path])
        print(terminal.paint(
            "  another process: locmem set-price \(id) \(newPrice) --db \(temporary == nil ? path : "<copy>")"
                + "  → \(Formatting.price(cents: newPrice)), committed by its own connection", .dim))
        for _ in 1...2 { try book(through: repository) }
    }

    /// Runs `executable` with `arguments` as a child process and waits for it to exit successfully.
    ///
    /// `posix_spawn` rather than Foundation's `Process`, which fails under valgrind (it closes every descriptor
    /// it finds, valgrind's own included), where CI runs the demo to look for leaks.
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, nil, nil, argv, environ)
        guard spawned == 0 else {
            throw CLIError.otherProcess("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw CLIError.otherProcess("\(executable) \(arguments.joined(separator: " ")) failed (status \(status))")
        }
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
