import Bookstore
import Foundation
import SQLiteStore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Counts the rows of the bookstore's three tables.
let tableCountsSQL = """
    SELECT (SELECT COUNT(*) FROM authors), (SELECT COUNT(*) FROM books), (SELECT COUNT(*) FROM reviews)
    """

/// Kills a process writing through `BookRepository` with SIGKILL at random points, then checks the file.
///
/// The writer is the `CrashWriter` executable (Sources/CrashWriter/main.swift): each of its writes is one
/// transaction of a review naming a price and that book's new price, and it prints a line after each commit.
/// After every kill the database must pass `PRAGMA integrity_check`, hold every printed write (plus at most the
/// one in flight), and hold no write in half: each written book's price is the one its latest review names.
@Suite(.serialized) struct CrashSafetyTests {
    /// The books CrashWriter writes to: ids 1...16.
    static let writtenBooks: ClosedRange<Int64> = 1...16

    @Test func killedWritersLoseNoCommittedWriteAndLeaveNoHalfWrite() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("crash.sqlite").path
            do {
                let database = try Database(path: path)
                try Fixtures.load(into: database)
            }
            let originalPrices = try Self.prices(at: path)
            var committedByRun: [Int: Int] = [:]
            // LOCMEM_CRASH_RUNS kills more writers in a row (the long form); 5 by default.
            let runs = ProcessInfo.processInfo.environment["LOCMEM_CRASH_RUNS"].flatMap(Int.init) ?? 5
            for run in 0..<runs {
                let child = try Child(arguments: [path, String(run)])
                let started = child.waitForLines(where: { $0.hasPrefix("committed") }, count: 1)
                try #require(started, "run \(run): the writer committed nothing within the time limit")
                // A random point: some writes in, anywhere in the loop (mostly inside SQLite's commit).
                let delay = UInt32.random(in: 0...150_000)
                usleep(delay)
                child.kill()
                let printed = child.lines.filter { $0.hasPrefix("committed") }
                let writes = try Self.crashWrites(at: path)
                let found = writes.filter { $0.run == run }
                // Every printed write is in the file; at most one more (committed, killed before printing).
                #expect(found.count == printed.count || found.count == printed.count + 1,
                        "run \(run), killed after \(delay) µs: \(printed.count) printed, \(found.count) in the file")
                #expect(found.map(\.seq) == Array(0..<found.count), "run \(run): the writes have a gap")
                #expect(Array(found.prefix(printed.count).map(\.line)) == printed, "run \(run)")
                // Earlier runs are untouched.
                for (earlier, count) in committedByRun {
                    #expect(writes.filter { $0.run == earlier }.count == count, "run \(earlier) changed in run \(run)")
                }
                committedByRun[run] = found.count
                try Self.expectIntactAndConsistent(at: path, writes: writes, originalPrices: originalPrices)
            }
        }
    }

    @Test func aWriterKilledWhileLoadingTheFixturesLeavesAnEmptyOrAFullDatabase() throws {
        try withTemporaryDirectory { directory in
            // Loading takes about 0.2 s in a debug build (longer under the sanitizers): the first delays land mid-load.
            var emptyAfterKill = 0
            for (attempt, delay) in [UInt32(20_000), 60_000, 150_000, UInt32.random(in: 0...600_000)].enumerated() {
                let path = directory.appendingPathComponent("load-\(attempt).sqlite").path
                let child = try Child(arguments: [path, "0"])
                usleep(delay)
                child.kill()
                let loaded = child.lines.contains("loaded")
                let database = try Database(path: path)
                #expect(try database.query("PRAGMA integrity_check") { try $0.string(0) } == ["ok"])
                let tables = try database.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") {
                    try $0.string(0)
                }
                if loaded || !tables.isEmpty {
                    #expect(tables == ["authors", "books", "reviews"], "killed after \(delay) µs")
                    let counts = try database.queryFirst(tableCountsSQL) {
                        [try $0.int(0), try $0.int(1), try $0.int(2)]
                    }
                    // 20,000 seed reviews plus whatever the writer committed after loading.
                    #expect(counts?[0] == 200 && counts?[1] == 2_000 && (counts?[2] ?? 0) >= 20_000,
                            "killed after \(delay) µs: half-loaded, \(String(describing: counts))")
                } else {
                    emptyAfterKill += 1
                }
            }
            #expect(emptyAfterKill > 0, "no kill landed before the load committed: the check above proved nothing")
            // A database left by a killed load is usable: a fresh writer completes on it.
            let path = directory.appendingPathComponent("load-0.sqlite").path
            let child = try Child(arguments: [path, "1"], environment: ["LOCMEM_CRASHWRITER_LIMIT": "3"])
            #expect(child.waitForExit() == 0)
            #expect(child.lines.filter { $0.hasPrefix("committed run=1") }.count == 3)
            #expect(try Self.crashWrites(at: path).filter { $0.run == 1 }.map(\.seq) == [0, 1, 2])
        }
    }

    @Test func theWriterRunsToItsLimitAndExitsCleanly() throws {
        // Guards the tests above: the child, its output and the parsing of the file work when nothing is killed.
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("clean.sqlite").path
            let child = try Child(arguments: [path, "7"], environment: ["LOCMEM_CRASHWRITER_LIMIT": "40"])
            #expect(child.waitForExit() == 0)
            #expect(child.lines.first == "loaded")
            let printed = child.lines.filter { $0.hasPrefix("committed") }
            #expect(printed.count == 40)
            let writes = try Self.crashWrites(at: path)
            #expect(writes.map(\.line) == printed)
            #expect(Set(writes.map(\.book)) == Set(Self.writtenBooks))
            try Self.expectIntactAndConsistent(at: path, writes: writes, originalPrices: [:])
        }
    }

    // MARK: - Checking the file

    /// One write of CrashWriter, as found in the file: its review's body, parsed.
    struct CrashWrite: Equatable {
        var run: Int
        var seq: Int
        var book: Int64
        var price: Int
        /// The line CrashWriter prints for this write.
        var line: String { "committed run=\(run) seq=\(seq) book=\(book) price=\(price)" }
    }

    /// CrashWriter's reviews, in commit order, checked against the columns they were written with.
    static func crashWrites(at path: String) throws -> [CrashWrite] {
        let database = try Database(path: path, readOnly: true)
        let rows = try database.query(
            "SELECT book_id, body FROM reviews WHERE body LIKE 'crash-writer %' ORDER BY id"
        ) { (try $0.int64(0), try $0.string(1)) }
        return try rows.map { bookID, body in
            let fields = Dictionary(uniqueKeysWithValues: body.split(separator: " ").dropFirst().map { field in
                let parts = field.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts.count == 2 ? parts[1] : ""))
            })
            let write = try #require(CrashWrite(
                run: Int(fields["run"] ?? ""), seq: Int(fields["seq"] ?? ""),
                book: Int64(fields["book"] ?? ""), price: Int(fields["price"] ?? "")
            ), "unparsable review body \(body.debugDescription)")
            #expect(write.book == bookID, "the review of \(body.debugDescription) is on book \(bookID)")
            return write
        }
    }

    /// The prices of the written books.
    static func prices(at path: String) throws -> [Int64: Int] {
        let database = try Database(path: path, readOnly: true)
        let rows = try database.query("SELECT id, price_cents FROM books WHERE id BETWEEN ? AND ?",
                                      [.integer(writtenBooks.lowerBound), .integer(writtenBooks.upperBound)]) {
            (try $0.int64(0), try $0.int(1))
        }
        return Dictionary(uniqueKeysWithValues: rows)
    }

    /// `PRAGMA integrity_check` passes, the seed rows are all there, and no write is there in half: every written
    /// book's price is the one its latest review names, and every other book keeps its original price.
    static func expectIntactAndConsistent(
        at path: String, writes: [CrashWrite], originalPrices: [Int64: Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        do {
            // Read-write, as an application would reopen it after a crash (recovering the WAL).
            let database = try Database(path: path)
            let integrity = try database.query("PRAGMA integrity_check") { try $0.string(0) }
            #expect(integrity == ["ok"], sourceLocation: sourceLocation)
            let counts = try database.queryFirst(tableCountsSQL) { [try $0.int(0), try $0.int(1), try $0.int(2)] }
            #expect(counts == [200, 2_000, 20_000 + writes.count], sourceLocation: sourceLocation)
        }
        var latest: [Int64: Int] = [:]
        for write in writes {
            latest[write.book] = write.price
        }
        let prices = try prices(at: path)
        for book in writtenBooks {
            let expected = latest[book] ?? originalPrices[book]
            #expect(prices[book] == expected, "book \(book): a half-applied write", sourceLocation: sourceLocation)
        }
    }
}

