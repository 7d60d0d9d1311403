import LocMem
import SQLiteStore

extension CacheAsideBookRepository {
    // MARK: - Writes

    /// Sets a book's price, then invalidates the cached reads that show it: `book:<id>`, the
    /// author's `books-by-author:<authorID>`, and the top-rated generation if the book has reviews.
    ///
    /// The same transaction as ``BookRepository/updatePrice(bookID:priceCents:)``; the cache is
    /// touched only after it has committed. If the invalidation fails, the write stands: see the
    /// type's discussion of outages.
    ///
    /// - Throws: ``BookstoreError/negativePrice(_:)`` (before touching the database) or
    ///   ``BookstoreError/bookNotFound(_:)``; a database error after the rollback.
    public func updatePrice(bookID: Int64, priceCents: Int) async throws {
        guard priceCents >= 0 else { throw BookstoreError.negativePrice(priceCents) }
        let (authorID, hasReviews) = try database.inTransaction { () throws -> (Int64, Bool) in
            let found = try database.queryFirst(SQL.bookForUpdate, [.integer(bookID)]) { row in
                (try row.int64(0), try row.int(1) != 0)
            }
            guard let found else { throw BookstoreError.bookNotFound(bookID) }
            try database.execute(SQL.updatePrice, [.integer(Int64(priceCents)), .integer(bookID)])
            return found
        }
        await invalidating("updatePrice(bookID: \(bookID))") { () throws(CacheError) in
            try await cache.deleteMany([CacheKeys.book(bookID), CacheKeys.booksByAuthor(authorID)], version: nil)
            if hasReviews {
                try await invalidateTopRated()
            }
        }
    }

    /// Adds a review to a book, then bumps the top-rated generation (`book:<id>` stays: a ``Book``
    /// holds no review data).
    ///
    /// - Returns: the new review's row id.
    /// - Throws: ``BookstoreError/invalidRating(_:)`` (before touching the database) or
    ///   ``BookstoreError/bookNotFound(_:)``; a database error after the rollback.
    @discardableResult
    public func addReview(bookID: Int64, rating: Int, body: String) async throws -> Int64 {
        guard (1...5).contains(rating) else { throw BookstoreError.invalidRating(rating) }
        let reviewID = try uncached.insertReview(bookID: bookID, rating: rating, body: body)
        await invalidating("addReview(bookID: \(bookID))") { () throws(CacheError) in
            try await invalidateTopRated()
        }
        return reviewID
    }

    /// Runs a committed write's invalidation; a cache failure is counted and logged, not thrown.
    private func invalidating(_ write: String, _ body: () async throws(CacheError) -> Void) async {
        do {
            try await body()
        } catch {
            counters.failedInvalidations.add(1, ordering: .relaxed)
            logger.error(
                "\(write) committed, but the cache could not be invalidated (stale until the timeout): \(error)")
        }
    }
}
