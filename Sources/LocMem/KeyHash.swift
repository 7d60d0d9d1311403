#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a final key lives in a ``Store``: its shard and the 32-bit tag its shard's table indexes.
///
/// Computed once per operation, outside any lock, by hashing the key's UTF-8 bytes with
/// SipHash-1-3 under a per-process random key (``SipHash13``): the standard library's `Hasher`
/// algorithm, so no hash flooding from chosen keys. Because the hash is over bytes, a read can locate the default key function's key from its
/// bytes on the stack (``InlineKey``) without building the string. Keys compare by their UTF-8
/// bytes too, as in Python, memcached and Redis.
struct KeyHash {
    let shard: Int
    let tag: UInt32

    @inline(__always)
    init(_ key: String) {
        self = KeyBytes.with(key) { KeyHash(bytes: $0) }
    }

    @inline(__always)
    init(bytes: UnsafeRawBufferPointer) {
        self.init(hash: SipHash13.hash(bytes, key: SipHash13.processKey))
    }

    /// The hash of `bytes`, which may be read in whole 8-byte words past their end (an
    /// ``InlineKey``'s buffer).
    @inline(__always)
    init(paddedBytes bytes: UnsafeRawBufferPointer) {
        self.init(hash: SipHash13.hash(bytes, key: SipHash13.processKey, readsPastEnd: true))
    }

    @inline(__always)
    init(hash bits: UInt64) {
        shard = Int(truncatingIfNeeded: bits &>> (64 - Store.shardBits))
        tag = UInt32(truncatingIfNeeded: bits) ^ UInt32(truncatingIfNeeded: bits &>> 32)
    }
}

/// SipHash-1-3 (Aumasson and Bernstein; one compression round, three finalization rounds), as
/// the standard library's `Hasher` computes it, written out for the short byte strings of cache
/// keys: `Hasher` buffers its input through calls into the runtime, about twice the instructions
/// for a 16-byte key.
///
/// Flooding resistance is SipHash's: the key is 128 random bits drawn once per process, so
/// colliding keys cannot be chosen without it.
enum SipHash13 {
    /// The per-process key, from the system's random number generator.
    static let processKey: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// SipHash-1-3 of `bytes` under `key`. With `readsPastEnd`, the last 1 to 7 bytes are read
    /// as one word (and the bytes past the end masked off), so the buffer must extend to a
    /// multiple of 8 bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, key: (UInt64, UInt64), readsPastEnd: Bool = false) -> UInt64 {
        hash(bytes, key: key, compressionRounds: 1, finalizationRounds: 3, readsPastEnd: readsPastEnd)
    }

    /// SipHash-*c*-*d*: generic in the rounds so that it can be checked against the reference
    /// SipHash-2-4 test vectors.
    @inline(__always)
    static func hash(
        _ bytes: UnsafeRawBufferPointer, key: (UInt64, UInt64), compressionRounds: Int, finalizationRounds: Int,
        readsPastEnd: Bool = false
    ) -> UInt64 {
        var state = (
            key.0 ^ 0x736F_6D65_7073_6575, key.1 ^ 0x646F_7261_6E64_6F6D,
            key.0 ^ 0x6C79_6765_6E65_7261, key.1 ^ 0x7465_6462_7974_6573
        )
        let count = bytes.count
        var offset = 0
        if let base = bytes.baseAddress {
            while offset &+ 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                state.3 ^= word
                for _ in 0..<compressionRounds { round(&state) }
                state.0 ^= word
                offset &+= 8
            }
        }
        // The last 0 to 7 bytes, little-endian, with the length's low byte on top.
        var last = UInt64(truncatingIfNeeded: count) &<< 56
        if readsPastEnd, offset < count, let base = bytes.baseAddress {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            last |= word & (1 &<< (UInt64(truncatingIfNeeded: count &- offset) &* 8) &- 1)
        } else {
            var shift: UInt64 = 0
            while offset < count {
                last |= UInt64(bytes[offset]) &<< shift
                shift &+= 8
                offset &+= 1
            }
        }
        state.3 ^= last
        for _ in 0..<compressionRounds { round(&state) }
        state.0 ^= last
        state.2 ^= 0xFF
        for _ in 0..<finalizationRounds { round(&state) }
        return state.0 ^ state.1 ^ state.2 ^ state.3
    }

    @inline(__always)
    private static func round(_ v: inout (UInt64, UInt64, UInt64, UInt64)) {
        v.0 &+= v.1
        v.1 = v.1.rotated(13) ^ v.0
        v.0 = v.0.rotated(32)
        v.2 &+= v.3
        v.3 = v.3.rotated(16) ^ v.2
        v.0 &+= v.3
        v.3 = v.3.rotated(21) ^ v.0
        v.2 &+= v.1
        v.1 = v.1.rotated(17) ^ v.2
        v.2 = v.2.rotated(32)
    }
}

extension UInt64 {
    /// Rotated left by `count` bits.
    @inline(__always)
    fileprivate func rotated(_ count: UInt64) -> UInt64 {
        self &<< count | self &>> (64 &- count)
    }
}

