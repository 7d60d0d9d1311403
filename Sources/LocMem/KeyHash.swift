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
/// ``FoldHash`` under a per-process random seed, so that keys chosen to collide on one machine do
/// not collide in another process. Because the hash is over bytes, a read can locate the default
/// key function's key from its bytes on the stack (``InlineKey``) without building the string.
/// Keys compare by their UTF-8 bytes too, as in Python, memcached and Redis.
struct KeyHash {
    let shard: Int
    let tag: UInt32

    /// The hash of `bytes` under `seed` (a store's copy of the process seed: see ``Store/hash(bytes:)``).
    @inline(__always)
    init(bytes: UnsafeRawBufferPointer, seed: FoldHash.Seed) {
        self.init(hash: FoldHash.hash(bytes, seed: seed))
    }

    @inline(__always)
    init(hash bits: UInt64) {
        shard = Int(truncatingIfNeeded: bits &>> (64 - Store.shardBits))
        tag = UInt32(truncatingIfNeeded: bits) ^ UInt32(truncatingIfNeeded: bits &>> 32)
    }
}

/// The keys' hash: the folded multiply of foldhash (Orson Peters; the default hasher of Rust's
/// `hashbrown`), for short byte strings, under a 256-bit seed drawn once per process.
///
/// A folded multiply is the 128-bit product of two words folded to 64 bits (`low ^ high`). Keys
/// of up to 16 bytes are read as two words (overlapping, so every byte counts and nothing past the
/// end is read), each XORed with a seed word, multiplied and folded; longer keys fold 16 bytes at
/// a time, then their last 16; the length goes into the first word, and a last folded multiply by
/// a seed word mixes every bit into the shard and tag. About 25 instructions for an 11-byte key,
/// against about 130 for SipHash-1-3 (the standard library's `Hasher`), which LocMem used before.
///
/// **Flooding.** Keys can be chosen by whoever sends a web server its requests, and keys that all
/// land in one slot would make every operation on them linear. Without the seed, which never
/// leaves the process, colliding keys cannot be computed in advance: `KeyHashTests` builds a flood
/// for a known seed and checks that it spreads under the process's. This is foldhash's guarantee,
/// not SipHash's: SipHash is a pseudorandom function, which holds even against an attacker who
/// sees hash values; a folded multiply is not, so the seed must not be exposed. LocMem exposes
/// neither hashes nor table positions, and no iteration order.
enum FoldHash {
    typealias Seed = (UInt64, UInt64, UInt64, UInt64)

    /// The per-process seed, from the system's random number generator.
    static let processSeed: Seed = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next(), generator.next(), generator.next())
    }()

    /// The hash of `bytes` under `seed`. Reads only the bytes of the buffer.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: Seed) -> UInt64 {
        let count = bytes.count
        var s0 = seed.0 &+ UInt64(truncatingIfNeeded: count)
        var s1 = seed.1
        if let base = bytes.baseAddress {
            if count <= 16 {
                if count >= 8 {
                    s0 ^= base.loadUnaligned(as: UInt64.self)
                    s1 ^= base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                } else if count >= 4 {
                    s0 ^= UInt64(base.loadUnaligned(as: UInt32.self))
                    s1 ^= UInt64(base.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
                } else if count > 0 {
                    // 1 to 3 bytes: the first, the middle and the last cover them all.
                    s0 ^= UInt64(base.load(as: UInt8.self))
                    s1 ^= UInt64(base.load(fromByteOffset: count &- 1, as: UInt8.self)) &<< 8
                        | UInt64(base.load(fromByteOffset: count &>> 1, as: UInt8.self))
                }
            } else {
                var offset = 0
                while offset &+ 16 < count {
                    let low = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    let high = base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self)
                    s0 = foldedMultiply(s0 ^ low, seed.2 ^ high)
                    offset &+= 16
                }
                s0 ^= base.loadUnaligned(fromByteOffset: count &- 16, as: UInt64.self)
                s1 ^= base.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            }
        }
        return foldedMultiply(foldedMultiply(s0, s1), seed.3)
    }

    /// The full 128-bit product of `x` and `y`, its halves XORed.
    @inline(__always)
    static func foldedMultiply(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let (high, low) = x.multipliedFullWidth(by: y)
        return low ^ high
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

    /// Calls `body` with the bytes written, in place.
    @inline(__always)
    mutating func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let count = count
        return withUnsafeBytes(of: &storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
}
