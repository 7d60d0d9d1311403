import NIOCore

/// One argument of a Redis command: text, bytes or an integer, all sent as RESP bulk strings.
package enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes(ByteBuffer)
    case integer(Int)

    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .integer(value) }

    /// The bytes this argument takes in a command: `$<length>\r\n<bytes>\r\n`.
    package var encodedSize: Int {
        switch self {
        case .string(let string): RESPEncoding.bulkSize(string.utf8.count)
        case .bytes(let bytes): RESPEncoding.bulkSize(bytes.readableBytes)
        case .integer(let integer): RESPEncoding.bulkSize(RESPEncoding.decimalLength(of: integer))
        }
    }
}

/// A Redis command, encoded once as a RESP array of bulk strings, ready to be written.
///
/// ```swift
/// let command = RedisCommand("SET", [.string(key), .bytes(value), "PX", .integer(1500)])
/// ```
///
/// The bytes are written in one pass into a buffer of the exact size: each argument is one copy
/// of its bytes between its `$<length>\r\n` header and `\r\n`, written through a raw pointer.
/// Hot paths with many arguments (`MGET` of 100 keys) use ``RedisCommandEncoder`` instead of
/// building an array of ``RedisArgument``s first.
package struct RedisCommand: Sendable {
    /// The encoded bytes (`*3\r\n$3\r\nSET\r\n...`).
    package private(set) var bytes: ByteBuffer
    /// The command's name, for error messages.
    package let name: String

    package init(_ name: String, _ arguments: [RedisArgument] = []) {
        var size = 0
        for argument in arguments { size += argument.encodedSize }
        var encoder = RedisCommandEncoder(name, argumentCount: arguments.count, argumentBytes: size)
        for argument in arguments { encoder.append(argument) }
        self = encoder.command
    }

    init(name: String, bytes: ByteBuffer) {
        self.name = name
        self.bytes = bytes
    }
}

