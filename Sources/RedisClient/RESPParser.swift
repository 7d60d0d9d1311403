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
///
/// The frame is read through one raw pointer to the buffer's bytes; a bulk string becomes a slice
/// of the buffer (no copy), and an aggregate one array of its elements.
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
        let source = buffer
        let outcome = source.withUnsafeReadableBytes { bytes -> Outcome in
            var reader = Reader(bytes: bytes, source: source, parser: self)
            do throws(RESPParseError) {
                guard let (value, isPush) = try reader.value(depth: 0) else { return .incomplete }
                return .frame(value, isPush: isPush, consumed: reader.offset)
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .incomplete:
            return nil
        case .failure(let error):
            throw error
        case .frame(let value, let isPush, let consumed):
            buffer.moveReaderIndex(forwardBy: consumed)
            if isPush, case .array(let elements) = value {
                return .push(elements)
            }
            return .reply(value)
        }
    }

    /// Reads the frame at the front of `buffer` in place when it is an array of bulk strings and
    /// nulls, as `MGET` answers: once the whole frame has arrived, calls `element` with each
    /// element's index and bytes (`nil` for a null), in order, where they lie in the buffer, and
    /// consumes the frame. No value is built: the caller decodes the bytes during the call.
    ///
    /// - Returns: `true` if the frame was read; `nil` if it has not all arrived (nothing consumed,
    ///   nothing called); `false` if it is any other frame, or not RESP (nothing consumed, nothing
    ///   called): ``next(_:)`` reads it, or throws.
    package func nextBulkStringArray(
        _ buffer: inout ByteBuffer, _ element: (Int, UnsafeRawBufferPointer?) -> Void
    ) -> Bool? {
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int? in
            var reader = Reader(bytes: bytes, source: nil, parser: self)
            let count: Int
            switch reader.arrayHeader() {
            case .count(let announced): count = announced
            case .incomplete: return nil
            default: return -1
            }
            // Every element takes at least 3 bytes: a count beyond what has arrived is not complete,
            // and allocates nothing.
            guard count <= (bytes.count - reader.offset) / 3 else { return nil }
            // The whole frame must have arrived, in the expected shape, before the first element is
            // handed over: the elements are found first, then passed on.
            return withUnsafeTemporaryAllocation(of: UnsafeRawBufferPointer?.self, capacity: count) { found -> Int? in
                for index in 0..<count {
                    switch reader.bulkStringOrNull() {
                    case .bytes(let bytes): found.initializeElement(at: index, to: bytes)
                    case .null: found.initializeElement(at: index, to: nil)
                    case .incomplete: return nil
                    default: return -1
                    }
                }
                for index in 0..<count {
                    element(index, found[index])
                }
                return reader.offset
            }
        }
        guard let consumed else { return nil }
        guard consumed >= 0 else { return false }
        buffer.moveReaderIndex(forwardBy: consumed)
        return true
    }

    /// What ``Reader/bulkStringOrNull()`` and ``Reader/arrayHeader()`` found.
    private enum Shape {
        case count(Int)
        case bytes(UnsafeRawBufferPointer)
        case null
        /// Not all arrived yet.
        case incomplete
        /// Another kind of frame, or not RESP: the full parser reads it.
        case other
    }

    private enum Outcome {
        case incomplete
        case frame(RESPValue, isPush: Bool, consumed: Int)
        case failure(RESPParseError)
    }

    /// A position in the readable bytes of `source`.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        /// The buffer `bytes` are the readable bytes of, for slices; `nil` when values are not built.
        let source: ByteBuffer?
        let parser: RESPParser
        var offset = 0

        /// The count of the array (`*`) at `offset`, consumed (or how it is not one).
        mutating func arrayHeader() -> Shape {
            guard offset < bytes.count else { return .incomplete }
            guard bytes[offset] == UInt8(ascii: "*") else { return .other }
            if let count = shortLength() {
                return count <= parser.maximumAggregateCount ? .count(count) : .other
            }
            // Anything but a short count (a null array, a malformed one) is the full parser's.
            return lineShape()
        }

        /// `.incomplete` if the line at `offset` has not all arrived, else `.other`; consumes nothing.
        private mutating func lineShape() -> Shape {
            let start = offset
            defer { offset = start }
            do {
                return try line() == nil ? .incomplete : .other
            } catch {
                return .other
            }
        }

        /// The bytes of the bulk string at `offset`, or its null (`$-1`, `_`), consumed (or how it
        /// is not one).
        mutating func bulkStringOrNull() -> Shape {
            guard offset < bytes.count else { return .incomplete }
            switch bytes[offset] {
            case UInt8(ascii: "$"):
                if let length = shortLength() {
                    guard length <= parser.maximumBulkLength else { return .other }
                    guard bytes.count - offset >= length + 2 else { return .incomplete }
                    guard bytes[offset + length] == UInt8(ascii: "\r"), bytes[offset + length + 1] == UInt8(ascii: "\n")
                    else { return .other }
                    let element = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
                    offset += length + 2
                    return .bytes(element)
                }
                // `$-1`, RESP2's null, is the one other bulk header read here.
                guard bytes.count - offset >= 5 else { return lineShape() }
                guard bytes[offset + 1] == UInt8(ascii: "-"), bytes[offset + 2] == UInt8(ascii: "1"),
                    bytes[offset + 3] == UInt8(ascii: "\r"), bytes[offset + 4] == UInt8(ascii: "\n")
                else { return .other }
                offset += 5
                return .null
            case UInt8(ascii: "_"):
                // RESP3's null.
                guard bytes.count - offset >= 3 else { return .incomplete }
                guard bytes[offset + 1] == UInt8(ascii: "\r"), bytes[offset + 2] == UInt8(ascii: "\n") else {
                    return .other
                }
                offset += 3
                return .null
            default:
                return .other
            }
        }

        /// One value, and whether it was a push (`>`); `nil` if incomplete. Attributes (`|`) are
        /// read and dropped: they annotate the value that follows.
        mutating func value(depth: Int) throws(RESPParseError) -> (RESPValue, Bool)? {
            guard depth <= parser.maximumDepth else {
                throw RESPParseError(reason: "aggregates nested deeper than \(parser.maximumDepth)")
            }
            guard offset < bytes.count else { return nil }
            let type = bytes[offset]
            switch type {
            case UInt8(ascii: "$"):
                // The common reply, first: a bulk string (or RESP2's null).
                if let length = shortLength() {
                    guard let bulk = try bulk(length) else { return nil }
                    return (.bulkString(bulk), false)
                }
                guard let (start, end) = try line() else { return nil }
                let length = try integer(start, end)
                if length == -1 { return (.null, false) }
                guard let bulk = try bulk(length) else { return nil }
                return (.bulkString(bulk), false)
            case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
                return try aggregate(type, depth: depth)
            case UInt8(ascii: ":"):
                guard let (start, end) = try line() else { return nil }
                return (.integer(try integer(start, end)), false)
            case UInt8(ascii: "+"):
                guard let (start, end) = try line() else { return nil }
                return (.simpleString(text(start, end)), false)
            case UInt8(ascii: "-"):
                guard let (start, end) = try line() else { return nil }
                return (.error(text(start, end)), false)
            case UInt8(ascii: "_"):
                guard try line() != nil else { return nil }
                return (.null, false)
            case UInt8(ascii: "#"):
                guard let (start, end) = try line() else { return nil }
                switch end - start == 1 ? bytes[start] : 0 {
                case UInt8(ascii: "t"): return (.boolean(true), false)
                case UInt8(ascii: "f"): return (.boolean(false), false)
                default: throw RESPParseError(reason: "malformed boolean '\(text(start, end))'")
                }
            case UInt8(ascii: ","):
                guard let (start, end) = try line() else { return nil }
                let text = text(start, end)
                switch text {
                case "inf": return (.double(.infinity), false)
                case "-inf": return (.double(-.infinity), false)
                case "nan": return (.double(.nan), false)
                default:
                    guard let double = Double(text) else { throw RESPParseError(reason: "malformed double '\(text)'") }
                    return (.double(double), false)
                }
            case UInt8(ascii: "("):
                guard let (start, end) = try line() else { return nil }
                return (.bigNumber(text(start, end)), false)
            case UInt8(ascii: "="), UInt8(ascii: "!"):
                guard let (start, end) = try line() else { return nil }
                guard var bulk = try bulk(try integer(start, end)) else { return nil }
                if type == UInt8(ascii: "!") { return (.error(String(buffer: bulk)), false) }
                // A verbatim string starts with its three-letter format and a colon: `txt:`.
                guard bulk.readableBytes >= 4 else { throw RESPParseError(reason: "verbatim string without format") }
                bulk.moveReaderIndex(forwardBy: 4)
                return (.bulkString(bulk), false)
            default:
                throw RESPParseError(
                    reason: "unexpected byte 0x\(String(type, radix: 16)) where a RESP type was expected")
            }
        }

        /// The elements of an array, set, push, map or attribute whose type byte is at `offset`.
        private mutating func aggregate(_ type: UInt8, depth: Int) throws(RESPParseError) -> (RESPValue, Bool)? {
            guard let (start, end) = try line() else { return nil }
            let announced = try integer(start, end)
            if announced == -1, type == UInt8(ascii: "*") { return (.null, false) }
            guard (0...parser.maximumAggregateCount).contains(announced) else {
                throw RESPParseError(
                    reason: "aggregate length \(announced) outside 0...\(parser.maximumAggregateCount)")
            }
            let isPairs = type == UInt8(ascii: "%") || type == UInt8(ascii: "|")
            let count = isPairs ? announced * 2 : announced
            var elements: [RESPValue] = []
            // Every element takes at least 3 bytes, so what has arrived bounds the allocation.
            elements.reserveCapacity(min(count, (bytes.count - offset) / 3 + 1))
            for _ in 0..<count {
                guard let (element, _) = try value(depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch type {
            case UInt8(ascii: "|"):
                return try value(depth: depth)
            case UInt8(ascii: "%"):
                return (.map(elements), false)
            default:
                return (.array(elements), type == UInt8(ascii: ">"))
            }
        }

        /// The length after the type byte at `offset` when it is 1 to 9 digits followed by CRLF,
        /// consumed; else `nil`, consuming nothing, and ``line()`` and ``integer(_:_:)`` read it
        /// (and find it incomplete, negative or malformed). One pass over the bytes of a length
        /// as replies carry them.
        @inline(__always)
        private mutating func shortLength() -> Int? {
            var index = offset + 1
            let limit = min(bytes.count, index + 9)
            var length = 0
            while index < limit {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                length = length &* 10 &+ Int(digit)
                index += 1
            }
            guard index > offset + 1, index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\r"),
                bytes[index + 1] == UInt8(ascii: "\n")
            else { return nil }
            offset = index + 2
            return length
        }

        /// The bytes after the type byte at `offset` up to the next CRLF, as offsets `start..<end`,
        /// consumed with the type byte and the CRLF; `nil` if no CRLF has arrived yet.
        private mutating func line() throws(RESPParseError) -> (Int, Int)? {
            let start = offset + 1
            var cr = start
            let count = bytes.count
            while cr < count, bytes[cr] != UInt8(ascii: "\r") { cr += 1 }
            guard cr < count else {
                if count - start > parser.maximumLineLength {
                    throw RESPParseError(reason: "line longer than \(parser.maximumLineLength) bytes")
                }
                return nil
            }
            guard cr + 1 < count else { return nil }
            guard bytes[cr + 1] == UInt8(ascii: "\n") else { throw RESPParseError(reason: "CR not followed by LF") }
            offset = cr + 2
            return (start, cr)
        }

        /// `length` bytes and their CRLF at `offset`, consumed, as a slice of `source`; `nil` if
        /// they have not all arrived.
        private mutating func bulk(_ length: Int) throws(RESPParseError) -> ByteBuffer? {
            guard (0...parser.maximumBulkLength).contains(length) else {
                throw RESPParseError(reason: "bulk length \(length) outside 0...\(parser.maximumBulkLength)")
            }
            guard bytes.count - offset >= length + 2 else { return nil }
            guard bytes[offset + length] == UInt8(ascii: "\r"), bytes[offset + length + 1] == UInt8(ascii: "\n") else {
                throw RESPParseError(reason: "bulk string not followed by CRLF")
            }
            let slice = source!.getSlice(at: source!.readerIndex + offset, length: length)!
            offset += length + 2
            return slice
        }

        private func text(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }

        /// A signed decimal integer filling `start..<end`.
        private func integer(_ start: Int, _ end: Int) throws(RESPParseError) -> Int {
            var index = start
            let negative = index < end && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            guard index < end, end - start <= 20 else {
                throw RESPParseError(reason: "malformed integer '\(text(start, end))'")
            }
            var value = 0
            while index < end {
                let digit = Int(bytes[index]) &- 48
                guard digit >= 0, digit <= 9 else {
                    throw RESPParseError(reason: "malformed integer '\(text(start, end))'")
                }
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) =
                    negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                guard !o1, !o2 else { throw RESPParseError(reason: "malformed integer '\(text(start, end))'") }
                value = next
                index += 1
            }
            return value
        }
    }
}
