import NIOCore

/// Why bytes from the server are not RESP.
package struct RESPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    package var reason: String
    package var description: String { reason }
}

/// An incremental RESP2/RESP3 parser: takes frames off the front of a buffer as they complete.
///
/// ``next(_:)`` returns `nil` and consumes nothing while the buffer holds only part of a frame, so
/// bytes can be appended as they arrive. Anything that is not RESP (an unknown type byte, a missing
/// CRLF, a malformed length) throws: the connection cannot be resynchronized and must be closed.
/// Lengths and nesting are bounded, so hostile input cannot make it allocate without limit.
package struct RESPParser: Sendable {
    /// The longest bulk string accepted: Redis's own `proto-max-bulk-len` default, 512 MiB.
    package var maximumBulkLength = 512 * 1024 * 1024
    /// The most elements one aggregate may announce.
    package var maximumAggregateCount = 1 << 24
    /// The deepest nesting of aggregates accepted.
    package var maximumDepth = 64
    /// The longest simple line (`+`, `-`, `:` ...) accepted before its CRLF.
    package var maximumLineLength = 64 * 1024

    package init() {}

    /// The next complete frame at the front of `buffer`, consumed; `nil` if it is not complete yet.
    package func next(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPFrame? {
        var copy = buffer
        guard let (value, isPush) = try parse(&copy, depth: 0) else { return nil }
        buffer = copy
        if isPush, case .array(let elements) = value {
            return .push(elements)
        }
        return .reply(value)
    }

    /// One value, and whether it was a push (`>`); `nil` if incomplete. Attributes (`|`) are read
    /// and dropped: they annotate the value that follows.
    private func parse(_ buffer: inout ByteBuffer, depth: Int) throws(RESPParseError) -> (RESPValue, Bool)? {
        guard depth <= maximumDepth else {
            throw RESPParseError(reason: "aggregates nested deeper than \(maximumDepth)")
        }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = try readLine(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return (.simpleString(String(buffer: line)), false)
        case UInt8(ascii: "-"):
            return (.error(String(buffer: line)), false)
        case UInt8(ascii: ":"):
            return (.integer(try integer(line)), false)
        case UInt8(ascii: "_"):
            return (.null, false)
        case UInt8(ascii: "#"):
            switch line.getInteger(at: line.readerIndex, as: UInt8.self) {
            case UInt8(ascii: "t") where line.readableBytes == 1: return (.boolean(true), false)
            case UInt8(ascii: "f") where line.readableBytes == 1: return (.boolean(false), false)
            default: throw RESPParseError(reason: "malformed boolean '\(String(buffer: line))'")
            }
        case UInt8(ascii: ","):
            let text = String(buffer: line)
            switch text {
            case "inf": return (.double(.infinity), false)
            case "-inf": return (.double(-.infinity), false)
            case "nan": return (.double(.nan), false)
            default:
                guard let double = Double(text) else { throw RESPParseError(reason: "malformed double '\(text)'") }
                return (.double(double), false)
            }
        case UInt8(ascii: "("):
            return (.bigNumber(String(buffer: line)), false)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let length = try integer(line)
            if length == -1, type == UInt8(ascii: "$") { return (.null, false) }
            guard (0...maximumBulkLength).contains(length) else {
                throw RESPParseError(reason: "bulk length \(length) outside 0...\(maximumBulkLength)")
            }
            guard buffer.readableBytes >= length + 2 else { return nil }
            var bytes = buffer.readSlice(length: length)!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RESPParseError(reason: "bulk string not followed by CRLF")
            }
            if type == UInt8(ascii: "!") { return (.error(String(buffer: bytes)), false) }
            if type == UInt8(ascii: "=") {
                // A verbatim string starts with its three-letter format and a colon: `txt:`.
                guard bytes.readableBytes >= 4 else { throw RESPParseError(reason: "verbatim string without format") }
                bytes.moveReaderIndex(forwardBy: 4)
            }
            return (.bulkString(bytes), false)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let announced = try integer(line)
            if announced == -1, type == UInt8(ascii: "*") { return (.null, false) }
            let isPairs = type == UInt8(ascii: "%") || type == UInt8(ascii: "|")
            guard (0...maximumAggregateCount).contains(announced) else {
                throw RESPParseError(reason: "aggregate length \(announced) outside 0...\(maximumAggregateCount)")
            }
            let count = isPairs ? announced * 2 : announced
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, buffer.readableBytes / 3 + 1))
            for _ in 0..<count {
                guard let (element, _) = try parse(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch type {
            case UInt8(ascii: "|"):
                return try parse(&buffer, depth: depth)
            case UInt8(ascii: "%"):
                return (.map(elements), false)
            default:
                return (.array(elements), type == UInt8(ascii: ">"))
            }
        default:
            throw RESPParseError(reason: "unexpected byte 0x\(String(type, radix: 16)) where a RESP type was expected")
        }
    }

    /// The bytes up to the next CRLF, consumed with it; `nil` if no CRLF has arrived yet.
    private func readLine(_ buffer: inout ByteBuffer) throws(RESPParseError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > maximumLineLength {
                throw RESPParseError(reason: "line longer than \(maximumLineLength) bytes")
            }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw RESPParseError(reason: "CR not followed by LF") }
        let line = buffer.readSlice(length: cr - view.startIndex)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// A signed decimal integer filling the whole line.
    private func integer(_ line: ByteBuffer) throws(RESPParseError) -> Int {
        let parsed: Int? = line.withUnsafeReadableBytes { bytes in
            guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
            var index = 0
            let negative = bytes[0] == UInt8(ascii: "-")
            if negative { index = 1 }
            guard index < bytes.count else { return nil }
            var value = 0
            while index < bytes.count {
                let digit = Int(bytes[index]) &- 48
                guard (0...9).contains(digit) else { return nil }
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) =
                    negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                guard !o1, !o2 else { return nil }
                value = next
                index += 1
            }
            return value
        }
        guard let parsed else { throw RESPParseError(reason: "malformed integer '\(String(buffer: line))'") }
        return parsed
    }
}
