import LocMem
import Logging
import NIOCore
import RedisClient

/// LocMem's cache on a Redis server, shared by every process and machine that connects to it:
/// Django's `django.core.cache.backends.redis.RedisCache` in Swift.
///
/// ```swift
/// let shared = try await RedisCache(
///     url: "redis://127.0.0.1:6379/0", configuration: CacheConfiguration(keyPrefix: "shop")
/// )
/// try await shared.set("greeting", "hello", timeout: 30)
/// let greeting: String? = try await shared.get("greeting")
/// try await shared.incr("views")                          // atomic on the server
/// let answer = try await shared.getOrSet("answer") { 42 }
/// await shared.close()
/// ```
///
/// Every ``LocMemCache`` operation, with the semantics of Django's `RedisCache`: keys are
/// ``makeKey(_:version:)`` (prefix, version, key function), `timeout: 0` deletes, `.never`
/// persists, fractional timeouts are sent in milliseconds (`PX`); `add` is `SET NX`; integers are
/// stored as Redis integers, so `incr`/`decr` are atomic on the server. Values are any
/// `Codable & Sendable` type (see the encoding in the README); a value of another type is a miss.
///
/// What the server does instead of this process: expiry (Redis's clock, not a ``CacheClock``),
/// eviction (the server's `maxmemory-policy`; `maxEntries` and `cullFrequency` are not used), and
/// statistics (`INFO stats`; there is no ``LocMemCache/statistics``).
///
/// **Failure.** Every call may throw ``CacheError/connectionFailed(_:)`` (server down, refused,
/// timed out, connection lost mid-command), ``CacheError/protocolError(_:)`` (the reply was not
/// RESP) or ``CacheError/serverError(_:)``; each names the server's address. Nothing crashes or
/// hangs: commands time out (``RedisCacheOptions/commandTimeout``), and once the server is back
/// the next call reconnects (after a short backoff). A command whose connection broke is not
/// retried, since it may have run.
///
/// - Note: `Sendable`; every method is safe to call from any task, concurrently. Calls share a few
///   pipelined connections (``RedisCacheOptions/poolSize``). The methods are
///   `nonisolated(nonsending)`: they run on the caller's executor up to the reply. With NIO's event
///   loops as the concurrency executor (as the CLI has it), a task runs on its loop's serial
///   executor, and every step to the global executor is one more job through the loop's queue
///   (a `get` ran about ten of them when these methods were not, for 30% of its client instructions).
public final class RedisCache: CacheBackend {
    /// This cache's settings: `keyPrefix`, `version`, `keyFunction`, `timeout` and `onKeyWarning`
    /// apply; `maxEntries` and `cullFrequency` do not (the server evicts).
    public let configuration: CacheConfiguration
    /// Pool, timeouts and value limit.
    public let options: RedisCacheOptions
    /// `host:port` of the server (never the password).
    public let address: String

    let pool: RedisConnectionPool
    let flights = RedisFlights()
    let logger = Logger(label: "LocMemRedis")

