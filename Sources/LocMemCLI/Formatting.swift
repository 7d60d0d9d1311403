import Bookstore
import Foundation
import LocMem

/// How the CLI writes durations, prices, books and cache statistics for people to read.
enum Formatting {
    /// `850 ns`, `4.2 µs`, `212 µs`, `1.35 ms`, `2.10 s`: three significant figures at most.
    static func duration(_ duration: Duration) -> String {
        let nanoseconds = Double(duration.components.seconds) * 1e9
            + Double(duration.components.attoseconds) / 1e9
        switch nanoseconds {
        case ..<1_000:
            return "\(Int(nanoseconds.rounded())) ns"
        case ..<10_000:
            return String(format: "%.1f µs", nanoseconds / 1e3)
        case ..<1_000_000:
            return String(format: "%.0f µs", nanoseconds / 1e3)
        case ..<10_000_000:
            return String(format: "%.2f ms", nanoseconds / 1e6)
        case ..<1_000_000_000:
            return String(format: "%.0f ms", nanoseconds / 1e6)
        default:
            return String(format: "%.2f s", nanoseconds / 1e9)
        }
    }

    /// Seconds to at most three decimals, without trailing zeros: `1 s`, `0.25 s`, `1.1 s`.
    static func seconds(_ seconds: Double) -> String {
        guard abs(seconds) < 1e9 else { return "\(seconds) s" }   // 1e+300 s, not 300 digits
        var text = String(format: "%.3f", seconds)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + " s"
    }

    /// Cents as dollars: `$12.34`.
    static func price(cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(sign)$\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// A count with its noun: `1 book`, `12 books`.
    static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }

    /// `$12.34 "Dune" (1965), author 3`: the price first, so a narrow terminal never cuts it off.
    static func summary(of book: Book) -> String {
        "\(price(cents: book.priceCents)) \"\(book.title)\" (\(book.publishedYear)), author \(book.authorID)"
    }

    /// `no such book`, or the book's summary.
    static func summary(of book: Book?) -> String {
        book.map { summary(of: $0) } ?? "no such book"
    }

    /// `27 books, first $12.34 "Dune"`: the count, and the first book with its price.
    static func summary(of books: [Book]) -> String {
        guard let first = books.first else { return "no books" }
        return "\(count(books.count, "book")), first \(price(cents: first.priceCents)) \"\(first.title)\""
    }

    /// `3 books, best "Dune" 4.83 (12 reviews)`
    static func summary(of ratings: [BookRating]) -> String {
        guard let best = ratings.first else { return "no rated books" }
        return "\(count(ratings.count, "book")), best \"\(best.book.title)\" "
            + "\(rating(best.averageRating)) (\(count(best.reviewCount, "review")))"
    }

    /// An average rating with two decimals: `4.83`.
    static func rating(_ value: Double) -> String {
        String(format: "%.2f", value)
    }

    /// `9 hits, 6 misses (60% hit rate), 6 sets, 0 culled, 1 expired`
    static func summary(of statistics: CacheStatistics) -> String {
        let rate = Int((statistics.hitRate * 100).rounded())
        return "\(count(statistics.hits, "hit")), \(count(statistics.misses, "miss", "misses")) "
            + "(\(rate)% hit rate), \(count(statistics.sets, "set")), \(statistics.culled) culled, "
            + "\(statistics.expired) expired"
    }
}
