/// The errors a ``LocMemCache`` throws. Each names the key (or configuration field) at fault.
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
        }
    }
}
