import SQLiteStore
import Synchronization

/// A result kept in the `LocMemCache`: the value, what it was computed from, and the versions it was
/// computed at.
///
/// The cache key is a hash (see ``QueryKey``), so the entry
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
    /// An ``InvalidationState/recordCount`` at which the versions were found current (at first, the stamp's).
    @usableFromInline let currentAtRecordCount: Atomic<UInt64>

    @usableFromInline
    init(namespace: UInt64, sql: String, arguments: [SQLiteValue], tables: Set<String>, stamp: VersionStamp,
         value: Value) {
        self.namespace = namespace
        self.sql = sql
        self.arguments = arguments
        self.tables = tables
        self.stamp = stamp
        self.value = value
        self.currentAtRecordCount = Atomic(stamp.recordCount)
    }

    /// Whether the result may be served to a read that took `changes`: nothing it depends on has changed (no DDL,
    /// no commit by another connection seen since, no commit of one of its tables), and the open transaction, if
    /// any, has not written one of its tables.
    ///
    /// The fast path: no version has moved at all since the result was last found current (one atomic load
    /// against ``currentAtRecordCount``). Otherwise the table versions are compared, and when they are current
    /// the record count read before them is remembered.
    ///
    /// - Parameter changes: The change check made at the start of the caller's read. A stamp taken by a later
    ///   check (more external changes) is current too.
    /// - Complexity: O(1) on the fast path; else O(*t*) atomic loads, *t* the number of tables the statement reads.
    @inlinable
    func isServable(in state: InvalidationState, _ changes: ChangeState) -> Bool {
        guard stamp.externalChanges >= changes.externalChanges, !changes.uncommitted.affects(tables) else {
            return false
        }
        let recordCount = state.recordCount.load(ordering: .sequentiallyConsistent)
        return currentAtRecordCount.load(ordering: .relaxed) == recordCount || isCurrent(in: state, at: recordCount)
    }

    /// The slow path of ``isServable(in:_:)``: compares the table versions, and remembers `recordCount` (read
    /// before them) when they are current.
    ///
    /// Sound because ``InvalidationState/record(_:)`` moves the versions before the record count: a record count
    /// that has not moved since it was read before versions found current means that no record has completed
    /// since they were (one in progress has not returned to its writer yet, so the read may come before it).
    @usableFromInline
    func isCurrent(in state: InvalidationState, at recordCount: UInt64) -> Bool {
        guard stamp.versionsAreCurrent(in: state) else { return false }
        currentAtRecordCount.store(recordCount, ordering: .relaxed)
        return true
    }

    /// Whether this is the result of the same query: same instance, same SQL, same values with the same types.
    /// (The value type was checked by the cast that produced `self`.)
    @inlinable
    func isResult(of namespace: UInt64, _ sql: String, _ arguments: UnsafeBufferPointer<SQLiteValue>) -> Bool {
        guard self.namespace == namespace, self.arguments.count == arguments.count, self.sql == sql else { return false }
        for index in arguments.indices where self.arguments[index] != arguments[index] {
            return false
        }
        return true
    }
}

/// The cache key of a query: `q` and 15 hexadecimal digits of a hash of the instance's key seed, the SQL, each value
/// with its SQLite type (`.integer(1)`, `.real(1)` and `.text("1")` hash apart) and the result type.
///
/// 16 ASCII characters kept in two words: a hit passes their bytes to the cache (`LocMemCache._read(keyBytes:)`)
/// without making a `String`; a miss makes one. No space or control character, so `LocMemCache` never warns
/// about it, whatever the SQL.
///
/// The hash is ``QueryKeyHash``, not `Hasher`: this runs on every hit, and SipHash over the SQL and the values
/// was about a third of a hit's instructions. A collision costs no correctness (the entry carries the full query
/// and a hit compares it): the worst a collision crafted from user values can do is make two queries evict each
/// other, each then running its SQL. The seed is random per instance.
@usableFromInline
struct QueryKey {
    /// The 16 bytes.
    @usableFromInline var words: (UInt64, UInt64)

