#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A SQL file split into its statements, each with the line it starts on.
///
/// `Database.execute(_:)` can run a whole file, but its error cannot say where in the file the
/// failing statement is. Splitting first lets the fixtures loader run one statement at a time and
/// name the file and line of the one that fails.
///
/// The split is lexical, like the `sqlite3` shell's: a `;` ends a statement unless it is inside a
/// string (`'...'`, with `''` for a quote), a quoted identifier (`"..."`, `` `...` ``, `[...]`), a
/// comment (`-- ...`, `/* ... */`), or the body of a `CREATE TRIGGER` (which ends at `END;`).
/// Comments and blank space between statements are dropped; text after the last `;` is a
/// statement too, so SQLite reports it if it is incomplete. The text ends at its first NUL, as
/// it does for SQLite.
///
/// - Complexity: O(*n*) in the length of the text. Strings, comments and the body of a statement
///   after its first words are skipped with the C library's `strchr`/`strcspn`, so the seed file
///   (1.4 MB) splits in milliseconds even in a debug build.
struct SQLScript {
    struct Statement: Equatable {
        /// The statement's text, from its first token through its `;`.
        var sql: String
        /// The 1-based line of the file on which the statement starts.
        var line: Int
    }

    var statements: [Statement]

    init(_ text: String) {
        statements = text.withCString { Self.split($0) }
    }

    // MARK: - Splitting

    private static func split(_ text: UnsafePointer<CChar>) -> [Statement] {
        let end = text + strlen(text)
        var ranges: [(start: UnsafePointer<CChar>, end: UnsafePointer<CChar>)] = []
        var start: UnsafePointer<CChar>?   // the current statement's first token
        var words: [String] = []            // its first three words: CREATE [TEMP | TEMPORARY] TRIGGER
        var isTrigger = false
        var lastWord = ""                   // in a trigger, the last token when it is a word
        var p = text

        func finish(through last: UnsafePointer<CChar>) {
            if let first = start { ranges.append((first, last)) }
            start = nil
            words.removeAll()
            isTrigger = false
            lastWord = ""
        }

        while p < end {
            let byte = UInt8(bitPattern: p.pointee)
            let next = UInt8(bitPattern: p[1])  // the NUL terminator when p is the last byte
            if isSpace(byte) {
                p += 1
                continue
            }
            if byte == UInt8(ascii: "-") && next == UInt8(ascii: "-") {
                p = strchr(p, Int32(UInt8(ascii: "\n"))).map { UnsafePointer($0) } ?? end
                continue
            }
            if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                p = strstr(p + 2, "*/").map { UnsafePointer($0) + 2 } ?? end
                continue
            }
            if start == nil { start = p }
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                p = skipQuoted(from: p, quote: byte, end: end)
                lastWord = ""
            case UInt8(ascii: "["):
                p = strchr(p, Int32(UInt8(ascii: "]"))).map { UnsafePointer($0) + 1 } ?? end
                lastWord = ""
            case UInt8(ascii: ";"):
                if isTrigger && lastWord != "END" {
                    lastWord = ""
                    p += 1
                } else {
                    finish(through: p)
                    p += 1
                }
            case _ where isWordByte(byte):
                var q = p
                while q < end && isWordByte(UInt8(bitPattern: q.pointee)) { q += 1 }
                if words.count < 3 || isTrigger {
                    let word = string(from: p, to: q).uppercased()
                    if words.count < 3 {
                        words.append(word)
                        isTrigger = words.first == "CREATE" && words.dropFirst().prefix(2).contains("TRIGGER")
                    }
                    lastWord = word
                }
                p = q
                if words.count >= 3 && !isTrigger {
                    // Nothing but strings, comments and the closing `;` matters until the next statement.
                    p += strcspn(p, "'\"`[-/;")
                }
            default:
                lastWord = ""
                p += 1
            }
        }
        finish(through: end - 1)

        // Lines: count the newlines between one statement's start and the next.
        var statements: [Statement] = []
        statements.reserveCapacity(ranges.count)
        var line = 1
        var counted = text
        for range in ranges {
            line += newlines(from: counted, to: range.start)
            counted = range.start
            statements.append(Statement(sql: string(from: range.start, to: range.end + 1), line: line))
        }
        return statements
    }

    /// The position after the quoted text that starts at `p`; a doubled quote stands for itself.
    private static func skipQuoted(
        from p: UnsafePointer<CChar>, quote: UInt8, end: UnsafePointer<CChar>
    ) -> UnsafePointer<CChar> {
        var q = p + 1
        while let found = strchr(q, Int32(quote)).map({ UnsafePointer($0) }) {
            if UInt8(bitPattern: found[1]) == quote {
                q = found + 2
            } else {
                return found + 1
            }
        }
        return end
    }

    private static func newlines(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>) -> Int {
        var count = 0
        var p = UnsafeRawPointer(start)
        let stop = UnsafeRawPointer(end)
        while p < stop, let found = memchr(p, Int32(UInt8(ascii: "\n")), stop - p) {
            count += 1
            p = UnsafeRawPointer(found) + 1
        }
        return count
    }

    private static func string(from start: UnsafePointer<CChar>, to end: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeRawPointer(start).assumingMemoryBound(to: UInt8.self)
        return String(decoding: UnsafeBufferPointer(start: bytes, count: end - start), as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Letters, digits, `_`, `$` and any byte of a non-ASCII UTF-8 character.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }
}
