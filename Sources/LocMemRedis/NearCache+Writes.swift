import LocMem

/// Writes go to Redis, as ``RedisCache``'s do (same commands, same semantics, same errors), and drop
/// the keys they touch from this process's near level once they return, failed or not (a write
/// whose connection broke may have run). A read that was in flight meanwhile is not kept (its mark
/// is gone), so this process reads its own writes at once; other processes drop the keys when the
/// server's invalidation reaches them.
extension NearCache {
    /// Runs `write`, then drops `finalKeys` from the near level, whether it succeeded or not.
    private func dropping<T>(
        _ finalKeys: [String], _ write: () async throws(CacheError) -> T
    ) async throws(CacheError) -> T {
        defer { level.invalidate(finalKeys, fromServer: false) }
        return try await write()
    }

    /// Stores `value` under `key`, replacing any value there. Django's `set`; see
    /// ``RedisCache/set(_:_:timeout:version:)``.
    public func set<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.set(key, value, timeout: timeout, version: version)
        }
    }

    /// Stores `value` only if `key` is absent. Django's `add`: `SET NX`; see ``RedisCache/add(_:_:timeout:version:)``.
    @discardableResult
    public func add<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> Bool {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.add(key, value, timeout: timeout, version: version)
        }
    }

    /// Gives a live key a new expiry. Django's `touch`; see ``RedisCache/touch(_:timeout:version:)``.
    ///
    /// The near copy is dropped too: it was kept no longer than the old expiry.
    @discardableResult
    public func touch(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> Bool {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.touch(key, timeout: timeout, version: version)
        }
    }

    /// Removes `key`. Django's `delete`: one `DEL`.
    @discardableResult
    public func delete(_ key: String, version: Int? = nil) async throws(CacheError) -> Bool {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.delete(key, version: version)
        }
    }

    /// Adds `delta` to the integer under `key`, atomically on the server. Django's `incr`; see
    /// ``RedisCache/incr(_:by:version:)``.
    @discardableResult
    public func incr(_ key: String, by delta: Int = 1, version: Int? = nil) async throws(CacheError) -> Int {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.incr(key, by: delta, version: version)
        }
    }

    /// Subtracts `delta` from the integer under `key`, atomically on the server. Django's `decr`.
    @discardableResult
    public func decr(_ key: String, by delta: Int = 1, version: Int? = nil) async throws(CacheError) -> Int {
        try await dropping([makeKey(key, version: version)]) { () async throws(CacheError) in
            try await redis.decr(key, by: delta, version: version)
        }
    }

    /// Stores every value. Django's `set_many`: one `MULTI`/`EXEC`; see ``RedisCache/setMany(_:timeout:version:)``.
    @discardableResult
    public func setMany<V: Codable & Sendable>(
        _ values: [String: V], timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> [String] {
        try await dropping(values.keys.map { makeKey($0, version: version) }) { () async throws(CacheError) in
            try await redis.setMany(values, timeout: timeout, version: version)
        }
    }

    /// Removes every key. Django's `delete_many`: one `DEL`.
    public func deleteMany(_ keys: [String], version: Int? = nil) async throws(CacheError) {
        try await dropping(keys.map { makeKey($0, version: version) }) { () async throws(CacheError) in
            try await redis.deleteMany(keys, version: version)
        }
    }

    /// Moves the value of `key` to `version + delta`. Django's `incr_version`: one `RENAME`; see
    /// ``RedisCache/incrVersion(_:by:version:)``. Both versions' near copies are dropped.
    @discardableResult
    public func incrVersion(_ key: String, by delta: Int = 1, version: Int? = nil) async throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let target = current.addingReportingOverflow(delta)
        return try await droppingVersions(of: key, current, target) { () async throws(CacheError) in
            try await redis.incrVersion(key, by: delta, version: version)
        }
    }

    /// Moves the value of `key` to `version - delta`. Django's `decr_version`.
    @discardableResult
    public func decrVersion(_ key: String, by delta: Int = 1, version: Int? = nil) async throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let target = current.subtractingReportingOverflow(delta)
        return try await droppingVersions(of: key, current, target) { () async throws(CacheError) in
            try await redis.decrVersion(key, by: delta, version: version)
        }
    }

    /// Runs a version move, then drops `key` at its current and (unless it overflowed) target version.
    private func droppingVersions(
        of key: String, _ current: Int, _ target: (partialValue: Int, overflow: Bool),
        _ move: () async throws(CacheError) -> Int
    ) async throws(CacheError) -> Int {
        var keys = [makeKey(key, version: current)]
        if !target.overflow { keys.append(makeKey(key, version: target.partialValue)) }
        return try await dropping(keys, move)
    }

    /// Removes this cache's entries (by prefix, or the whole database with `flushingDatabase`), as
    /// ``RedisCache/clear(flushingDatabase:)``, then empties the near level.
    public func clear(flushingDatabase: Bool) async throws(CacheError) {
        defer { level.flush() }
        try await redis.clear(flushingDatabase: flushingDatabase)
    }

    /// Removes this cache's entries, by prefix, and empties the near level.
    public func clear() async throws(CacheError) {
        try await clear(flushingDatabase: false)
    }
}
