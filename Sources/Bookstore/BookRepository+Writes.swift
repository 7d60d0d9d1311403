import SQLiteStore

extension BookRepository {
    // MARK: - Writes

    /// Sets a book's price; once committed, the cached reads of `books` are invalid.
    ///
    /// Runs in one transaction (a check that the book exists, then the `UPDATE`). The invalidation
    /// is ``queries``' own: every cached read of the `books` table (books, author lists, top-rated
    /// lists, whose ``BookRating/book`` carries the price) runs its query again; authors stay.
    /// Django counterpart: `Book.objects.filter(pk=id).update(price_cents=...)`.
    ///
    /// - Throws: ``BookstoreError/negativePrice(_:)`` (checked before touching the database) or
    ///   ``BookstoreError/bookNotFound(_:)``; either way nothing has changed. A database error
    ///   is rethrown after the transaction has rolled back, and the cache is left as it was.
    public func updatePrice(bookID: Int64, priceCents: Int) throws {
        guard priceCents >= 0 else { throw BookstoreError.negativePrice(priceCents) }
        try database.inTransaction {
            let exists = try database.queryFirst(SQL.bookExists, [.integer(bookID)]) { _ in true } ?? false
            guard exists else { throw BookstoreError.bookNotFound(bookID) }
            try database.execute(SQL.updatePrice, [.integer(Int64(priceCents)), .integer(bookID)])
        }
    }

    /// Adds a review to a book; once committed, the top-rated lists (which read `reviews`) are invalid.
    ///
    /// Runs in one transaction (a check that the book exists, then the `INSERT`). Cached books
    /// and author lists stay: they do not read `reviews`.
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
        return try uncached.insertReview(bookID: bookID, rating: rating, body: body)
    }
}
