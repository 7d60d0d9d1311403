import Foundation
import LocMem

/// What `--json` prints: the command, every call with its result, where the answer came from,
/// the queries and the time, and the cache's statistics at the end.
///
/// ```json
/// {
///   "calls" : [
///     {
///       "cache" : { "culled" : 0, "expired" : 0, "hits" : 0, "misses" : 1, "sets" : 1 },
///       "call" : "book(id: 1)",
///       "durationNanoseconds" : 243105,
///       "queries" : 1,
///       "result" : { "authorID" : 1, "id" : 1, "priceCents" : 5099, ... },
///       "source" : "database",
///       "sql" : [ "SELECT id, title, author_id, price_cents, published_year FROM books WHERE id = ?" ]
///     }
///   ],
///   "command" : "book",
///   "statistics" : { "culled" : 0, "expired" : 0, "hitRate" : 0, "hits" : 0, "misses" : 1, "sets" : 1 }
/// }
/// ```
///
/// Keys are sorted; a missing book is `"result" : null`.
struct JSONReport<Result: Encodable>: Encodable {
    /// One measured call.
    struct Call: Encodable {
        var call: String
        var source: Source
        var queries: Int
        var sql: [String]
        var durationNanoseconds: Int
        var cache: Statistics
        var result: Result

        init(_ measured: MeasuredCall<Result>) {
            call = measured.call
            source = measured.source
            queries = measured.queries
            sql = measured.statements
            durationNanoseconds = measured.nanoseconds
            cache = Statistics(measured.cache)
            result = measured.value
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(call, forKey: .call)
            try container.encode(source, forKey: .source)
            try container.encode(queries, forKey: .queries)
            try container.encode(sql, forKey: .sql)
            try container.encode(durationNanoseconds, forKey: .durationNanoseconds)
            try container.encode(cache, forKey: .cache)
            // `encode`, not `encodeIfPresent`: a missing book is an explicit null.
            try container.encode(result, forKey: .result)
        }

        private enum CodingKeys: String, CodingKey {
            case call, source, queries, sql, durationNanoseconds, cache, result
        }
    }

    /// `CacheStatistics` as JSON, with the hit rate when it is the whole run's.
    struct Statistics: Encodable {
        var hits: Int
        var misses: Int
        var sets: Int
        var culled: Int
        var expired: Int
        var hitRate: Double?

        init(_ statistics: CacheStatistics, includingHitRate: Bool = false) {
            hits = statistics.hits
            misses = statistics.misses
            sets = statistics.sets
            culled = statistics.culled
            expired = statistics.expired
            hitRate = includingHitRate ? statistics.hitRate : nil
        }
    }

    var command: String
    var calls: [Call]
    var statistics: Statistics

    init(command: String, calls: [MeasuredCall<Result>], statistics: CacheStatistics) {
        self.command = command
        self.calls = calls.map { Call($0) }
        self.statistics = Statistics(statistics, includingHitRate: true)
    }

    /// Pretty-printed JSON with sorted keys.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