extension CrashSafetyTests.CrashWrite {
    init?(run: Int?, seq: Int?, book: Int64?, price: Int?) {
        guard let run, let seq, let book, let price else { return nil }
        self.init(run: run, seq: seq, book: book, price: price)
    }
}

// MARK: - The child process

/// A running CrashWriter whose standard output is read line by line on a thread of its own (so the child never
/// blocks on a full pipe).
final class Child: Sendable {
    /// Where `swift build` put CrashWriter: next to the test bundle, which is this process's executable.
    static var executable: URL {
        get throws {
            let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            let writer = me.deletingLastPathComponent().appendingPathComponent("CrashWriter")
            try #require(FileManager.default.isExecutableFile(atPath: writer.path),
                         "no CrashWriter next to the test bundle: \(writer.path)")
            return writer
        }
    }

    private let pid: pid_t
    private let output = OutputBuffer()
    // Process is not Sendable; it is only used to start the child and wait for it, under this lock.
    private let process: Mutex<Process>

    /// What the child printed, filled by the reading thread.
    private final class OutputBuffer: Sendable {
        struct State {
            var text = ""
            var finished = false
        }
        let state = Mutex(State())

        func withLock<T>(_ body: (inout State) -> T) -> T {
            state.withLock { body(&$0) }
        }
    }

    init(arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        pid = process.processIdentifier
        self.process = Mutex(process)
        let reading = pipe.fileHandleForReading
        let thread = Thread { [output] in
            while true {
                let data = reading.availableData
                if data.isEmpty { break }
                output.withLock { $0.text += String(decoding: data, as: UTF8.self) }
            }
            output.withLock { $0.finished = true }
        }
        thread.start()
    }

    /// The complete lines printed so far.
    var lines: [String] {
        output.withLock { output in
            let complete = output.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            return complete.map(String.init)
        }
    }

    /// Waits (at most `seconds`) until `count` printed lines match; false on time-out or if the child ended first.
    func waitForLines(where matches: (String) -> Bool, count: Int, seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lines.filter(matches).count >= count { return true }
            if output.withLock({ $0.finished }) { return lines.filter(matches).count >= count }
            usleep(1_000)
        }
        return false
    }

    /// Sends SIGKILL, then waits for the child to end and for its output to be read to the end.
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        process.withLock { process in
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                    "the writer ended before it was killed (status \(process.terminationStatus))")
        }
        waitForEndOfOutput()
    }

    /// Waits for the child to exit on its own (at most `seconds`, then kills it) and returns its exit status.
    func waitForExit(seconds: Double = 300) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.withLock({ $0.isRunning }) && Date() < deadline {
            usleep(1_000)
        }
        if process.withLock({ $0.isRunning }) {
            Issue.record("the writer did not exit within \(seconds) s")
            _ = Glibc.kill(pid, SIGKILL)
        }
        let status = process.withLock { process in
            process.waitUntilExit()
            return process.terminationStatus
        }
        waitForEndOfOutput()
        return status
    }

    private func waitForEndOfOutput() {
        while !output.withLock({ $0.finished }) {
            usleep(1_000)
        }
    }
}

/// Runs `body` with a fresh empty folder in the temporary directory, deleted afterwards (on errors too).
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("CrashSafetyTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}
