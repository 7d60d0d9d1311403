import LocMem

/// The cache keys of ``CacheAsideBookRepository``, and which write invalidates which.
///
/// Stable: every process sharing the cache, the CLI and the tests rely on them. The cache's
/// `keyPrefix`, `version` and `keyFunction` apply on top (Django's `make_key`). None has spaces or
/// control characters.
///
/// | key | value | invalidated by |
/// |---|---|---|
/// | `book:<id>` | `Book?` (`nil`: no such book, negative caching) | `updatePrice` of that book (deleted) |
/// | `author:<id>` | `Author?` | nothing: the repository never writes authors |
/// | `books-by-author:<authorID>` | `[Book]` | `updatePrice` of one of its books (deleted) |
/// | `top-rated:<limit>:g<generation>` | `[BookRating]` | `addReview`, `updatePrice` of a reviewed book (bump) |
/// | `top-rated:generation` | `Int`, timeout `.never` | (the counter itself) |
///
/// A write cannot know which top-rated limits are cached, so instead of scanning keys it
/// increments the `top-rated:generation` counter (`incr`, atomic on a Redis server): readers
/// then build their key from the new generation and miss, and the old lists leave by expiry.
/// When the counter is absent (never created, evicted, the cache cleared) a reader creates it
/// with `add` at a random value, so a re-created counter cannot land on the generation of lists
/// still in the cache; concurrent creators all use the value that won the `add`.
public enum BookCacheKeys {
    /// `book:<id>`: the book, or `nil` when there is no such book.
    public static func book(_ id: Int64) -> String { "book:\(id)" }

    /// `author:<id>`: the author, or `nil` when there is no such author.
    public static func author(_ id: Int64) -> String { "author:\(id)" }

    /// `books-by-author:<authorID>`: the author's books ordered by id.
    public static func booksByAuthor(_ authorID: Int64) -> String { "books-by-author:\(authorID)" }

    /// `top-rated:<limit>:g<generation>`: the first `limit` books by average rating.
    public static func topRated(limit: Int, generation: Int) -> String { "top-rated:\(limit):g\(generation)" }

    /// `top-rated:generation`: the counter whose increment invalidates every top-rated list.
    public static let topRatedGeneration = "top-rated:generation"
}

// MARK: - Generations

extension CacheAsideBookRepository {
    /// The current top-rated generation, creating the counter (at a random value) when absent;
    /// `nil` when the cache fails (the read then goes to SQLite).
    func topRatedGeneration() async -> Int? {
        let key = CacheKeys.topRatedGeneration
        do {
            if let generation = try await cache.get(key, as: Int.self, version: nil) {
                return generation
            }
            // Random, not 0: lists stored under an earlier counter must not become readable again.
            let fresh = Int.random(in: 0..<(1 << 40))
            _ = try await cache.add(key, fresh, timeout: .never, version: nil)
            // Another process may have added first; everyone then uses the value that is stored.
            return try await cache.get(key, as: Int.self, version: nil) ?? fresh
        } catch {
            counters.degradedReads.add(1, ordering: .relaxed)
            logger.warning("cache unavailable, reading top-rated from SQLite: \(error)")
            return nil
        }
    }

    /// Makes every cached top-rated list unreachable.
    func invalidateTopRated() async throws(CacheError) {
        let key = CacheKeys.topRatedGeneration
        do {
            _ = try await cache.incr(key, by: 1, version: nil)
        } catch {
            switch error {
            case .keyNotFound, .notAnInteger, .overflow:
                // No usable counter, so no reader can reach an old list through it; dropping it makes
                // the next reader start a fresh random generation.
                _ = try await cache.delete(key, version: nil)
            default:
                throw error
            }
        }
    }
}
