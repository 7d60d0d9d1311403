#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a final key lives in a ``Store``: its shard and the 32-bit tag its shard's table indexes.
///
/// Computed once per operation, outside any lock, by hashing the key's UTF-8 bytes with the
/// standard library's per-process seeded `Hasher` (SipHash: no hash flooding from chosen keys).
/// Because the hash is over bytes, a read can locate the default key function's key from its
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
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        self.init(hash: hasher.finalize())
    }

    @inline(__always)
    init(hash: Int) {
        let bits = UInt64(UInt(bitPattern: hash))
        shard = Int(truncatingIfNeeded: bits &>> (64 - Store.shardBits))
        tag = UInt32(truncatingIfNeeded: bits) ^ UInt32(truncatingIfNeeded: bits &>> 32)
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
    @inline(__always)
    static func writeDecimal(_ value: Int, to target: UnsafeMutableRawPointer) -> Int {
        var magnitude = value.magnitude
        var length = 0
        if value < 0 {
            target.storeBytes(of: 0x2D, as: UInt8.self)  // "-"
            length = 1
        }
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        repeat {
            target.storeBytes(of: UInt8(truncatingIfNeeded: magnitude / divisor) &+ 0x30, toByteOffset: length, as: UInt8.self)
            magnitude %= divisor
            divisor /= 10
            length += 1
        } while divisor > 0
        return length
    }

    /// Whether two byte buffers hold the same bytes.
    @inline(__always)
    static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }  // both empty
        return memcmp(left, right, lhs.count) == 0
    }
}

/// The final key of the default key function, `"\(prefix):\(version):\(key)"`, written into a
/// buffer on the stack: what a read hashes and compares against stored keys, so that a `get`
/// builds no `String` (no allocation, no reference counting) for keys of up to 64 bytes.
struct InlineKey {
    static let capacity = 64
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private let count: Int

    /// The key's bytes, or `nil` when they do not fit.
    @inline(__always)
    init?(prefix: String, version: Int, key: String) {
        // 20 bytes hold any Int's digits and sign, 2 the colons.
        guard prefix.utf8.count + key.utf8.count + 22 <= InlineKey.capacity else { return nil }
        count = withUnsafeMutableBytes(of: &storage) { buffer -> Int in
            // A tuple's address is never nil.
            KeyBytes.writeDefaultKey(prefix: prefix, version: version, key: key, to: buffer.baseAddress.unsafelyUnwrapped)
        }
    }

    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var storage = storage
        let count = count
        return withUnsafeBytes(of: &storage) { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
}
