import Bookstore

/// Books and ratings as aligned listings, printed after the call table.
enum BookListing {
    /// `id  year  price  title`, one book a line; `no books` for none.
    static func lines(for books: [Book], terminal: Terminal) -> [String] {
        guard !books.isEmpty else { return ["  no books"] }
        let table = Table(
            columns: [
                Table.Column(title: "id", width: idWidth(books.map(\.id)), alignment: .right),
                Table.Column(title: "year", width: 4, alignment: .right),
                Table.Column(title: "price", width: priceWidth(books), alignment: .right),
                Table.Column(title: "author", width: 6, alignment: .right),
                Table.Column(title: "title", width: .max),
            ],
            terminal: terminal
        )
        return [table.header] + books.map { book in
            table.line([
                Table.Cell(String(book.id)),
                Table.Cell(String(book.publishedYear)),
                Table.Cell(Formatting.price(cents: book.priceCents)),
                Table.Cell(String(book.authorID)),
                Table.Cell(book.title),
            ])
        }
    }

    /// `rank  rating  reviews  id  price  title`, best first; `no rated books` for none.
    static func lines(for ratings: [BookRating], terminal: Terminal) -> [String] {
        guard !ratings.isEmpty else { return ["  no rated books"] }
        let table = Table(
            columns: [
                Table.Column(title: "#", width: String(ratings.count).count, alignment: .right),
                Table.Column(title: "rating", width: 6, alignment: .right),
                Table.Column(title: "reviews", width: 7, alignment: .right),
                Table.Column(title: "id", width: idWidth(ratings.map(\.book.id)), alignment: .right),
                Table.Column(title: "price", width: priceWidth(ratings.map(\.book)), alignment: .right),
                Table.Column(title: "title", width: .max),
            ],
            terminal: terminal
        )
        return [table.header] + ratings.enumerated().map { rank, rating in
            table.line([
                Table.Cell(String(rank + 1)),
                Table.Cell(Formatting.rating(rating.averageRating)),
                Table.Cell(String(rating.reviewCount)),
                Table.Cell(String(rating.book.id)),
                Table.Cell(Formatting.price(cents: rating.book.priceCents)),
                Table.Cell(rating.book.title),
            ])
        }
    }

    private static func idWidth(_ ids: [Int64]) -> Int {
        max(2, ids.map { String($0).count }.max() ?? 0)
    }

    private static func priceWidth(_ books: [Book]) -> Int {
        max(5, books.map { Formatting.price(cents: $0.priceCents).count }.max() ?? 0)
    }
}
