import LocMem
import NIOCore
import RedisClient

extension RedisCache {
    /// The live values of `keys` that are `V`s, keyed by the caller's keys; misses are left out.
    /// Django's `get_many`: one `MGET`.
    ///
    /// - Complexity: one round trip for any number of keys.
    nonisolated(nonsending) public func getMany<V: Codable & Sendable>(
        _ keys: [String], as type: V.Type = V.self, version: Int? = nil
    ) async throws(CacheError) -> [String: V] {
        guard !keys.isEmpty else { return [:] }
        let command = keysCommand("MGET", keys, version: version)
        // The type is looked at once, here: `String` and `Int` values are then read without a
        // dynamic cast or `Codable`, into a dictionary of the concrete type.
        switch RedisValueCodec.kind(of: V.self) {
        case .string:
            let found = try await read(command, keys, RedisValueCodec.decodeString)
            return unsafeBitCast(found, to: [String: V].self)
        case .integer:
            let found = try await read(command, keys, RedisValueCodec.decodeInteger)
            return unsafeBitCast(found, to: [String: V].self)
        case .codable:
            let name = RedisValueCodec.typeName(V.self)
            return try await read(command, keys) { RedisValueCodec.decodeCodable($0, as: V.self, name: name) }
        }
    }

    /// Sends `MGET` and decodes the values where they lie in the connection's read buffer, on its
    /// event loop, as they are parsed: no value, slice or array is built for the reply.
    nonisolated(nonsending) private func read<T>(
        _ command: RedisCommand, _ keys: [String], _ decode: @escaping @Sendable (UnsafeRawBufferPointer) -> T?
    ) async throws(CacheError) -> [String: T] {
        let found = FoundValues(keys: keys, decode: decode)
        let reply: RESPValue
        do {
            reply = try await pool.send(command) { found.read($0, $1) }
        } catch {
            throw Self.cacheError(error)
        }
        switch reply {
        case .null where found.elements == keys.count:
            return found.values
        case .array(let values) where values.count == keys.count:
            // A reply the in-place reader left to the full parser (one with RESP3 attributes, say).
            for (index, value) in values.enumerated() {
                if case .bulkString(let stored) = value {
                    stored.withUnsafeReadableBytes { found.read(index, $0) }
                }
            }
            return found.values
        case .error(let message):
            throw .serverError("\(address): MGET: \(message)")
        default:
            throw unexpected(reply, to: "MGET")
        }
    }

    /// Stores every value, as `set` does. Django's `set_many`: one `MULTI`/`EXEC` transaction,
    /// sent as one pipeline (one round trip); a timeout of 0 or less deletes the keys instead.
    ///
    /// - Returns: The keys that could not be stored: empty when the transaction ran (it is all or
    ///   nothing).
    /// - Throws: ``CacheError/valueTooLarge(key:size:limit:)`` or
    ///   ``CacheError/serializationFailed(key:reason:)`` before anything is sent; the server errors.
    @discardableResult
    nonisolated(nonsending) public func setMany<V: Codable & Sendable>(
        _ values: [String: V], timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> [String] {
        guard !values.isEmpty else { return [] }
        guard let expiry = expiry(for: timeout) else {
            try await deleteMany(Array(values.keys), version: version)
            return []
        }
        var commands = [RedisCommand("MULTI")]
        commands.reserveCapacity(values.count + 2)
        for (key, value) in values {
            let finalKey = validatedKey(key, version: version)
            commands.append(RedisCommand("SET", [.string(finalKey), .bytes(try encode(value, key: finalKey))] + expiry))
        }
        commands.append(RedisCommand("EXEC"))
        let replies = try await run(pipeline: commands)
        if let error = replies.lazy.compactMap({ reply -> String? in
            if case .error(let message) = reply { return message }
            return nil
        }).first {
            throw .serverError("\(address): MULTI/SET/EXEC: \(error)")
        }
        return []
    }

    /// Removes every key. Django's `delete_many`: one `DEL`.
    nonisolated(nonsending) public func deleteMany(_ keys: [String], version: Int? = nil) async throws(CacheError) {
        guard !keys.isEmpty else { return }
        _ = try await run(keysCommand("DEL", keys, version: version))
    }
}

/// The values of one `getMany`, filled on the connection's event loop while the caller awaits the
/// reply.
///
/// `@unchecked Sendable`: written only by the event loop, element by element, before the command's
/// promise is completed; read by the caller only after it has the reply (the promise orders the
/// two).
private final class FoundValues<T>: @unchecked Sendable {
    let keys: [String]
    let decode: @Sendable (UnsafeRawBufferPointer) -> T?
    // Unchecked exclusivity: each access is a dynamic check otherwise (about 200 instructions per
    // value, callgrind), and the event loop is the one writer while the reply is read.
    @exclusivity(unchecked) private(set) var values: [String: T] = [:]
    /// How many elements the reply had.
    @exclusivity(unchecked) private(set) var elements = 0

    init(keys: [String], decode: @escaping @Sendable (UnsafeRawBufferPointer) -> T?) {
        self.keys = keys
        self.decode = decode
        values.reserveCapacity(keys.count)
    }

    /// Element `index` of the reply: its bytes, or `nil` for a miss.
    func read(_ index: Int, _ bytes: UnsafeRawBufferPointer?) {
        elements += 1
        guard index < keys.count, let bytes, let value = decode(bytes) else { return }
        values[keys[index]] = value
    }
}