/// Builds a ``RedisCommand`` argument by argument, into a buffer allocated once.
///
/// ```swift
/// var encoder = RedisCommandEncoder("MGET", argumentCount: keys.count,
///                                   argumentBytes: keys.reduce(0) { $0 + RESPEncoding.bulkSize($1.utf8.count) })
/// for key in keys { encoder.append(key) }
/// let command = encoder.command
/// ```
///
/// `argumentCount` must be the number of arguments appended (the RESP array header is written
/// first); `argumentBytes` is the size they take encoded (``RESPEncoding/bulkSize(_:)`` of each
/// length), used to size the buffer: a wrong estimate costs a reallocation, never correctness.
/// Each `append` is one write through a raw pointer.
package struct RedisCommandEncoder {
    private var buffer: ByteBuffer
    private let name: String

    package init(_ name: String, argumentCount: Int, argumentBytes: Int) {
        self.name = name
        let nameSize = RESPEncoding.bulkSize(name.utf8.count)
        let headerSize = 3 + RESPEncoding.decimalLength(of: argumentCount + 1)
        buffer = ByteBufferAllocator().buffer(capacity: headerSize + nameSize + argumentBytes)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: headerSize) { output in
            let base = output.baseAddress!
            base.storeBytes(of: UInt8(ascii: "*"), as: UInt8.self)
            var offset = 1 + RESPEncoding.writeDecimal(argumentCount + 1, to: base + 1)
            RESPEncoding.writeCRLF(to: base + offset)
            offset += 2
            return offset
        }
        append(name)
    }

    /// Appends `argument` as a bulk string.
    package mutating func append(_ argument: RedisArgument) {
        switch argument {
        case .string(let string): append(string)
        case .bytes(let bytes): append(bytes)
        case .integer(let integer): append(integer)
        }
    }

    /// Appends `string`'s UTF-8 as a bulk string.
    package mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the readable bytes of `bytes` as a bulk string.
    package mutating func append(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { append($0) }
    }

    /// Appends `integer` in decimal as a bulk string.
    package mutating func append(_ integer: Int) {
        let length = RESPEncoding.decimalLength(of: integer)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: RESPEncoding.bulkSize(length)) { output in
            let base = output.baseAddress!
            var offset = RESPEncoding.writeBulkHeader(length, to: base)
            offset += RESPEncoding.writeDecimal(integer, to: base + offset)
            RESPEncoding.writeCRLF(to: base + offset)
            return offset + 2
        }
    }

    /// Appends raw bytes as a bulk string.
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        appendBulk(length: bytes.count) { target in
            if let source = bytes.baseAddress, !bytes.isEmpty {
                target.copyMemory(from: source, byteCount: bytes.count)
            }
        }
    }

    /// Appends a bulk string of `length` bytes that `write` stores at the pointer it is given
    /// (exactly `length` bytes): for arguments built in place, such as cache keys.
    package mutating func appendBulk(length: Int, _ write: (UnsafeMutableRawPointer) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: RESPEncoding.bulkSize(length)) { output in
            let base = output.baseAddress!
            let header = RESPEncoding.writeBulkHeader(length, to: base)
            write(base + header)
            RESPEncoding.writeCRLF(to: base + header + length)
            return header + length + 2
        }
    }

    /// Appends `"\(prefix):\(version):\(key)"` (Django's default key function) for each of
    /// `keys`, as bulk strings, in one write.
    package mutating func appendPrefixedKeys(_ keys: [String], prefix: String, version: Int) {
        appendPrefixedKeys(keys: keys, prefix: prefix, version: version)
    }

    /// Appends `"\(prefix):\(version):\(key)"` as a bulk string.
    package mutating func appendPrefixedKey(_ key: String, prefix: String, version: Int) {
        appendPrefixedKeys(keys: CollectionOfOne(key), prefix: prefix, version: version)
    }

    /// What ``appendPrefixedKeys(_:prefix:version:)`` adds for `keyBytes` bytes of keys in all,
    /// `count` keys, `prefixBytes` bytes of prefix.
    package static func prefixedKeysSize(count: Int, keyBytes: Int, prefixBytes: Int, version: Int) -> Int {
        var size = keyBytes + count * (prefixBytes + RESPEncoding.decimalLength(of: version) + 2)
        // The length headers, whose digits depend on each key's length: an estimate is enough
        // for the buffer's capacity, which the write grows if needed.
        size += count * 8
        return size
    }

    private mutating func appendPrefixedKeys<Keys: Collection<String>>(keys: Keys, prefix: String, version: Int) {
        var prefix = prefix
        prefix.withUTF8 { prefix in
            // `prefix:version:`, the same for every key: built once.
            let fixedCount = prefix.count + RESPEncoding.decimalLength(of: version) + 2
            withUnsafeTemporaryAllocation(byteCount: fixedCount, alignment: 1) { fixed in
                let start = fixed.baseAddress!
                if let source = prefix.baseAddress { start.copyMemory(from: source, byteCount: prefix.count) }
                start.storeBytes(of: UInt8(ascii: ":"), toByteOffset: prefix.count, as: UInt8.self)
                let digits = RESPEncoding.writeDecimal(version, to: start + prefix.count + 1)
                start.storeBytes(of: UInt8(ascii: ":"), toByteOffset: prefix.count + 1 + digits, as: UInt8.self)
                var size = 0
                for key in keys { size += RESPEncoding.bulkSize(fixedCount + key.utf8.count) }
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
                    let base = output.baseAddress!
                    var offset = 0
                    func write(_ key: UnsafeBufferPointer<UInt8>) {
                        offset += RESPEncoding.writeBulkHeader(fixedCount + key.count, to: base + offset)
                        (base + offset).copyMemory(from: start, byteCount: fixedCount)
                        offset += fixedCount
                        if let source = key.baseAddress {
                            (base + offset).copyMemory(from: source, byteCount: key.count)
                        }
                        offset += key.count
                        RESPEncoding.writeCRLF(to: base + offset)
                        offset += 2
                    }
                    for key in keys {
                        // Contiguous UTF-8 is read in place, without a copy of the string.
                        if key.utf8.withContiguousStorageIfAvailable(write) == nil {
                            var key = key
                            key.withUTF8(write)
                        }
                    }
                    return offset
                }
            }
        }
    }

    /// The command, encoded.
    package var command: RedisCommand { RedisCommand(name: name, bytes: buffer) }
}

/// Sizes and raw writes of RESP's framing.
package enum RESPEncoding {
    /// The encoded size of a bulk string of `length` bytes: `$<length>\r\n<bytes>\r\n`.
    @inline(__always)
    package static func bulkSize(_ length: Int) -> Int {
        length + decimalLength(of: length) + 5
    }

    /// The number of characters of `value` in decimal, with its sign.
    @inline(__always)
    package static func decimalLength(of value: Int) -> Int {
        var magnitude = value.magnitude
        var count = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            count += 1
        }
        return count
    }

    /// Writes `value` in decimal at `target`; returns the number of bytes written.
    @inline(__always)
    package static func writeDecimal(_ value: Int, to target: UnsafeMutableRawPointer) -> Int {
        let count = decimalLength(of: value)
        var magnitude = value.magnitude
        var index = count
        repeat {
            index -= 1
            target.storeBytes(of: UInt8(truncatingIfNeeded: 48 &+ magnitude % 10), toByteOffset: index, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 { target.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self) }
        return count
    }

    /// `$<length>\r\n` at `target`; returns its size.
    @inline(__always)
    package static func writeBulkHeader(_ length: Int, to target: UnsafeMutableRawPointer) -> Int {
        target.storeBytes(of: UInt8(ascii: "$"), as: UInt8.self)
        let digits = writeDecimal(length, to: target + 1)
        writeCRLF(to: target + 1 + digits)
        return digits + 3
    }

    /// `\r\n` at `target`.
    @inline(__always)
    package static func writeCRLF(to target: UnsafeMutableRawPointer) {
        target.storeBytes(of: UInt8(ascii: "\r"), as: UInt8.self)
        target.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: 1, as: UInt8.self)
    }
}
