// CrashWriter: the child process of the crash-safety tests (Tests/CrashSafetyTests).
//
//     CrashWriter <database-path> <run>
//
// Opens the bookstore database at <database-path>, loading the fixtures first when it has no
// `books` table (printing `loaded` once they are committed), then writes through `BookRepository`
// until it is killed, printing one line per committed write:
//
//     committed run=<run> seq=<seq> book=<book> price=<price>
//
// Each write is one transaction of two rows that must agree: a review whose body names the book
// and a price, and that book's new price. A write applied in half (the review without the price,
// or the price without the review) is therefore visible afterwards. The line is printed and
// flushed only after the commit, so the parent knows that every printed write is committed; the
// one write in flight when the process dies may or may not be.
//
// Exit codes: 0 never (it loops until killed, or stops after `LOCMEM_CRASHWRITER_LIMIT` writes),
// 2 bad arguments, 3 a read through the cache disagreed with the write just committed, 4 an error.

import Bookstore
import Foundation
import LocMem
import SQLiteStore

/// The books written to: a few, so each is rewritten many times and "the latest write" matters.
let bookCount: Int64 = 16

/// Writes `line` to standard output at once (one unbuffered write(2), no stdio buffer to lose at a kill).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("CrashWriter: \(message)\n".utf8))
    exit(code)
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let run = Int(arguments[2]), run >= 0 else {
    fail("usage: CrashWriter <database-path> <run>", code: 2)
}
let path = arguments[1]
let limit = ProcessInfo.processInfo.environment["LOCMEM_CRASHWRITER_LIMIT"].flatMap(Int.init) ?? Int.max

do {
    let database = try Database(path: path)
    let hasSchema = try database.queryFirst(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'books'"
    ) { _ in true } ?? false
    if !hasSchema {
        try Fixtures.load(into: database)
        say("loaded")
    }
    let cache = try LocMemCache(location: "crash-writer", configuration: CacheConfiguration(maxEntries: 8))
    let repository = BookRepository(database: database, cache: cache, timeout: .never)
    var seq = 0
    while seq < limit {
        let book = 1 + Int64(seq) % bookCount
        // Unique across runs and writes, so the parent can tell every write apart by the price alone.
        let price = run * 1_000_000 + seq
        let body = "crash-writer run=\(run) seq=\(seq) book=\(book) price=\(price)"
        // Fill the cache first, so the write has something to invalidate.
        _ = try repository.book(id: book)
        // BookRepository's writes become savepoints of this transaction, and commit together; the cached reads
        // they change are invalidated when the outer COMMIT has succeeded.
        try database.inTransaction {
            try repository.addReview(bookID: book, rating: 1 + seq % 5, body: body)
            try repository.updatePrice(bookID: book, priceCents: price)
        }
        guard let read = try repository.book(id: book), read.priceCents == price else {
            fail("book \(book) does not read back at price \(price) after the write", code: 3)
        }
        say("committed run=\(run) seq=\(seq) book=\(book) price=\(price)")
        seq += 1
    }
} catch {
    fail("\(error)", code: 4)
}
