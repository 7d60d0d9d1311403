import LocMem
import SQLiteStore

extension BookRepository {
    // MARK: - Writes

    /// Sets a book's price, then invalidates the cached reads that show it.
    ///
    /// Runs in one transaction (a lookup of the book, then the `UPDATE`). Once it has committed,
    /// it deletes `book:<id>` and `books-by-author:<authorID>` of the book's author, and, if the
    /// book has reviews (only then can it be in a top-rated list, whose ``BookRating/book``
    /// carries the price), bumps the top-rated generation. Nothing else is invalidated.
    /// Django counterpart: `Book.objects.filter(pk=id).update(price_cents=...)` followed by
    /// `cache.delete(...)`.
    ///
    /// - Throws: ``BookstoreError/negativePrice(_:)`` (checked before touching the database) or
    ///   ``BookstoreError/bookNotFound(_:)``; either way nothing has changed. A database error
    ///   is rethrown after the transaction has rolled back, and the cache is left as it was.
    public func updatePrice(bookID: Int64, priceCents: Int) throws {
        guard priceCents >= 0 else { throw BookstoreError.negativePrice(priceCents) }
        let (authorID, hasReviews) = try database.inTransaction { () throws -> (Int64, Bool) in
            let found = try database.queryFirst(SQL.bookForUpdate, [.integer(bookID)]) { row in
                (try row.int64(0), try row.int(1) != 0)
            }
            guard let found else { throw BookstoreError.bookNotFound(bookID) }
            try database.execute(SQL.updatePrice, [.integer(Int64(priceCents)), .integer(bookID)])
            return found
        }
        cache.delete(CacheKeys.book(bookID))
        cache.delete(CacheKeys.booksByAuthor(authorID))
        if hasReviews {
            invalidateTopRated()
        }
    }

    /// Adds a review to a book, then invalidates the top-rated lists.
    ///
    /// Runs in one transaction (a check that the book exists, then the `INSERT`). Once it has
    /// committed, it bumps the top-rated generation, since averages and counts changed. The
    /// cached `book:<id>` stays: a ``Book`` holds no review data, so it is still right.
    ///
    /// - Parameters:
    ///   - bookID: the reviewed book, which must exist.
    ///   - rating: from 1 to 5.
    ///   - body: the review text; may be empty.
    /// - Returns: the new review's row id.
    /// - Throws: ``BookstoreError/invalidRating(_:)`` (checked before touching the database)
    ///   or ``BookstoreError/bookNotFound(_:)``; either way nothing has changed. A database
    ///   error is rethrown after the transaction has rolled back, and the cache is left as it was.
    @discardableResult
    public func addReview(bookID: Int64, rating: Int, body: String) throws -> Int64 {
        guard (1...5).contains(rating) else { throw BookstoreError.invalidRating(rating) }
        let reviewID = try database.inTransaction { () throws -> Int64 in
            // The schema's REFERENCES is only enforced with PRAGMA foreign_keys = ON; check here.
            let exists = try database.queryFirst(SQL.bookExists, [.integer(bookID)]) { _ in true } ?? false
            guard exists else { throw BookstoreError.bookNotFound(bookID) }
            // RETURNING rather than lastInsertRowID: right even if another thread inserts meanwhile.
            let arguments: [SQLiteValue] = [.integer(bookID), .integer(Int64(rating)), .text(body)]
            let id = try database.queryFirst(SQL.insertReview, arguments) { row in try row.int64(0) }
            return id ?? database.lastInsertRowID  // RETURNING always yields the row; never nil
        }
        invalidateTopRated()
        return reviewID
    }
}
