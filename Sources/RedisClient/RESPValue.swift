import NIOCore

/// One value of the Redis serialization protocol, RESP2 or RESP3.
///
/// RESP3's aggregate kinds (maps, sets) keep their elements in the order the server sent them;
/// a map is its keys and values alternating, as RESP2 sends `HGETALL`. Push frames (`>`) are not
/// values: they arrive as ``RESPFrame/push(_:)``, never as the reply to a command.
///
/// Bulk strings are slices of the connection's read buffer (no copy).
package enum RESPValue: Sendable, Hashable {
    /// `+OK`: a simple string.
    case simpleString(String)
    /// `-ERR ...` or RESP3's blob error `!`: the server refused the command.
    case error(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int)
    /// `$5\r\nhello`: a binary-safe string; also RESP3's verbatim string (`=`), without its format.
    case bulkString(ByteBuffer)
    /// `$-1`, `*-1` or RESP3's `_`: no value.
    case null
    /// `*2 ...`: an array; also RESP3's set (`~`).
    case array([RESPValue])
    /// RESP3's map (`%`): keys and values alternating.
    case map([RESPValue])
    /// RESP3's double (`,`).
    case double(Double)
    /// RESP3's boolean (`#t`, `#f`).
    case boolean(Bool)
    /// RESP3's big number (`(`), as its decimal text.
    case bigNumber(String)

    /// The text of a simple or bulk string, if this is one.
    package var string: String? {
        switch self {
        case .simpleString(let string): string
        case .bulkString(let buffer): String(buffer: buffer)
        default: nil
        }
    }
}

/// What a Redis connection receives: the reply to the oldest outstanding command, or (RESP3) an
/// out-of-band push, such as a `CLIENT TRACKING` invalidation or a Pub/Sub message.
package enum RESPFrame: Sendable, Hashable {
    case reply(RESPValue)
    case push([RESPValue])
}
