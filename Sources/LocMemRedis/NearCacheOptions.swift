/// How a ``NearCache`` keeps its in-process level: its size, the longest an entry may stay in it,
/// and how often the invalidation connection is checked. Times are in seconds.
public struct NearCacheOptions: Sendable, Hashable {
    /// The longest a value stays in the near level, whatever else happens (default 5 s).
    ///
    /// Invalidations from the server normally drop a changed value within a fraction of a
    /// millisecond; this bounds the damage of anything they miss (a bug, a server that loses its
    /// tracking state without dropping the connection). A value with a shorter time to live on the
    /// server (`PTTL`) leaves the near level when it expires there.
    public var nearTimeout: Double
    /// The most entries the near level holds (default 1,000); beyond it LocMem culls the least
    /// recently used third.
    public var maxEntries: Int
    /// How often a `PING` is sent on the invalidation connection (default 0.5 s).
    public var heartbeatInterval: Double
    /// How long that `PING` may take (default 1 s). When it is not answered in time, the connection
    /// is dropped, the near level flushed and disabled until a new connection has tracking on: a
    /// connection that died silently (no close reached us) can leave the level stale for at most
    /// `heartbeatInterval + heartbeatTimeout`.
    public var heartbeatTimeout: Double

    public init(nearTimeout: Double = 5, maxEntries: Int = 1_000, heartbeatInterval: Double = 0.5,
                heartbeatTimeout: Double = 1) {
        self.nearTimeout = nearTimeout
        self.maxEntries = maxEntries
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
    }
}
