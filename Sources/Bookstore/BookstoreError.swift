/// Why a ``BookRepository`` call refused its input.
///
/// Thrown before anything is written: a call that throws one of these has changed neither the
/// database nor the cache. Database failures are thrown as they come (`SQLiteError`), after the
/// transaction has been rolled back.
public enum BookstoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A review rating outside `1...5`.
    case invalidRating(Int)
    /// A price below zero cents.
    case negativePrice(Int)
    /// A write named a book id that is not in the `books` table.
    case bookNotFound(Int64)
    /// A negative `limit` for ``BookRepository/topRatedBooks(limit:)``.
    case invalidLimit(Int)

    public var description: String {
        switch self {
        case .invalidRating(let rating):
            "invalid rating \(rating): a rating must be between 1 and 5"
        case .negativePrice(let priceCents):
            "invalid price \(priceCents) cents: a price cannot be negative"
        case .bookNotFound(let id):
            "no book with id \(id)"
        case .invalidLimit(let limit):
            "invalid limit \(limit): a limit cannot be negative"
        }
    }
}
