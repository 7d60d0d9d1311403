/// A writer of books, a row of the `authors` table.
///
/// A plain value: `Sendable`, so it can be cached in a `LocMemCache` and handed across threads;
/// `Codable`, so it can be serialized (for example, to JSON by the `locmem` CLI).
public struct Author: Sendable, Hashable, Codable, Identifiable {
    /// The row id; fixture ids start at 1.
    public var id: Int64
    /// The display name, which may contain any Unicode letters.
    public var name: String

    public init(id: Int64, name: String) {
        self.id = id
        self.name = name
    }
}
