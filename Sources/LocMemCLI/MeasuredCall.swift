import LocMem

/// Where a call's answer came from.
///
/// Judged from what SQLite itself ran during the call: any statement means the database was
/// asked; none means the cache answered. Nothing here is a flag the CLI sets by hand.
enum Source: String, Codable, Sendable {
    case database
    case cache

    /// `.database` when SQLite ran at least one statement during the call.
    init(queries: Int) {
        self = queries > 0 ? .database : .cache
    }

    /// Yellow for the slow path, green for the cache.
    var style: Terminal.Style {
        switch self {
        case .database: .yellow
        case .cache: .green
        }
    }
}

/// One repository call as it ran: its value, the SQL SQLite ran for it, the cache's activity
/// during it and how long it took. Made by ``BookstoreSession/measure(_:_:)``.
struct MeasuredCall<Value> {
    /// How the call is shown, such as `book(id: 1)`.
    var call: String
    var value: Value
    /// Statements SQLite started during the call (`Database.queryCount` delta).
    var queries: Int
    /// Their SQL text (`Database.capturingQueries`).
    var statements: [String]
    /// The cache's statistics over the call.
    var cache: CacheStatistics
    var duration: Duration

    var source: Source {
        Source(queries: queries)
    }

    /// The duration in whole nanoseconds, for JSON.
    var nanoseconds: Int {
        Int(duration.components.seconds) * 1_000_000_000 + Int(duration.components.attoseconds / 1_000_000_000)
    }
}

/// Measured calls cross from the task that made them to the main thread (``SharedCacheSession``).
extension MeasuredCall: Sendable where Value: Sendable {}
