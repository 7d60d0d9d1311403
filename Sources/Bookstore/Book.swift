/// A book for sale, a row of the `books` table.
///
/// It holds no review data: ratings live in ``BookRating``, which is why adding a review leaves
/// a cached `Book` valid.
public struct Book: Sendable, Hashable, Codable, Identifiable {
    /// The row id; fixture ids start at 1.
    public var id: Int64
    public var title: String
    /// The ``Author/id`` of the book's author.
    public var authorID: Int64
    /// The price in cents, never negative (a `CHECK` constraint of the schema).
    public var priceCents: Int
    public var publishedYear: Int

    public init(id: Int64, title: String, authorID: Int64, priceCents: Int, publishedYear: Int) {
        self.id = id
        self.title = title
        self.authorID = authorID
        self.priceCents = priceCents
        self.publishedYear = publishedYear
    }
}
