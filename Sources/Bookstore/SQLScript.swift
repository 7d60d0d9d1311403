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
/// statement too, so SQLite reports it if it is incomplete.
struct SQLScript {
    struct Statement: Equatable {
        /// The statement's text, from its first token through its `;`.
        var sql: String
        /// The 1-based line of the file on which the statement starts.
        var line: Int
    }

    var statements: [Statement]

    init(_ text: String) {
        statements = Self.split(Array(text.utf8))
    }

    // MARK: - Splitting

    private enum State {
        case code, singleQuoted, doubleQuoted, backticked, bracketed, lineComment, blockComment
    }

    private static func split(_ bytes: [UInt8]) -> [Statement] {
        var statements: [Statement] = []
        var state = State.code
        var line = 1
        var start: Int?            // offset of the current statement's first token
        var startLine = 1
        var words: [String] = []   // the statement's first words, up to TRIGGER (for CREATE TRIGGER)
        var lastWord = ""          // the last token, when it is a word (for the END of a trigger)
        var word: [UInt8] = []     // the word being read
        var index = 0

        func finishWord() {
            guard !word.isEmpty else { return }
            let text = String(decoding: word, as: UTF8.self).uppercased()
            if words.count < 4 { words.append(text) }
            lastWord = text
            word.removeAll(keepingCapacity: true)
        }
        func isTrigger() -> Bool {
            // CREATE [TEMP | TEMPORARY] TRIGGER
            guard words.first == "CREATE" else { return false }
            return words.dropFirst().prefix(2).contains("TRIGGER")
        }

        while index < bytes.count {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            if byte == UInt8(ascii: "\n") { line += 1 }
            switch state {
            case .code:
                let isWordByte = byte == UInt8(ascii: "_") || byte >= 0x80
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                if isWordByte {
                    word.append(byte)
                } else {
                    finishWord()
                }
                let isSpace = byte == 0x20 || (0x09...0x0D).contains(byte)
                let opensComment = (byte == UInt8(ascii: "-") && next == UInt8(ascii: "-"))
                    || (byte == UInt8(ascii: "/") && next == UInt8(ascii: "*"))
                if start == nil && !isSpace && !opensComment {
                    start = index
                    startLine = line
                }
                switch byte {
                case UInt8(ascii: "'"): state = .singleQuoted; lastWord = ""
                case UInt8(ascii: "\""): state = .doubleQuoted; lastWord = ""
                case UInt8(ascii: "`"): state = .backticked; lastWord = ""
                case UInt8(ascii: "["): state = .bracketed; lastWord = ""
                case UInt8(ascii: "-") where next == UInt8(ascii: "-"):
                    state = .lineComment
                    index += 1
                case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
                    state = .blockComment
                    index += 1
                case UInt8(ascii: ";"):
                    if isTrigger() && lastWord != "END" {
                        lastWord = ""
                        break
                    }
                    if let first = start {
                        statements.append(Statement(sql: String(decoding: bytes[first...index], as: UTF8.self),
                                                    line: startLine))
                    }
                    start = nil
                    words.removeAll()
                    lastWord = ""
                default:
                    if !isWordByte && !isSpace { lastWord = "" }
                }
            case .singleQuoted, .doubleQuoted, .backticked:
                let quote: UInt8 = switch state {
                case .singleQuoted: UInt8(ascii: "'")
                case .doubleQuoted: UInt8(ascii: "\"")
                default: UInt8(ascii: "`")
                }
                if byte == quote {
                    if next == quote {
                        index += 1  // a doubled quote stands for itself
                    } else {
                        state = .code
                    }
                }
            case .bracketed:
                if byte == UInt8(ascii: "]") { state = .code }
            case .lineComment:
                if byte == UInt8(ascii: "\n") { state = .code }
            case .blockComment:
                if byte == UInt8(ascii: "*") && next == UInt8(ascii: "/") {
                    state = .code
                    index += 1
                }
            }
            index += 1
        }
        if let first = start {
            let rest = String(decoding: bytes[first...], as: UTF8.self)
            statements.append(Statement(sql: rest, line: startLine))
        }
        return statements
    }
}
