import LocMem
import RedisClient

extension RedisCache {
    /// `INCRBY`/`DECRBY` of a key that must exist, in one atomic step on the server: a missing key
    /// is an error, never created at 0 (as a bare `INCRBY` would), and no other client can delete
    /// or write the key between the check and the change.
    package static let adjustScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOKEY') end \
        return redis.call(ARGV[2], KEYS[1], ARGV[1])
        """
    /// SHA-1 of ``adjustScript``, for `EVALSHA` (checked against `SCRIPT LOAD` by the tests).
    package static let adjustScriptSHA1 = "ab246d01f5b9340ecc4413751381560f610929c0"

    /// Adds `delta` to the integer stored under `key`, atomically on the server. Django's `incr`.
    ///
    /// One `EVALSHA` of a two-line script (`EXISTS`, then `INCRBY`), or `EVAL` when the server does
    /// not have the script cached yet. The key keeps its expiry.
    ///
    /// - Returns: The new value.
    /// - Throws: ``CacheError/keyNotFound(_:)`` if the key is missing or expired,
    ///   ``CacheError/notAnInteger(_:)`` if the value is not an integer, ``CacheError/overflow(_:)``
    ///   if the result does not fit in 64 bits (the value is left as it was); the server errors.
    @discardableResult
    nonisolated(nonsending) public func incr(
        _ key: String, by delta: Int = 1, version: Int? = nil
    ) async throws(CacheError) -> Int {
        try await adjust(validatedKey(key, version: version), "INCRBY", delta)
    }

    /// Subtracts `delta` from the integer stored under `key`, atomically on the server. Django's `decr`.
    ///
    /// - Throws: As ``incr(_:by:version:)``.
    @discardableResult
    nonisolated(nonsending) public func decr(
        _ key: String, by delta: Int = 1, version: Int? = nil
    ) async throws(CacheError) -> Int {
        try await adjust(validatedKey(key, version: version), "DECRBY", delta)
    }

    nonisolated(nonsending) private func adjust(
        _ finalKey: String, _ operation: String, _ delta: Int
    ) async throws(CacheError) -> Int {
        let arguments: [RedisArgument] = ["1", .string(finalKey), .integer(delta), .string(operation)]
        var reply = try await runRaw(RedisCommand("EVALSHA", [.string(Self.adjustScriptSHA1)] + arguments))
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            reply = try await runRaw(RedisCommand("EVAL", [.string(Self.adjustScript)] + arguments))
        }
        switch reply {
        case .integer(let value):
            return value
        case .error(let message) where message.contains("NOKEY"):
            throw .keyNotFound(finalKey)
        case .error(let message) where message.contains("would overflow"):
            throw .overflow(finalKey)
        case .error(let message) where message.contains("not an integer") || message.hasPrefix("WRONGTYPE"):
            throw .notAnInteger(finalKey)
        case .error(let message):
            throw .serverError("\(address): \(operation): \(message)")
        default:
            throw unexpected(reply, to: operation)
        }
    }

    /// One command whose error reply is returned rather than thrown.
    nonisolated(nonsending) private func runRaw(_ command: RedisCommand) async throws(CacheError) -> RESPValue {
        do {
            return try await pool.send(command)
        } catch {
            throw Self.cacheError(error)
        }
    }

    // MARK: - Versions

    /// Moves the value of `key` from `version` to `version + delta`. Django's `incr_version`.
    ///
    /// One `RENAME`, atomic on the server (Django gets, sets and deletes): the value keeps its
    /// remaining lifetime, and no reader finds the key under both versions or neither.
    ///
    /// - Returns: The new version.
    /// - Throws: ``CacheError/keyNotFound(_:)`` if the key is missing at `version`;
    ///   ``CacheError/overflow(_:)`` if the new version does not fit in an `Int`.
    @discardableResult
    nonisolated(nonsending) public func incrVersion(
        _ key: String, by delta: Int = 1, version: Int? = nil
    ) async throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let (target, overflow) = current.addingReportingOverflow(delta)
        if overflow { throw .overflow(makeKey(key, version: current)) }
        return try await moveVersion(key, from: current, to: target)
    }

    /// Moves the value of `key` to `version - delta`. Django's `decr_version`.
    ///
    /// - Throws: As ``incrVersion(_:by:version:)``.
    @discardableResult
    nonisolated(nonsending) public func decrVersion(
        _ key: String, by delta: Int = 1, version: Int? = nil
    ) async throws(CacheError) -> Int {
        let current = version ?? configuration.version
        let (target, overflow) = current.subtractingReportingOverflow(delta)
        if overflow { throw .overflow(makeKey(key, version: current)) }
        return try await moveVersion(key, from: current, to: target)
    }

    nonisolated(nonsending) private func moveVersion(
        _ key: String, from current: Int, to target: Int
    ) async throws(CacheError) -> Int {
        let oldKey = validatedKey(key, version: current)
        guard target != current else {
            guard try await integer(RedisCommand("EXISTS", [.string(oldKey)])) > 0 else { throw .keyNotFound(oldKey) }
            return current
        }
        let newKey = validatedKey(key, version: target)
        switch try await runRaw(RedisCommand("RENAME", [.string(oldKey), .string(newKey)])) {
        case .simpleString:
            return target
        case .error(let message) where message.contains("no such key"):
            throw .keyNotFound(oldKey)
        case .error(let message):
            throw .serverError("\(address): RENAME: \(message)")
        case let reply:
            throw unexpected(reply, to: "RENAME")
        }
    }
}
