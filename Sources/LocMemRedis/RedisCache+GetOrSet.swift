import LocMem
import RedisClient

extension RedisCache {
    /// The value under `key`, or the result of `makeValue`, stored with `timeout` and returned.
    /// Django's `get_or_set`.
    ///
    /// **Single-flight in this process** (**beyond** Django): tasks that miss on the same key at
    /// once wait for one loader; if it throws, every waiter gets the error and nothing is stored.
    /// **Across processes**, the loaded value is stored with `SET NX`: if another process stored
    /// one first, that value is returned instead (so every process returns what the cache holds),
    /// and the loader has run at most once for this call.
    ///
    /// - Throws: The loader's error, or the cache's.
    nonisolated(nonsending) public func getOrSet<V: Codable & Sendable>(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil,
        default makeValue: @Sendable () async throws -> V
    ) async throws -> V {
        if let value = try await get(key, as: V.self, version: version) { return value }
        let finalKey = makeKey(key, version: version)
        switch await flights.join(finalKey) {
        case .follower(.success(let value)):
            if let value = value as? V { return value }
            return try await load(finalKey, timeout: timeout, makeValue)
        case .follower(.failure(let error)):
            throw error
        case .leader:
            do {
                // A flight that landed between our miss and our joining may have stored the value.
                let value: V
                if let stored = try await get(key, as: V.self, version: version) {
                    value = stored
                } else {
                    value = try await load(finalKey, timeout: timeout, makeValue)
                }
                flights.land(finalKey, .success(value))
                return value
            } catch {
                flights.land(finalKey, .failure(error))
                throw error
            }
        }
    }

    /// Runs the loader once and stores its value unless another process stored one first.
    nonisolated(nonsending) private func load<V: Codable & Sendable>(
        _ finalKey: String, timeout: CacheTimeout, _ makeValue: @Sendable () async throws -> V
    ) async throws -> V {
        let value = try await makeValue()
        let bytes = try encode(value, key: finalKey)
        guard let expiry = expiry(for: timeout) else { return value }
        // SET NX GET (Redis 7) would answer in one step, but NX with GET needs 7.0; keep two steps
        // only when another process won the race.
        let reply = try await run(RedisCommand("SET", [.string(finalKey), .bytes(bytes), "NX"] + expiry))
        if case .null = reply {
            let stored = try await run(RedisCommand("GET", [.string(finalKey)]))
            if case .bulkString(let bytes) = stored, let winner = RedisValueCodec.decode(bytes, as: V.self) {
                return winner
            }
        }
        return value
    }
}
