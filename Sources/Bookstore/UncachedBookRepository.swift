import SQLiteStore

/// The bookstore's reads straight from SQLite, with no cache in front.
///
/// ``BookRepository`` runs exactly these methods when its cache misses, so the two return the
/// same values and comparing them measures the cache alone: both prepare the same statements and
/// decode the same rows. Get one from ``BookRepository/uncached`` or build it from a database.
///
/// - Note: A `Sendable` value; safe to use from any thread, since `Database` is.
public struct UncachedBookRepository: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The book with this id, or `nil` when there is none. One query.
    public func book(id: Int64) throws -> Book? {
        try database.queryFirst(SQL.book, [.integer(id)], map: Book.init(row:))
    }

    /// The author with this id, or `nil` when there is none. One query.
    public func author(id: Int64) throws -> Author? {
        try database.queryFirst(SQL.author, [.integer(id)], map: Author.init(row:))
    }

    /// The author's books ordered by id; empty for an unknown author. One query.
    public func books(byAuthor authorID: Int64) throws -> [Book] {
        try database.query(SQL.booksByAuthor, [.integer(authorID)], map: Book.init(row:))
    }

    /// The `limit` books with the highest average review rating. One query (none for limit 0).
    ///
    /// Ordered by average rating, then review count (both descending), then book id, so ties
    /// have one stable order. Books without reviews are never listed, and there is no minimum
    /// review count: a book with a single 5-star review ranks above one with fifty at 4.9.
    ///
    /// - Throws: ``BookstoreError/invalidLimit(_:)`` when `limit` is negative.
    public func topRatedBooks(limit: Int) throws -> [BookRating] {
        guard limit >= 0 else { throw BookstoreError.invalidLimit(limit) }
        guard limit > 0 else { return [] }
        return try database.query(SQL.topRated, [.integer(Int64(limit))], map: BookRating.init(row:))
    }
}

// MARK: - SQL

/// Every statement the repository runs, in one place.
extension UncachedBookRepository {
    /// The write of `addReview`, shared by both repositories: one transaction that checks the book
    /// exists, then inserts the review. Returns the new review's row id.
    ///
    /// - Throws: ``BookstoreError/bookNotFound(_:)``, or SQLite's error, after the rollback.
    func insertReview(bookID: Int64, rating: Int, body: String) throws -> Int64 {
        try database.inTransaction { () throws -> Int64 in
            // The schema's REFERENCES is only enforced with PRAGMA foreign_keys = ON; check here.
            let exists = try database.queryFirst(SQL.bookExists, [.integer(bookID)]) { _ in true } ?? false
            guard exists else { throw BookstoreError.bookNotFound(bookID) }
            // RETURNING rather than lastInsertRowID: right even if another thread inserts meanwhile.
            let arguments: [SQLiteValue] = [.integer(bookID), .integer(Int64(rating)), .text(body)]
            let id = try database.queryFirst(SQL.insertReview, arguments) { row in try row.int64(0) }
            return id ?? database.lastInsertRowID  // RETURNING always yields the row; never nil
        }
    }
}

enum SQL {
    static let book = """
        SELECT id, title, author_id, price_cents, published_year FROM books WHERE id = ?
        """
    static let author = "SELECT id, name FROM authors WHERE id = ?"
    static let booksByAuthor = """
        SELECT id, title, author_id, price_cents, published_year FROM books WHERE author_id = ? ORDER BY id
        """
    // The aggregate reads only the covering index reviews(book_id, rating), then joins the books.
    static let topRated = """
        SELECT b.id, b.title, b.author_id, b.price_cents, b.published_year, r.average, r.review_count
        FROM (SELECT book_id, AVG(rating) AS average, COUNT(*) AS review_count FROM reviews GROUP BY book_id) AS r
        JOIN books AS b ON b.id = r.book_id
        ORDER BY r.average DESC, r.review_count DESC, b.id ASC
        LIMIT ?
        """

    // Writes.
    /// The book's author and whether it has reviews (then it may be in a top-rated list): what
    /// `CacheAsideBookRepository.updatePrice` must invalidate.
    static let bookForUpdate = """
        SELECT author_id, EXISTS (SELECT 1 FROM reviews WHERE book_id = books.id) FROM books WHERE id = ?
        """
    static let updatePrice = "UPDATE books SET price_cents = ? WHERE id = ?"
    static let bookExists = "SELECT 1 FROM books WHERE id = ?"
    static let insertReview = "INSERT INTO reviews (book_id, rating, body) VALUES (?, ?, ?) RETURNING id"
}

// MARK: - Decoding rows

extension Author {
    /// Decodes `id, name`.
    init(row: Row) throws {
        self.init(id: try row.int64(0), name: try row.string(1))
    }
}

extension Book {
    /// Decodes `id, title, author_id, price_cents, published_year` from the row's first columns.
    init(row: Row) throws {
        self.init(
            id: try row.int64(0),
            title: try row.string(1),
            authorID: try row.int64(2),
            priceCents: try row.int(3),
            publishedYear: try row.int(4)
        )
    }
}

extension BookRating {
    /// Decodes a book's five columns, then `average, review_count`.
    init(row: Row) throws {
        self.init(book: try Book(row: row), averageRating: try row.double(5), reviewCount: try row.int(6))
    }
}
