/// Counters of a shared store's activity, read with ``LocMemCache/statistics``.
///
/// **Beyond Django**, whose local-memory backend keeps no statistics. The counters belong to the
/// store (every ``LocMemCache`` with the same `location` adds to them) and count from the store's
/// creation or the last ``LocMemCache/resetStatistics()``.
public struct CacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Reads that found a live entry of the requested type: `get`, `getMany` (per key), `getOrSet`.
    public var hits: Int
    /// Reads that found nothing usable: missing, expired, or of another type.
    public var misses: Int
    /// Values written: `set`, `add` when it stores, `setMany` (per key), `getOrSet` when it loads.
    public var sets: Int
    /// Entries removed to make room for new ones.
    public var culled: Int
    /// Expired entries removed when an operation met them (an expired entry met by a read counts
    /// one miss and one expiration).
    public var expired: Int

    /// Counters with the given values, zero by default.
    public init(hits: Int = 0, misses: Int = 0, sets: Int = 0, culled: Int = 0, expired: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.sets = sets
        self.culled = culled
        self.expired = expired
    }

    /// Hits as a fraction of all reads, or 0 before any read.
    public var hitRate: Double {
        let reads = hits + misses
        return reads == 0 ? 0 : Double(hits) / Double(reads)
    }

    public var description: String {
        "hits: \(hits), misses: \(misses), sets: \(sets), culled: \(culled), expired: \(expired)"
    }

    static func + (lhs: CacheStatistics, rhs: CacheStatistics) -> CacheStatistics {
        CacheStatistics(
            hits: lhs.hits + rhs.hits, misses: lhs.misses + rhs.misses, sets: lhs.sets + rhs.sets,
            culled: lhs.culled + rhs.culled, expired: lhs.expired + rhs.expired
        )
    }
}
