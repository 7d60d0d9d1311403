/// The errors a cache throws (``LocMemCache``, or a ``CacheBackend`` on a server). Each names the key,
/// configuration field or server address at fault.
public enum CacheError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `incr`, `decr`, `incrVersion` or `decrVersion` on a key that is missing or expired.
    /// Django raises `ValueError("Key '…' not found")`.
    case keyNotFound(String)
    /// `incr` or `decr` on a value that is not an `Int`.
    case notAnInteger(String)
    /// `incr`, `decr` or a version change whose result does not fit in an `Int`.
    /// The stored value is left as it was.
    case overflow(String)
    /// A ``CacheConfiguration`` field holds a value the cache cannot work with.
    case invalidConfiguration(field: String, reason: String)
    /// A cache server could not be reached or stopped answering: connection refused, a connect or
    /// command timeout, the connection closed with replies outstanding. The message names the
    /// server's address; nothing is known about commands that were in flight.
    case connectionFailed(String)
    /// A cache server answered with something that is not its protocol (for Redis: not RESP), or
    /// with a reply the command cannot have. The connection is closed; the message names the address.
    case protocolError(String)
    /// A cache server refused a command with an error reply (for Redis: `-ERR ...`, `-NOAUTH ...`).
    case serverError(String)
    /// A value whose encoded form is larger than the backend accepts; refused before anything is sent.
    case valueTooLarge(key: String, size: Int, limit: Int)
    /// A value that could not be encoded for, or decoded from, a cache server (`Codable` failed).
    case serializationFailed(key: String, reason: String)

    public var description: String {
        switch self {
        case .keyNotFound(let key):
            return "Key '\(key)' not found"
        case .notAnInteger(let key):
            return "Value of key '\(key)' is not an Int"
        case .overflow(let key):
            return "Arithmetic on key '\(key)' overflows Int"
        case .invalidConfiguration(let field, let reason):
            return "Invalid cache configuration: \(field) \(reason)"
        case .connectionFailed(let message):
            return "Cache server connection failed: \(message)"
        case .protocolError(let message):
            return "Cache server protocol error: \(message)"
        case .serverError(let message):
            return "Cache server error: \(message)"
        case .valueTooLarge(let key, let size, let limit):
            return "Value of key '\(key)' is too large: \(size) bytes encoded, the limit is \(limit)"
        case .serializationFailed(let key, let reason):
            return "Value of key '\(key)' cannot be serialized: \(reason)"
        }
    }
}