    /// Connects to the server at `url` and returns a cache on it.
    ///
    /// `redis://[[user]:password@]host[:port][/db]`: port 6379 and database 0 unless given; the
    /// password is sent with `HELLO 3 AUTH` (or `AUTH` on servers before Redis 6), the database
    /// selected with `SELECT`. One connection is opened now, so that a wrong address or password
    /// is reported here rather than by the first call.
    ///
    /// - Throws: ``CacheError/invalidConfiguration(field:reason:)`` for a malformed URL (field
    ///   `url`) or configuration; ``CacheError/connectionFailed(_:)`` when the server cannot be
    ///   reached or refuses the login.
    public init(
        url: String, configuration: CacheConfiguration = .init(), options: RedisCacheOptions = .init()
    ) async throws(CacheError) {
        let endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint(url: url)
        } catch {
            throw .invalidConfiguration(field: "url", reason: error.description)
        }
        try configuration.validateForBackend()
        try Self.validate(options)
        self.configuration = configuration
        self.options = options
        self.address = endpoint.description
        self.pool = RedisConnectionPool(
            endpoint: endpoint,
            options: RedisConnectionPool.Options(
                size: options.poolSize,
                connection: RedisConnectionOptions(
                    connectTimeout: .nanoseconds(Int64(options.connectTimeout * 1e9)),
                    commandTimeout: .nanoseconds(Int64(options.commandTimeout * 1e9))
                ),
                initialBackoff: .nanoseconds(Int64(options.initialReconnectBackoff * 1e9)),
                maximumBackoff: .nanoseconds(Int64(options.maximumReconnectBackoff * 1e9))
            )
        )
        do {
            _ = try await pool.connection()
        } catch {
            throw Self.cacheError(error)
        }
    }

    private static func validate(_ options: RedisCacheOptions) throws(CacheError) {
        func positive(_ value: Double, _ field: String) throws(CacheError) {
            guard value.isFinite, value > 0, value < 1e9 else {
                throw .invalidConfiguration(
                    field: field, reason: "must be a finite number of seconds above 0, got \(value)")
            }
        }
        guard options.poolSize >= 1 else {
            throw .invalidConfiguration(field: "poolSize", reason: "must be at least 1, got \(options.poolSize)")
        }
        try positive(options.connectTimeout, "connectTimeout")
        try positive(options.commandTimeout, "commandTimeout")
        try positive(options.initialReconnectBackoff, "initialReconnectBackoff")
        try positive(options.maximumReconnectBackoff, "maximumReconnectBackoff")
        guard options.maximumValueSize >= 1 else {
            throw .invalidConfiguration(
                field: "maximumValueSize", reason: "must be at least 1, got \(options.maximumValueSize)")
        }
    }

    // MARK: - Keys

    /// The final key stored for `key`: the key function applied to the key, the prefix and the
    /// version (the configuration's when `nil`). Django's `make_key`, as ``LocMemCache/makeKey(_:version:)``.
    public func makeKey(_ key: String, version: Int? = nil) -> String {
        configuration.finalKey(key, version: version)
    }

    /// `makeKey` plus Django's `validate_key`: memcached-unportable keys are reported, as LocMem does.
    func validatedKey(_ key: String, version: Int?) -> String {
        let finalKey = makeKey(key, version: version)
        for warning in CacheKeyWarning.portabilityWarnings(for: finalKey) {
            if let handler = configuration.onKeyWarning {
                handler(warning)
            } else {
                logger.warning("\(warning.message)")
            }
        }
        return finalKey
    }

    // MARK: - Talking to the server

    /// Sends one command; an error reply is thrown as ``CacheError/serverError(_:)``.
    nonisolated(nonsending) func run(_ command: RedisCommand) async throws(CacheError) -> RESPValue {
        let reply: RESPValue
        do {
            reply = try await pool.send(command)
        } catch {
            throw Self.cacheError(error)
        }
        if case .error(let message) = reply {
            throw .serverError("\(address): \(command.name): \(message)")
        }
        return reply
    }

    /// Sends commands as one pipeline; error replies are returned, not thrown.
    nonisolated(nonsending) func run(pipeline commands: [RedisCommand]) async throws(CacheError) -> [RESPValue] {
        do {
            return try await pool.send(pipeline: commands)
        } catch {
            throw Self.cacheError(error)
        }
    }

    static func cacheError(_ error: RedisClientError) -> CacheError {
        switch error {
        case .connectionFailed: .connectionFailed(error.description)
        case .protocolError: .protocolError(error.description)
        case .serverError: .serverError(error.description)
        }
    }

    func unexpected(_ reply: RESPValue, to command: String) -> CacheError {
        .protocolError("\(address): unexpected reply to \(command): \(reply)")
    }

    /// The stored form of `value`; `key` (the final key) names it in an error.
    func encode<V: Encodable>(_ value: V, key: @autoclosure () -> String) throws(CacheError) -> ByteBuffer {
        try RedisValueCodec.encode(value, key: key(), limit: options.maximumValueSize)
    }

    /// What to send for `timeout`: `nil` for "do not keep", else the `SET` expiry arguments.
    func expiry(for timeout: CacheTimeout) -> [RedisArgument]? {
        let seconds: Double
        switch timeout {
        case .never:
            return []
        case .default:
            guard let configured = configuration.timeout else { return [] }
            seconds = configured
        case .seconds(let value):
            seconds = value
        }
        if seconds.isNaN || seconds <= 0 { return nil }
        if seconds == .infinity || seconds >= 1e15 { return [] }
        if seconds == seconds.rounded(), seconds < Double(Int.max) {
            return ["EX", .integer(Int(seconds))]
        }
        // Fractional: milliseconds, at least 1 so that a tiny timeout still keeps the value briefly.
        return ["PX", .integer(max(1, Int((seconds * 1000).rounded())))]
    }

    // MARK: - Single keys

    /// The value stored under `key`, if it is live and a `V`. Django's `get`: one `GET`.
    ///
    /// A missing or expired key, or a value of another type, is a miss (`nil`). A stored
    /// `Optional.none` is a hit: `get(k, as: Int?.self)` returns `.some(nil)`.
    nonisolated(nonsending) public func get<V: Codable & Sendable>(
        _ key: String, as type: V.Type = V.self, version: Int? = nil
    ) async throws(CacheError) -> V? {
        switch try await run(keyCommand("GET", key, version: version)) {
        case .null:
            return nil
        case .bulkString(let stored):
            return RedisValueCodec.decode(stored, as: V.self)
        case let reply:
            throw unexpected(reply, to: "GET")
        }
    }

    /// The value stored under `key`, or `default` on a miss. Django's `get(key, default)`.
    nonisolated(nonsending) public func get<V: Codable & Sendable>(
        _ key: String, default: V, version: Int? = nil
    ) async throws(CacheError) -> V {
        try await get(key, as: V.self, version: version) ?? `default`
    }

    /// Stores `value` under `key`, replacing any value there. Django's `set`: one `SET` (with `EX`
    /// or `PX`); a timeout of 0 or less deletes the key instead.
    ///
    /// - Throws: ``CacheError/valueTooLarge(key:size:limit:)`` (nothing sent) and the server errors.
    nonisolated(nonsending) public func set<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) {
        let bytes = try encode(value, key: makeKey(key, version: version))
        guard let expiry = expiry(for: timeout) else {
            _ = try await run(keyCommand("DEL", key, version: version))
            return
        }
        _ = try await run(keyCommand("SET", key, version: version, [.bytes(bytes)] + expiry))
    }

    /// Stores `value` only if `key` is absent or expired. Django's `add`: `SET NX`, atomic on the server.
    ///
    /// - Returns: `true` if the key was absent (even when a timeout of 0 means the value is not
    ///   kept), `false` if a live value was left in place.
    @discardableResult
    nonisolated(nonsending) public func add<V: Codable & Sendable>(
        _ key: String, _ value: V, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> Bool {
        let finalKey = validatedKey(key, version: version)
        let bytes = try encode(value, key: finalKey)
        let expiry = expiry(for: timeout)
        let reply = try await run(RedisCommand("SET", [.string(finalKey), .bytes(bytes), "NX"] + (expiry ?? [])))
        let stored: Bool
        switch reply {
        case .null: stored = false
        case .simpleString: stored = true
        default: throw unexpected(reply, to: "SET NX")
        }
        if stored, expiry == nil {
            // Django: a timeout of 0 reports whether the key was absent, and keeps nothing.
            _ = try await run(RedisCommand("DEL", [.string(finalKey)]))
        }
        return stored
    }

    /// Gives a live key a new expiry, counted from now. Django's `touch`: `PEXPIRE`/`EXPIRE`,
    /// or `PERSIST` for `.never`; a timeout of 0 or less removes the key.
    ///
    /// - Returns: `true` if the key was live.
    @discardableResult
    nonisolated(nonsending) public func touch(
        _ key: String, timeout: CacheTimeout = .default, version: Int? = nil
    ) async throws(CacheError) -> Bool {
        let finalKey = validatedKey(key, version: version)
        guard let expiry = expiry(for: timeout) else {
            return try await integer(RedisCommand("DEL", [.string(finalKey)])) > 0
        }
        if expiry.isEmpty {
            // PERSIST answers 0 for a live key without expiry too; ask EXISTS in the same round trip.
            let replies = try await run(pipeline: [
                RedisCommand("PERSIST", [.string(finalKey)]), RedisCommand("EXISTS", [.string(finalKey)]),
            ])
            guard replies.count == 2, case .integer(let exists) = replies[1] else {
                throw unexpected(.array(replies), to: "PERSIST/EXISTS")
            }
            return exists > 0
        }
        let command = expiry[0] == "EX" ? "EXPIRE" : "PEXPIRE"
        return try await integer(RedisCommand(command, [.string(finalKey), expiry[1]])) > 0
    }

    /// Removes `key`. Django's `delete`: one `DEL`.
    ///
    /// - Returns: `true` if a live value was removed.
    @discardableResult
    nonisolated(nonsending) public func delete(_ key: String, version: Int? = nil) async throws(CacheError) -> Bool {
        try await integer(keyCommand("DEL", key, version: version)) > 0
    }

    /// Whether `key` holds a live value. Django's `has_key`: one `EXISTS`.
    nonisolated(nonsending) public func hasKey(_ key: String, version: Int? = nil) async throws(CacheError) -> Bool {
        try await integer(keyCommand("EXISTS", key, version: version)) > 0
    }

    nonisolated(nonsending) func integer(_ command: RedisCommand) async throws(CacheError) -> Int {
        let reply = try await run(command)
        guard case .integer(let value) = reply else { throw unexpected(reply, to: command.name) }
        return value
    }

    // MARK: - Whole cache

    /// Removes this cache's entries: every key that starts with the prefix of ``makeKey(_:version:)``
    /// (`"<keyPrefix>:"`), found with `SCAN MATCH` and removed with `UNLINK`, so other users of the
    /// database keep theirs. Django's `clear()` runs `FLUSHDB`; pass `flushingDatabase: true` for that.
    ///
    /// With a custom key function, keys are matched on `keyPrefix` alone (`"<keyPrefix>*"`), so give
    /// such a cache a prefix its keys start with.
    ///
    /// - Complexity: O(*n*) in the database's keys (SCAN visits them all), in batches of 1,000.
    nonisolated(nonsending) public func clear(flushingDatabase: Bool) async throws(CacheError) {
        if flushingDatabase {
            _ = try await run(RedisCommand("FLUSHDB"))
            return
        }
        let pattern = Self.globEscaped(configuration.keyPrefix) + (configuration.usesDefaultKeyFunction ? ":*" : "*")
        var cursor = "0"
        repeat {
            let reply = try await run(
                RedisCommand("SCAN", [.string(cursor), "MATCH", .string(pattern), "COUNT", 1000]))
            guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].string,
                case .array(let keys) = parts[1]
            else { throw unexpected(reply, to: "SCAN") }
            if !keys.isEmpty {
                let arguments: [RedisArgument] = keys.compactMap { key in
                    if case .bulkString(let bytes) = key { return .bytes(bytes) }
                    return nil
                }
                _ = try await run(RedisCommand("UNLINK", arguments))
            }
            cursor = next
        } while cursor != "0"
    }

    /// Removes this cache's entries, by prefix (see ``clear(flushingDatabase:)``).
    nonisolated(nonsending) public func clear() async throws(CacheError) {
        try await clear(flushingDatabase: false)
    }

    /// Closes the connections. Later calls throw ``CacheError/connectionFailed(_:)``.
    public func close() async {
        await pool.close()
    }

    /// `text` with the glob characters of `SCAN MATCH` escaped.
    static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
