import NIOCore

/// One argument of a Redis command: text, bytes or an integer, all sent as RESP bulk strings.
package enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes(ByteBuffer)
    case integer(Int)

    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .integer(value) }
}

/// A Redis command, encoded once as a RESP array of bulk strings, ready to be written.
///
/// ```swift
/// let command = RedisCommand("SET", [.string(key), .bytes(value), "PX", .integer(1500)])
/// ```
package struct RedisCommand: Sendable {
    /// The encoded bytes (`*3\r\n$3\r\nSET\r\n...`).
    package private(set) var bytes: ByteBuffer
    /// The command's name, for error messages.
    package let name: String

    package init(_ name: String, _ arguments: [RedisArgument] = []) {
        self.name = name
        var estimate = 16 + name.utf8.count
        for argument in arguments {
            switch argument {
            case .string(let string): estimate += string.utf8.count + 16
            case .bytes(let bytes): estimate += bytes.readableBytes + 16
            case .integer: estimate += 36
            }
        }
        var buffer = ByteBufferAllocator().buffer(capacity: estimate)
        buffer.writeStaticString("*")
        Self.writeDecimal(arguments.count + 1, to: &buffer)
        buffer.writeStaticString("\r\n")
        Self.writeBulk(name, to: &buffer)
        for argument in arguments {
            switch argument {
            case .string(let string):
                Self.writeBulk(string, to: &buffer)
            case .bytes(let bytes):
                buffer.writeStaticString("$")
                Self.writeDecimal(bytes.readableBytes, to: &buffer)
                buffer.writeStaticString("\r\n")
                buffer.writeImmutableBuffer(bytes)
                buffer.writeStaticString("\r\n")
            case .integer(let integer):
                var digits = ByteBufferAllocator().buffer(capacity: 20)
                Self.writeDecimal(integer, to: &digits)
                buffer.writeStaticString("$")
                Self.writeDecimal(digits.readableBytes, to: &buffer)
                buffer.writeStaticString("\r\n")
                buffer.writeImmutableBuffer(digits)
                buffer.writeStaticString("\r\n")
            }
        }
        self.bytes = buffer
    }

    private static func writeBulk(_ string: String, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("$")
        writeDecimal(string.utf8.count, to: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeString(string)
        buffer.writeStaticString("\r\n")
    }

    /// Writes `value` in decimal, without going through `String`.
    static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        if value == 0 {
            buffer.writeInteger(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits and a sign
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var index = raw.count
            while magnitude > 0 {
                index -= 1
                raw[index] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            }
            if value < 0 {
                index -= 1
                raw[index] = UInt8(ascii: "-")
            }
            return raw.count - index
        }
        withUnsafeBytes(of: &digits) { raw in
            _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(raw.count - count)...]))
        }
    }
}
