/// A book with the aggregate of its reviews, a row of ``BookRepository/topRatedBooks(limit:)``.
public struct BookRating: Sendable, Hashable, Codable {
    public var book: Book
    /// The mean of the book's review ratings, in `1...5`.
    public var averageRating: Double
    /// How many reviews the average is over; at least 1.
    public var reviewCount: Int

    public init(book: Book, averageRating: Double, reviewCount: Int) {
        self.book = book
        self.averageRating = averageRating
        self.reviewCount = reviewCount
    }
}
