/// A key that works in LocMem but would fail on memcached, reported so that code stays portable
/// to a shared cache server.
///
/// Django's `CacheKeyWarning`, raised by `validate_key` for the same two reasons. The key is judged
/// after prefix, version and key function have been applied, and the operation still goes ahead.
/// Warnings go to ``CacheConfiguration/onKeyWarning`` if set, else to swift-log at `.warning`.
public struct CacheKeyWarning: Sendable, Hashable, CustomStringConvertible {
    /// Why a key is not portable.
    public enum Kind: Sendable, Hashable {
        /// Longer than memcached's 250-character limit; `length` counts Unicode scalars, as
        /// Python's `len` does.
        case tooLong(length: Int)
        /// Contains a control character (U+0000–U+001F, U+007F) or a space.
        case invalidCharacter
    }

    /// The final key, as stored.
    public var key: String
    /// What makes the key unportable.
    public var kind: Kind

    /// A warning about `key`.
    public init(key: String, kind: Kind) {
        self.key = key
        self.kind = kind
    }

    /// Django's warning text.
    public var message: String {
        switch kind {
        case .tooLong:
            return "Cache key will cause errors if used with memcached: \(key.debugDescription) " +
                "(longer than \(CacheKeyWarning.maximumKeyLength))"
        case .invalidCharacter:
            return "Cache key contains characters that will cause errors if used with memcached: " +
                key.debugDescription
        }
    }

    public var description: String { message }

    /// memcached's limit on key length.
    public static let maximumKeyLength = 250

    /// The warnings `key` deserves, in Django's order (length first).
    ///
    /// - Complexity: O(*n*) in the key's UTF-8 length, one pass over its bytes and no allocation
    ///   for a portable key.
    static func warnings(for key: String) -> [CacheKeyWarning] {
        // Scalars never outnumber bytes, so the scalar count is only needed for long keys.
        let tooLong = key.utf8.count > maximumKeyLength && key.unicodeScalars.count > maximumKeyLength
        let badCharacter = containsUnportableByte(key)
        guard tooLong || badCharacter else { return [] }
        var warnings: [CacheKeyWarning] = []
        if tooLong {
            warnings.append(CacheKeyWarning(key: key, kind: .tooLong(length: key.unicodeScalars.count)))
        }
        if badCharacter {
            warnings.append(CacheKeyWarning(key: key, kind: .invalidCharacter))
        }
        return warnings
    }

    /// Whether `key` holds a control character, a space or DEL.
    @inline(__always)
    static func containsUnportableByte(_ key: String) -> Bool {
        KeyBytes.with(key) { containsUnportableByte($0) }
    }

    /// Django's `[\x00-\x20\x7f]`. Bytes of multi-byte UTF-8 sequences are all >= 0x80, so a
    /// byte scan finds exactly the offending scalars. Eight bytes at a time.
    @inline(__always)
    static func containsUnportableByte(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let raw = bytes.baseAddress else { return false }
        var offset = 0
        while offset &+ 8 <= bytes.count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if hasUnportableByte(word) { return true }
            offset &+= 8
        }
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte <= 0x20 || byte == 0x7F { return true }
            offset &+= 1
        }
        return false
    }

    /// Whether any byte of `word` is below 0x21 or equals 0x7F ("has less" and "has zero" from
    /// Bit Twiddling Hacks; exact for the question "is there such a byte").
    @inline(__always)
    private static func hasUnportableByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let below21 = (word &- ones &* 0x21) & ~word & highs
        let del = word ^ (ones &* 0x7F)
        let isDel = (del &- ones) & ~del & highs
        return (below21 | isDel) != 0
    }
}
