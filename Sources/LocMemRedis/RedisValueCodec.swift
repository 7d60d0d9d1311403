import Foundation
import LocMem
import NIOCore
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
enum RedisValueCodec {
    /// `String(reflecting:)` of each type met so far: the runtime builds the name anew on each call.
    private static let typeNames = Mutex<[ObjectIdentifier: String]>([:])

    static func typeName<V>(_ type: V.Type) -> String {
        let id = ObjectIdentifier(type)
        if let name = typeNames.withLock({ $0[id] }) { return name }
        let name = String(reflecting: type)
        typeNames.withLock { $0[id] = name }
        return name
    }

    /// The Redis string for `value`.
    ///
    /// - Throws: ``CacheError/serializationFailed(key:reason:)`` if `Codable` fails (a `Double.nan`
    ///   in JSON, say); ``CacheError/valueTooLarge(key:size:limit:)`` beyond `limit` bytes.
    static func encode<V: Encodable>(_ value: V, key: String, limit: Int) throws(CacheError) -> ByteBuffer {
        var buffer: ByteBuffer
        if V.self == Int.self {
            buffer = ByteBuffer(string: String(value as! Int))
        } else {
            let name = typeName(V.self)
            let payload: ByteBuffer
            if V.self == String.self {
                payload = ByteBuffer(string: value as! String)
            } else {
                do {
                    payload = ByteBuffer(bytes: try JSONEncoder().encode(value))
                } catch {
                    throw .serializationFailed(key: key, reason: "\(error)")
                }
            }
            buffer = ByteBuffer()
            buffer.reserveCapacity(name.utf8.count + payload.readableBytes + 2)
            buffer.writeInteger(UInt8(0))
            buffer.writeString(name)
            buffer.writeInteger(UInt8(0))
            buffer.writeImmutableBuffer(payload)
        }
        guard buffer.readableBytes <= limit else {
            throw .valueTooLarge(key: key, size: buffer.readableBytes, limit: limit)
        }
        return buffer
    }

    /// The `V` stored in `stored`, or `nil` if it holds another type or no longer decodes.
    ///
    /// - Parameter name: `typeName(V.self)`, when the caller decodes many values of one type.
    static func decode<V: Decodable>(_ stored: ByteBuffer, as type: V.Type, name: String? = nil) -> V? {
        var stored = stored
        guard let first = stored.getInteger(at: stored.readerIndex, as: UInt8.self) else { return nil }
        guard first == 0 else {
            // A raw integer, as `set` of an `Int` or `INCRBY` leave it.
            guard V.self == Int.self || V.self == Int?.self, let text = stored.readString(length: stored.readableBytes),
                  let integer = Int(text)
            else { return nil }
            return integer as? V
        }
        stored.moveReaderIndex(forwardBy: 1)
        guard let end = stored.readableBytesView.firstIndex(of: 0) else { return nil }
        let name = name ?? typeName(V.self)
        let nameLength = end - stored.readerIndex
        guard nameLength == name.utf8.count, Self.bytes(of: stored, equal: name) else { return nil }
        stored.moveReaderIndex(forwardBy: nameLength + 1)
        if V.self == String.self {
            return String(buffer: stored) as? V
        }
        return try? JSONDecoder().decode(V.self, from: Data(stored.readableBytesView))
    }

    /// Whether `stored` starts with the UTF-8 of `name`: one `memcmp`, where the generic
    /// `elementsEqual` of a `ByteBufferView` and a `String.UTF8View` cost about 700 instructions per
    /// value (callgrind, `getMany` of 100 `String`s).
    private static func bytes(of stored: ByteBuffer, equal name: String) -> Bool {
        var name = name
        return name.withUTF8 { name in
            stored.withUnsafeReadableBytes { bytes in
                bytes.count >= name.count && (name.isEmpty || memcmp(bytes.baseAddress!, name.baseAddress!, name.count) == 0)
            }
        }
    }
}
