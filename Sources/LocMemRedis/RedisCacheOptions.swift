/// How a ``RedisCache`` talks to its server: pool size, timeouts, reconnection and the value limit.
///
/// The defaults suit a server on the same machine or network; every timeout is in seconds.
public struct RedisCacheOptions: Sendable, Hashable {
    /// Connections in the pool (at least 1). Each is multiplexed (pipelined), so a few suffice.
    public var poolSize: Int
    /// How long opening a connection (TCP, `HELLO`, `AUTH`, `SELECT`) may take.
    public var connectTimeout: Double
    /// How long a command may wait for its reply; then the call throws
    /// ``CacheError/connectionFailed(_:)`` and the connection is replaced.
    public var commandTimeout: Double
    /// After a failed connection attempt, calls fail at once for this long before the next attempt;
    /// the wait doubles after each failed attempt, up to ``maximumReconnectBackoff``.
    public var initialReconnectBackoff: Double
    /// The longest wait between connection attempts.
    public var maximumReconnectBackoff: Double
    /// The largest encoded value accepted, in bytes; larger values throw
    /// ``CacheError/valueTooLarge(key:size:limit:)`` before anything is sent. Redis's own limit
    /// (`proto-max-bulk-len`) is 512 MiB.
    public var maximumValueSize: Int

    /// Options with Redis-friendly defaults: 2 pooled connections, 2 s to connect and 2 s per
    /// command, reconnection backoff from 0.1 s doubling to 2 s, values up to Redis's own 512 MiB.
    ///
    /// Values are checked when a ``RedisCache`` is made, which throws
    /// ``CacheError/invalidConfiguration(field:reason:)`` naming the field.
    public init(
        poolSize: Int = 2,
        connectTimeout: Double = 2,
        commandTimeout: Double = 2,
        initialReconnectBackoff: Double = 0.1,
        maximumReconnectBackoff: Double = 2,
        maximumValueSize: Int = 512 * 1024 * 1024
    ) {
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.initialReconnectBackoff = initialReconnectBackoff
        self.maximumReconnectBackoff = maximumReconnectBackoff
        self.maximumValueSize = maximumValueSize
    }
}