    /// - Parameter sqlDigest: The hash state after the seed and the SQL (``SQLDigestMemo/digest(of:)``).
    @inlinable
    init(sqlDigest: UInt64, arguments: UnsafeBufferPointer<SQLiteValue>, valueType: Any.Type) {
        var hash = QueryKeyHash(seed: sqlDigest)
        hash.combine(UInt64(arguments.count))
        for argument in arguments {
            switch argument {
            case .integer(let value):
                hash.combine(1)
                hash.combine(UInt64(bitPattern: value))
            case .real(let value):
                hash.combine(2)
                hash.combine(value.bitPattern)
            case .text(let value):
                hash.combine(3)
                hash.combine(bytesOf: value)
            case .blob(let value):
                hash.combine(4)
                value.withUnsafeBytes { hash.combine(bytes: $0) }
            case .null:
                hash.combine(5)
            }
        }
        hash.combine(UInt64(UInt(bitPattern: ObjectIdentifier(valueType))))  // the metadata address
        // Byte 0 is "q", bytes 1 to 15 hexadecimal digits of 60 bits of the hash.
        let value = hash.finalize()
        let low = Self.hexadecimalDigits(value & 0xFFF_FFFF) &<< 8 | UInt64(UInt8(ascii: "q"))
        let high = Self.hexadecimalDigits(value &>> 28 & 0xFFFF_FFFF)
        words = (low.littleEndian, high.littleEndian)
    }

    /// The 8 hexadecimal digits (`0-9a-f`) of `value` (32 bits), lowest first, one a byte from the lowest:
    /// each nibble spread into a byte, then mapped to ASCII, all 8 at once.
    @inlinable
    static func hexadecimalDigits(_ value: UInt64) -> UInt64 {
        var nibbles = (value | value &<< 16) & 0x0000_FFFF_0000_FFFF
        nibbles = (nibbles | nibbles &<< 8) & 0x00FF_00FF_00FF_00FF
        nibbles = (nibbles | nibbles &<< 4) & 0x0F0F_0F0F_0F0F_0F0F
        // 0x30 ("0") plus the nibble, plus 39 more for 10 to 15 ("a" is 0x30 + 10 + 39).
        let letters = (nibbles &+ 0x0606_0606_0606_0606) &>> 4 & 0x0101_0101_0101_0101
        return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* 39
    }

    /// Calls `body` with the key's bytes.
    @inlinable
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var words = words
        return withUnsafeBytes(of: &words, body)
    }

    /// The key as a `String`, for the cache's operations other than the hit path.
    @usableFromInline
    var string: String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }
}

/// A fast seeded 64-bit hash for cache keys: multiply and fold, bytes taken 32 at a time in four independent
/// lanes.
///
/// Not SipHash: a key collision costs no correctness (see ``QueryKey``).
/// Four lanes, because one chain of multiplies waits for each multiply (about 5 cycles per 8 bytes): on the
/// 300-byte top-rated SQL that chain alone was about 100 ns a hit.
@usableFromInline
struct QueryKeyHash {
    @inlinable static var multiplier: UInt64 { 0x9E37_79B9_7F4A_7C15 }
    @usableFromInline var state: UInt64

    @inlinable
    init(seed: UInt64) {
        state = seed
    }

    @inlinable
    static func mix(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word) &* multiplier
        return product ^ (product >> 29)
    }

    /// Adds one word.
    @inlinable
    mutating func combine(_ word: UInt64) {
        state = Self.mix(state, word)
    }

    /// Adds a string's UTF-8 bytes and their count.
    @inlinable
    mutating func combine(bytesOf string: String) {
        var string = string
        string.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Adds bytes and their count.
    @inlinable
    mutating func combine(bytes: UnsafeRawBufferPointer) {
        var lanes = (state ^ UInt64(bytes.count), state &+ Self.multiplier, ~state, state ^ 0x2545_F491_4F6C_DD1D)
        var offset = 0
        while offset + 32 <= bytes.count {
            lanes.0 = Self.mix(lanes.0, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            lanes.1 = Self.mix(lanes.1, bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            lanes.2 = Self.mix(lanes.2, bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
            lanes.3 = Self.mix(lanes.3, bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
            offset += 32
        }
        var folded = Self.mix(Self.mix(Self.mix(lanes.0, lanes.1), lanes.2), lanes.3)
        while offset + 8 <= bytes.count {
            folded = Self.mix(folded, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            if bytes.count >= 8 {
                // The last 8 bytes, overlapping the ones already taken: one load instead of a loop.
                tail = bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)
            } else {
                while offset < bytes.count {
                    tail = tail << 8 | UInt64(bytes[offset])
                    offset += 1
                }
            }
            folded = Self.mix(folded, tail)
        }
        state = folded
    }

    /// The hash, with its bits mixed (MurmurHash3's finalizer) so that the low digits of the key vary too.
    @inlinable
    func finalize() -> UInt64 {
        var value = state
        value ^= value >> 33
        value &*= 0xFF51_AFD7_ED55_8CCD
        value ^= value >> 33
        value &*= 0xC4CE_B9FE_1A85_EC53
        return value ^ (value >> 33)
    }
}
