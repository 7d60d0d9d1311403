import Foundation
import LocMem
import NIOCore
import RedisClient
import Synchronization

/// How ``RedisCache`` stores values: what a Redis string under a cache key holds.
///
/// - An `Int` is its decimal text, as Redis stores integers, so `INCRBY` works on it atomically on
///   the server (Django stores ints raw for the same reason). It reads back as `Int` (or `Int?`).
/// - Any other value starts with a 0x00 byte (never the first byte of a decimal), then the Swift
///   type's name (`String(reflecting:)`), a 0x00 byte, and the payload: UTF-8 for a `String`, JSON
///   (`JSONEncoder`) for the rest. The name makes a value of another type a miss, as in
///   ``LocMemCache``; JSON because `Codable` is the one serialization every Swift value type has,
///   Foundation's JSON coder is its fastest built-in one, and entries stay readable in
///   `redis-cli`.
///
/// A payload that no longer decodes (the type changed between releases of the program) is a miss,
/// so that an upgrade reads through to the source instead of failing.
///
/// The type's kind (`Int`, `String`, anything else) is decided once per call, not per value; a
/// `String` or `Int` is then read and written without `Codable` or a dynamic cast, and one shared
/// `JSONEncoder`/`JSONDecoder` serves every other type (both are `Sendable`; each call to them
/// is independent).
enum RedisValueCodec {
    /// `String(reflecting:)` of each type met so far: the runtime builds the name anew on each call.
    private static let typeNames = Mutex<[ObjectIdentifier: String]>([:])
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()
    /// `typeName(String.self)` (checked by the tests), as a literal: read with no reference counting.
    static let stringName: StaticString = "Swift.String"

    static func typeName<V>(_ type: V.Type) -> String {
        let id = ObjectIdentifier(type)
        if let name = typeNames.withLock({ $0[id] }) { return name }
        let name = String(reflecting: type)
        typeNames.withLock { $0[id] = name }
        return name
    }

    /// How values of one type are stored: decided once per call.
    enum Kind {
        /// `Int`: stored as its decimal text.
        case integer
        /// `String`: the name header, then the UTF-8.
        case string
        /// Anything else: the name header, then JSON (`Int?` reads a raw integer too).
        case codable
    }

    @inline(__always)
    static func kind<V>(of type: V.Type) -> Kind {
        if V.self == String.self { return .string }
        if V.self == Int.self { return .integer }
        return .codable
    }

    /// The Redis string for `value`.
    ///
    /// - Throws: ``CacheError/serializationFailed(key:reason:)`` if `Codable` fails (a `Double.nan`
    ///   in JSON, say); ``CacheError/valueTooLarge(key:size:limit:)`` beyond `limit` bytes.
    static func encode<V: Encodable>(
        _ value: V, key: @autoclosure () -> String, limit: Int
    ) throws(CacheError) -> ByteBuffer {
        let buffer: ByteBuffer
        switch kind(of: V.self) {
        case .integer:
            let integer = unsafeBitCast(value, to: Int.self)
            var bytes = ByteBufferAllocator().buffer(capacity: 20)
            bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { output in
                RESPEncoding.writeDecimal(integer, to: output.baseAddress!)
            }
            buffer = bytes
        case .string:
            var string = unsafeBitCast(value, to: String.self)
            buffer = string.withUTF8 { payload in
                stringName.withUTF8Buffer {
                    framed(name: UnsafeRawBufferPointer($0), payload: UnsafeRawBufferPointer(payload))
                }
            }
        case .codable:
            let payload: Data
            do {
                payload = try encoder.encode(value)
            } catch {
                throw .serializationFailed(key: key(), reason: "\(error)")
            }
            var name = typeName(V.self)
            buffer = name.withUTF8 { name in
                payload.withUnsafeBytes { framed(name: UnsafeRawBufferPointer(name), payload: $0) }
            }
        }
        guard buffer.readableBytes <= limit else {
            throw .valueTooLarge(key: key(), size: buffer.readableBytes, limit: limit)
        }
        return buffer
    }

    /// `0x00 name 0x00 payload`, in a buffer of exactly that size, written in one pass.
    private static func framed(name: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> ByteBuffer {
        let size = name.count + payload.count + 2
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { output in
            let base = output.baseAddress!
            base.storeBytes(of: 0, as: UInt8.self)
            if name.count > 0 { (base + 1).copyMemory(from: name.baseAddress!, byteCount: name.count) }
            base.storeBytes(of: 0, toByteOffset: name.count + 1, as: UInt8.self)
            if payload.count > 0 {
                (base + name.count + 2).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
            }
            return size
        }
        return buffer
    }

    /// The `V` stored in `stored`, or `nil` if it holds another type or no longer decodes.
    static func decode<V: Decodable>(_ stored: ByteBuffer, as type: V.Type) -> V? {
        stored.withUnsafeReadableBytes { bytes in
            switch kind(of: V.self) {
            case .string:
                return decodeString(bytes).map { unsafeBitCast($0, to: V.self) }
            case .integer:
                return decodeInteger(bytes).map { unsafeBitCast($0, to: V.self) }
            case .codable:
                return decodeCodable(bytes, as: V.self, name: typeName(V.self))
            }
        }
    }

    /// The `String` in `bytes`, if they hold one.
    @Sendable static func decodeString(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let payload = stringName.withUTF8Buffer({ payload(of: bytes, name: UnsafeRawBufferPointer($0)) }) else {
            return nil
        }
        return String(decoding: payload, as: UTF8.self)
    }

    /// The `Int` in `bytes`, if they hold a decimal integer.
    @Sendable static func decodeInteger(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let first = bytes.first, first != 0 else { return nil }
        return parseDecimal(bytes)
    }

    /// Any other `Decodable` in `bytes`: JSON after the name header (`name` is `typeName(V.self)`),
    /// or (for `Int?`) a raw integer.
    static func decodeCodable<V: Decodable>(_ bytes: UnsafeRawBufferPointer, as type: V.Type, name: String) -> V? {
        guard let first = bytes.first else { return nil }
        guard first == 0 else {
            // A raw integer, as `set` of an `Int` or `INCRBY` leave it.
            guard V.self == Int?.self, let integer = parseDecimal(bytes) else { return nil }
            return Optional(integer) as? V
        }
        var name = name
        guard let payload = name.withUTF8({ payload(of: bytes, name: UnsafeRawBufferPointer($0)) }) else { return nil }
        guard let base = payload.baseAddress, payload.count > 0 else {
            return try? decoder.decode(V.self, from: Data())
        }
        // The decoder reads the bytes during the call only: no copy into `Data`.
        let data = Data(
            bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: payload.count, deallocator: .none)
        return try? decoder.decode(V.self, from: data)
    }

    /// The payload after `0x00 name 0x00`, if `bytes` starts with exactly that header.
    ///
    /// One `memcmp` for the name, where the generic `elementsEqual` of a `ByteBufferView` and a
    /// `String.UTF8View` cost about 700 instructions per value (callgrind, `getMany` of 100 `String`s).
    @inline(__always)
    private static func payload(
        of bytes: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer
    ) -> UnsafeRawBufferPointer? {
        let headerSize = name.count + 2
        guard bytes.count >= headerSize, bytes[0] == 0, bytes[name.count + 1] == 0 else { return nil }
        guard name.isEmpty || memcmp(bytes.baseAddress! + 1, name.baseAddress!, name.count) == 0 else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[headerSize...])
    }

    /// A decimal `Int` filling `bytes` (as Redis writes them: an optional `-`, digits), or `nil`.
    private static func parseDecimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        Int(String(decoding: bytes, as: UTF8.self))
    }
}