/// Byte-level access to keys.
enum KeyBytes {
    /// Calls `body` with the string's UTF-8 bytes, without copying a native string.
    @inline(__always)
    static func with<Result>(_ string: String, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = string.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        let bytes = Array(string.utf8)
        return bytes.withUnsafeBytes(body)
    }

    /// Whether two keys have the same UTF-8 bytes.
    @inline(__always)
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        with(lhs) { left in with(rhs) { right in equal(left, right) } }
    }

    /// Writes `"\(prefix):\(version):\(key)"` at `target`, which must have room for it; returns
    /// the number of bytes written. The default key function's one writer, for the `String` that
    /// writes store and the stack buffer that reads use.
    @inline(__always)
    static func writeDefaultKey(prefix: String, version: Int, key: String, to target: UnsafeMutableRawPointer) -> Int {
        var offset = copy(prefix, to: target)
        target.storeBytes(of: 0x3A, toByteOffset: offset, as: UInt8.self)  // ":"
        offset += 1
        offset += writeDecimal(version, to: target + offset)
        target.storeBytes(of: 0x3A, toByteOffset: offset, as: UInt8.self)
        offset += 1
        return offset + copy(key, to: target + offset)
    }

    /// Copies the string's UTF-8 bytes to `target`; returns how many.
    @inline(__always)
    static func copy(_ string: String, to target: UnsafeMutableRawPointer) -> Int {
        with(string) { bytes in
            if let source = bytes.baseAddress { target.copyMemory(from: source, byteCount: bytes.count) }
            return bytes.count
        }
    }

    /// The number of bytes `value` takes in decimal, sign included.
    @inline(__always)
    static func decimalLength(of value: Int) -> Int {
        var magnitude = value.magnitude
        var length = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }

    /// Writes `value` in decimal at `target`; returns the number of bytes written (at most 20).
    ///
    /// Digits are written from the last, dividing only by the constant 10 (a multiplication once
    /// compiled): a division by a variable costs tens of cycles, and this runs on every read.
    @inline(__always)
    static func writeDecimal(_ value: Int, to target: UnsafeMutableRawPointer) -> Int {
        let length = decimalLength(of: value)
        var magnitude = value.magnitude
        if value < 0 { target.storeBytes(of: 0x2D, as: UInt8.self) }  // "-"
        var offset = length
        repeat {
            offset -= 1
            target.storeBytes(of: UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30, toByteOffset: offset, as: UInt8.self)
            magnitude /= 10
        } while magnitude > 0
        return length
    }

    /// Whether two byte buffers hold the same bytes.
    ///
    /// Keys of 8 to 16 bytes, the common size, are compared inline as two (overlapping) words:
    /// no call into the C library on the hit path.
    @inline(__always)
    static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        let count = lhs.count
        guard count == rhs.count else { return false }
        guard let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }  // both empty
        if count >= 8, count <= 16 {
            let last = count &- 8
            return left.loadUnaligned(as: UInt64.self) == right.loadUnaligned(as: UInt64.self)
                && left.loadUnaligned(fromByteOffset: last, as: UInt64.self)
                    == right.loadUnaligned(fromByteOffset: last, as: UInt64.self)
        }
        return memcmp(left, right, count) == 0
    }
}

/// The final key of the default key function, `"\(prefix):\(version):\(key)"`, written into a
/// buffer on the stack: what a read hashes and compares against stored keys, so that a `get`
/// builds no `String` (no allocation, no reference counting) for keys of up to 64 bytes.
///
/// Built in two steps: the head `"\(prefix):\(version):"`, which a cache keeps ready for its
/// configured version, then the key appended.
struct InlineKey {
    static let capacity = 64
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Bytes written.
    private(set) var count: Int

    /// The head `"\(prefix):\(version):"`, or `nil` when it leaves no room for a key.
    @inline(__always)
    init?(prefix: String, version: Int) {
        // 20 bytes hold any Int's digits and sign, 2 the colons.
        guard prefix.utf8.count + 22 < InlineKey.capacity else { return nil }
        count = withUnsafeMutableBytes(of: &storage) { buffer -> Int in
            // A tuple's address is never nil.
            KeyBytes.writeDefaultKey(prefix: prefix, version: version, key: "", to: buffer.baseAddress.unsafelyUnwrapped)
        }
    }

    /// Appends the key's UTF-8 bytes; `false`, leaving the buffer as it was, when they do not fit.
    @inline(__always)
    mutating func append(_ key: String) -> Bool {
        KeyBytes.with(key) { append(bytes: $0) }
    }

    /// Appends bytes; `false`, leaving the buffer as it was, when they do not fit.
    @inline(__always)
    mutating func append(bytes: UnsafeRawBufferPointer) -> Bool {
        let start = count
        guard bytes.count <= InlineKey.capacity &- start else { return false }
        withUnsafeMutableBytes(of: &storage) { buffer in
            if let source = bytes.baseAddress {
                (buffer.baseAddress.unsafelyUnwrapped + start).copyMemory(from: source, byteCount: bytes.count)
            }
        }
        count = start &+ bytes.count
        return true
    }

    /// Calls `body` with the bytes written, in place. The buffer extends past them to a multiple
    /// of 8 bytes (``KeyHash/init(paddedBytes:)``).
    @inline(__always)
    mutating func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let count = count
        return withUnsafeBytes(of: &storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
}
