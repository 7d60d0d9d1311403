import LocMem
import NIOCore
import RedisClient

extension RedisCache {
    /// The live values of `keys` that are `V`s, keyed by the caller's keys; misses are left out.
    /// Django's `get_many`: one `MGET`.
    ///
    /// - Complexity: one round trip for any number of keys.
    public func getMany<V: Codable & Sendable>(
        _ keys: [String], as type: V.Type = V.self, version: Int? = nil
    ) async throws(CacheError) -> [String: V] {
        guard !keys.isEmpty else { return [:] }
        let reply = try await run(keysCommand("MGET", keys, version: version))
        guard case .array(let values) = reply, values.count == keys.count else { throw unexpected(reply, to: "MGET") }
        // The type is looked at once, here: `String` and `Int` values are then read without a
        // dynamic cast or `Codable`, into a dictionary of the concrete type.
        switch RedisValueCodec.kind(of: V.self) {
        case .string:
            return unsafeBitCast(Self.found(keys, values, RedisValueCodec.decodeString), to: [String: V].self)
        case .integer:
            return unsafeBitCast(Self.found(keys, values, RedisValueCodec.decodeInteger), to: [String: V].self)
        case .codable:
            let name = RedisValueCodec.typeName(V.self)
            return Self.found(keys, values) { RedisValueCodec.decodeCodable($0, as: V.self, name: name) }
        }
    }

    /// The values that `decode` reads, keyed by the caller's keys; misses are left out.
    @inline(__always)
    private static func found<T>(
        _ keys: [String], _ values: [RESPValue], _ decode: (ByteBuffer) -> T?
    ) -> [String: T] {
        var found: [String: T] = [:]
        found.reserveCapacity(keys.count)
        for (key, value) in zip(keys, values) {
            if case .bulkString(let stored) = value, let decoded = decode(stored) {
                found[key] = decoded
            }
        }
        return found
    }

    /// Stores every value, as `set` does. Django's `set_many`: one `MULTI`/`EXEC` transaction,
    /// sent as one pipeline (one round trip); a timeout of 0 or less deletes the keys instead.
    ///
    /// - Returns: The keys that could not be stored: empty when the transaction ran (it is all or
    ///   nothing).
    /// - Throws: ``CacheError/valueTooLarge(key:size:limit:)`` or
    ///   ``CacheError/serializationFailed(key:reason:)`` before anything is sent; the server errors.
    @discardableResult
    public func setMany<V: Codable & Sendable>(
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
    public func deleteMany(_ keys: [String], version: Int? = nil) async throws(CacheError) {
        guard !keys.isEmpty else { return }
        _ = try await run(keysCommand("DEL", keys, version: version))
    }
}
