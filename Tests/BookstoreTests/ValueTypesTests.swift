import Bookstore
import Foundation
import Testing

@Suite struct ValueTypesTests {
    @Test func valuesRoundTripThroughJSON() throws {
        let book = Book(
            id: 42, title: "The Cartographer's Daughter", authorID: 3, priceCents: 1_299, publishedYear: 2022
        )
        let rating = BookRating(book: book, averageRating: 4.25, reviewCount: 8)
        let author = Author(id: 3, name: "Zoë Dvořák")
        #expect(try JSONDecoder().decode(BookRating.self, from: JSONEncoder().encode(rating)) == rating)
        #expect(try JSONDecoder().decode(Author.self, from: JSONEncoder().encode(author)) == author)
        let json = try #require(String(data: JSONEncoder().encode(book), encoding: .utf8))
        #expect(json.contains("\"authorID\":3"))
    }

    @Test func errorsSayWhatWasWrong() {
        #expect(BookstoreError.invalidRating(6).description.contains("6"))
        #expect(BookstoreError.negativePrice(-5).description.contains("-5"))
        #expect(BookstoreError.bookNotFound(77).description.contains("77"))
        #expect(BookstoreError.invalidLimit(-2).description.contains("-2"))
    }
}
