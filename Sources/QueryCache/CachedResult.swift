import SQLiteStore

/// A result kept in the `LocMemCache`: the value, what it was computed from, and the versions it was
/// computed at.
///
/// The cache key is a hash (see ``CachedResult/key(namespace:sql:arguments:valueType:)``), so the entry
/// carries the full identity of its query and a hit compares it: two queries whose keys collide never see
/// each other's results, they only evict each other.
@usableFromInline
final class CachedResult<Value: Sendable>: Sendable {
    @usableFromInline let namespace: UInt64
    @usableFromInline let sql: String
    @usableFromInline let arguments: [SQLiteValue]
    /// The tables the statement read (to bypass the result inside a transaction that wrote one of them).
    @usableFromInline let tables: Set<String>
    @usableFromInline let stamp: VersionStamp
    @usableFromInline let value: Value

    @usableFromInline
    init(namespace: UInt64, sql: String, arguments: [SQLiteValue], tables: Set<String>, stamp: VersionStamp,
         value: Value) {
        self.namespace = namespace
        self.sql = sql
        self.arguments = arguments
        self.tables = tables
        self.stamp = stamp
        self.value = value
    }

    /// Whether this is the result of the same query: same instance, same SQL, same values with the same types.
    /// (The value type was checked by the cast that produced `self`.)
    @inlinable
    func isResult(of namespace: UInt64, _ sql: String, _ arguments: [SQLiteValue]) -> Bool {
        self.namespace == namespace && self.sql == sql && self.arguments == arguments
    }

    /// A fast 64-bit hash of the SQL's UTF-8 bytes, 8 at a time (multiply and fold), for the key.
    ///
    /// Not SipHash: the SQL is the application's own text, and a collision costs no correctness (the entry
    /// carries the full SQL and a hit compares it), only the two queries evicting each other. A few times faster
    /// than `Hasher` on a long statement, which matters on the hit path.
    @inlinable
    static func sqlHash(_ sql: String) -> UInt64 {
        var sql = sql
        return sql.withUTF8 { bytes in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
            let raw = UnsafeRawBufferPointer(bytes)
            var offset = 0
            while offset + 8 <= raw.count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                hash ^= hash >> 29
                offset += 8
            }
            var tail: UInt64 = 0
            while offset < raw.count {
                tail = tail << 8 | UInt64(raw[offset])
                offset += 1
            }
            hash = (hash ^ tail) &* 0x9E37_79B9_7F4A_7C15
            return hash ^ (hash >> 32)
        }
    }

    /// The cache key of a query: `q` and 13 base-32 digits of a hash of the instance's namespace, the SQL, each
    /// value with its SQLite type (`.integer(1)`, `.real(1)` and `.text("1")` hash apart) and the result type.
    ///
    /// 14 ASCII characters: Swift keeps it inline (no allocation), and it has no space or control character,
    /// so `LocMemCache` never warns about it, whatever the SQL.
    @inlinable
    static func key(namespace: UInt64, sql: String, arguments: [SQLiteValue], valueType: Any.Type) -> String {
        var hasher = Hasher()
        hasher.combine(namespace)
        hasher.combine(sqlHash(sql))
        hasher.combine(arguments)
        hasher.combine(ObjectIdentifier(valueType))
        var hash = UInt64(UInt(bitPattern: hasher.finalize()))
        return String(unsafeUninitializedCapacity: 14) { buffer in
            buffer[0] = UInt8(ascii: "q")
            for index in 1..<14 {
                let digit = UInt8(truncatingIfNeeded: hash & 31)
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                hash >>= 5
            }
            return 14
        }
    }
}
