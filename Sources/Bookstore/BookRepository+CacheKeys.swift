import LocMem

extension BookRepository {
    /// The cache keys the repository reads and writes, and which write invalidates which.
    ///
    /// They are stable: the CLI, tests and anyone sharing the cache may rely on them. They are
    /// passed to `LocMemCache` as they are, so the cache's `keyPrefix`, `version` and
    /// `keyFunction` apply on top (Django's `make_key`). None has spaces or control characters.
    ///
    /// | key | value | invalidated by |
    /// |---|---|---|
    /// | `book:<id>` | `Book?` (`nil`: no such book, negative caching) | `updatePrice` of that book (deleted) |
    /// | `author:<id>` | `Author?` | nothing: the repository never writes authors |
    /// | `books-by-author:<authorID>` | `[Book]` | `updatePrice` of one of its books (deleted) |
    /// | `top-rated:<limit>:g<generation>` | `[BookRating]` | `addReview`, `updatePrice` of a reviewed book (bump) |
    /// | `top-rated:generation` | `Int`, timeout `.never` | (the counter itself) |
    ///
    /// The top-rated lists depend on every review, and a write cannot know which limits are
    /// cached, so instead of scanning keys a write increments the `top-rated:generation`
    /// counter: readers then build their key from the new generation and miss, and the old
    /// lists are never read again and leave by expiry or culling. When the counter is absent
    /// (never created, culled, or the cache cleared) a reader creates it at a random value, so
    /// a re-created counter cannot land on the generation of lists still in the cache. So a
    /// top-rated read makes two cache lookups (the counter, then the list); the others make one.
    public enum CacheKeys {
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
}

// MARK: - Generations

extension BookRepository {
    /// The current top-rated generation, creating the counter (at a random value) when absent.
    func topRatedGeneration() -> Int {
        let key = CacheKeys.topRatedGeneration
        if let generation = cache.get(key, as: Int.self) {
            return generation
        }
        // Random, not 0: lists stored under an earlier counter that was culled or cleared must
        // not become readable again. The range leaves room for 2^62 increments before overflow.
        let fresh = Int.random(in: 0..<(1 << 40))
        cache.add(key, fresh, timeout: .never)
        // Another thread may have added first; everyone then uses the value that is stored.
        return cache.get(key, as: Int.self) ?? fresh
    }

    /// Makes every cached top-rated list unreachable.
    func invalidateTopRated() {
        let key = CacheKeys.topRatedGeneration
        do {
            try cache.incr(key)
        } catch {
            // keyNotFound: no counter, so no reader can reach an old list; the next reader
            // starts a fresh random generation. notAnInteger or overflow: drop the counter, which
            // has the same effect.
            cache.delete(key)
        }
    }
}
