import NIOCore
import RedisClient
import Testing

/// The RESP2/RESP3 parser on bytes as a server sends them, whole, in pieces, and malformed.
@Suite struct RESPParserTests {
    func frames(_ text: String) throws -> [RESPFrame] {
        var buffer = ByteBuffer(string: text)
        var frames: [RESPFrame] = []
        while let frame = try RESPParser().next(&buffer) { frames.append(frame) }
        #expect(buffer.readableBytes == 0, "left over: \(String(buffer: buffer))")
        return frames
    }

    @Test func parsesEveryRESP2Type() throws {
        let parsed = try frames("+OK\r\n-ERR nope\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*2\r\n:1\r\n*-1\r\n")
        #expect(
            parsed == [
                .reply(.simpleString("OK")), .reply(.error("ERR nope")), .reply(.integer(-42)),
                .reply(.bulkString(ByteBuffer(string: "he\r\no"))), .reply(.null),
                .reply(.array([.integer(1), .null])),
            ])
    }

    @Test func parsesRESP3TypesAndSeparatesPushes() throws {
        let parsed = try frames(
            "_\r\n#t\r\n,1.5\r\n(123456789012345678901234567890\r\n=7\r\ntxt:abc\r\n%1\r\n+k\r\n:1\r\n~1\r\n:2\r\n"
                + "|1\r\n+ttl\r\n:3\r\n:9\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n!3\r\nbad\r\n"
        )
        #expect(
            parsed == [
                .reply(.null), .reply(.boolean(true)), .reply(.double(1.5)),
                .reply(.bigNumber("123456789012345678901234567890")),
                .reply(.bulkString(ByteBuffer(string: "abc"))), .reply(.map([.simpleString("k"), .integer(1)])),
                .reply(.array([.integer(2)])), .reply(.integer(9)),
                .push([.bulkString(ByteBuffer(string: "invalidate")), .array([.bulkString(ByteBuffer(string: "key"))])]
                ),
                .reply(.error("bad")),
            ])
    }

    @Test func anIncompleteFrameConsumesNothingUntilItCompletes() throws {
        let whole = Array("*2\r\n$3\r\nfoo\r\n:12\r\n".utf8)
        for cut in 0..<whole.count {
            var buffer = ByteBuffer(bytes: whole[..<cut])
            #expect(try RESPParser().next(&buffer) == nil, "cut at \(cut)")
            #expect(buffer.readableBytes == cut)
            buffer.writeBytes(whole[cut...])
            #expect(
                try RESPParser().next(&buffer)
                    == .reply(.array([.bulkString(ByteBuffer(string: "foo")), .integer(12)])))
        }
    }

    @Test func bytesThatAreNotRESPThrow() {
        for text in [
            "HTTP/1.1 400 Bad Request\r\n", ":12x\r\n", "$3\r\nfoobar\r\n", "+OK\rX", "*99999999999\r\n", "#x\r\n",
            "$-5\r\n", ":99999999999999999999\r\n",
        ] {
            var buffer = ByteBuffer(string: text)
            #expect(throws: RESPParseError.self, "\(text.debugDescription)") { try RESPParser().next(&buffer) }
        }
    }

    /// What `nextBulkStringArray` passes to its reader, and what it returns.
    func readInPlace(_ buffer: inout ByteBuffer) -> (Bool?, [String?]) {
        var elements: [String?] = []
        let outcome = RESPParser().nextBulkStringArray(&buffer) { index, bytes in
            #expect(index == elements.count)
            elements.append(bytes.map { String(decoding: $0, as: UTF8.self) })
        }
        return (outcome, elements)
    }

    @Test func anArrayOfBulkStringsIsReadInPlaceWithItsNulls() {
        var buffer = ByteBuffer(string: "*4\r\n$3\r\nfoo\r\n$-1\r\n_\r\n$0\r\n\r\n+OK\r\n")
        let (outcome, elements) = readInPlace(&buffer)
        #expect(outcome == true)
        #expect(elements == ["foo", nil, nil, ""])
        #expect(String(buffer: buffer) == "+OK\r\n")
        let (empty, none) = readInPlace(&buffer)
        #expect(empty == false && none.isEmpty && buffer.readableBytes == 5)
    }

    @Test func anIncompleteArrayIsNotReadInPlaceUntilItCompletes() throws {
        let whole = Array("*3\r\n$3\r\nfoo\r\n$-1\r\n$12\r\nhello\r\nworld\r\n".utf8)
        for cut in 0..<whole.count {
            var buffer = ByteBuffer(bytes: whole[..<cut])
            let (outcome, elements) = readInPlace(&buffer)
            // `false` (left to `next`, which waits too) is allowed where a header is cut.
            #expect(outcome != true, "cut at \(cut)")
            #expect(elements.isEmpty && buffer.readableBytes == cut, "cut at \(cut)")
            if outcome == false { #expect(try RESPParser().next(&buffer) == nil, "cut at \(cut)") }
            buffer.writeBytes(whole[cut...])
            let (complete, read) = readInPlace(&buffer)
            #expect(complete == true && read == ["foo", nil, "hello\r\nworld"] && buffer.readableBytes == 0)
        }
    }

    @Test func otherFramesAreLeftToNext() {
        for text in [
            "-ERR wrong\r\n", ":1\r\n", "*-1\r\n", "*2\r\n:1\r\n$1\r\na\r\n", ">2\r\n$10\r\ninvalidate\r\n_\r\n",
            "|1\r\n+ttl\r\n:3\r\n*1\r\n$1\r\na\r\n", "*1\r\n$3\r\nfoobar\r\n", "*1\r\n$-5\r\n",
        ] {
            var buffer = ByteBuffer(string: text)
            let (outcome, elements) = readInPlace(&buffer)
            #expect(outcome == false && elements.isEmpty, "\(text.debugDescription)")
            #expect(buffer.readableBytes == text.utf8.count)
        }
    }

    @Test func deepNestingIsRefused() {
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        #expect(throws: RESPParseError.self) { try RESPParser().next(&buffer) }
    }
}
