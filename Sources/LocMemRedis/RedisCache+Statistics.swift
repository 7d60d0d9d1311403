import LocMem
import RedisClient

extension RedisCache {
    /// The server's own counters from `INFO stats`, as ``CacheStatistics``: `keyspace_hits`,
    /// `keyspace_misses`, `expired_keys`, and `evicted_keys` as `culled`; `sets` is not counted by
    /// Redis and stays 0.
    ///
    /// They count every client of the server and every database on it, not this cache alone (no
    /// counter is kept in this process). Take the difference of two readings to see an interval.
    nonisolated(nonsending) public func serverStatistics() async throws(CacheError) -> CacheStatistics {
        let reply = try await run(RedisCommand("INFO", ["stats"]))
        guard let text = reply.string else { throw unexpected(reply, to: "INFO") }
        var fields: [Substring: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1].filter { !$0.isWhitespace }) {
                fields[parts[0]] = value
            }
        }
        return CacheStatistics(
            hits: fields["keyspace_hits"] ?? 0,
            misses: fields["keyspace_misses"] ?? 0,
            sets: 0,
            culled: fields["evicted_keys"] ?? 0,
            expired: fields["expired_keys"] ?? 0
        )
    }
}
