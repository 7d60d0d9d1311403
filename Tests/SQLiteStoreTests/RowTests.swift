import SQLiteStore
import Testing

@Suite struct RowTests {
    /// One row: id INTEGER, title TEXT, price NULL, rating REAL, cover BLOB.
    static let sql = "SELECT 1 AS id, 'Dune' AS title, NULL AS price, 4.5 AS rating, x'00ff' AS cover"

    func firstRow<T>(_ map: (Row) throws -> T) throws -> T? {
        try Database.inMemory().queryFirst(Self.sql, [], map: map)
    }

    @Test func readingTextAsIntegerNamesTheColumnAndTypes() throws {
        let error = #expect(throws: SQLiteError.self) { try firstRow { try $0.int(1) } }
        #expect(error?.code == 20)
        #expect(error?.message == "column 1 ('title') holds TEXT, not INTEGER")
        #expect(error?.sql == Self.sql)
    }

    @Test func readingNullAsAValueSaysNull() throws {
        let error = #expect(throws: SQLiteError.self) { try firstRow { try $0.double("price") } }
        #expect(error?.code == 20)
        #expect(error?.message == "column 2 ('price') is NULL, not REAL")
    }

    @Test func everyAccessorRefusesTheWrongType() throws {
        let errors: [SQLiteError?] = try #require(firstRow { row in
            [
                #expect(throws: SQLiteError.self) { try row.int64(3) },
                #expect(throws: SQLiteError.self) { try row.string(0) },
                #expect(throws: SQLiteError.self) { try row.blob(1) },
                #expect(throws: SQLiteError.self) { try row.double(4) },
                #expect(throws: SQLiteError.self) { try row.string("cover") },
            ]
        })
        #expect(errors.map { $0?.code } == [20, 20, 20, 20, 20])
    }

    @Test func indexOutOfRangeIsARangeError() throws {
        for index in [5, -1] {
            let error = #expect(throws: SQLiteError.self) { try firstRow { try $0.string(index) } }
            #expect(error?.code == 25)
            #expect(error?.message == "column index \(index) out of range (the result has 5 column(s))")
        }
        #expect(try firstRow { $0.isNull(99) } == true)
        #expect(try firstRow { $0.value(-3) } == .null)
    }

    @Test func unknownColumnNameIsNamedInTheError() throws {
        let error = #expect(throws: SQLiteError.self) { try firstRow { try $0.string("titel") } }
        #expect(error?.code == 1)
        #expect(error?.message
            == "no column named 'titel' in the result (columns: 'id', 'title', 'price', 'rating', 'cover')")
        #expect(error?.sql == Self.sql)
    }

    @Test func namesMatchCaseInsensitivelyAndTheLeftmostWins() throws {
        let db = try Database.inMemory()
        let values = try db.queryFirst("SELECT 1 AS a, 2 AS A, 3 AS b") { row in
            (try row.int("a"), try row.int("A"), try row.int("B"))
        }
        #expect(values?.0 == 1)
        #expect(values?.1 == 2)
        #expect(values?.2 == 3)
    }

    @Test func shapeIsReported() throws {
        let shape = try firstRow { ($0.columnCount, $0.columnNames) }
        #expect(shape?.0 == 5)
        #expect(shape?.1 == ["id", "title", "price", "rating", "cover"])
    }

    @Test func valueReadsAnyType() throws {
        let values = try firstRow { row in (0..<row.columnCount).map { row.value($0) } }
        #expect(values == [.integer(1), .text("Dune"), .null, .real(4.5), .blob([0, 255])])
    }

    @Test func rowUsedAfterItsClosureThrowsInsteadOfReadingStaleData() throws {
        let db = try Database.inMemory()
        let escaped = try db.queryFirst("SELECT 'first'") { $0 }
        let row = try #require(escaped)
        let error = #expect(throws: SQLiteError.self) { try row.string(0) }
        #expect(error?.code == 21)
        #expect(error?.message == "row used outside the map closure of its query")
        #expect(row.columnCount == 0)
        #expect(row.value(0) == .null)
        // Running the same statement again does not revive the old row.
        _ = try db.query("SELECT 'first'") { try $0.string(0) }
        #expect(throws: SQLiteError.self) { try row.string(0) }
    }

    @Test func rowOfAClosedDatabaseThrows() throws {
        var db: Database? = try Database.inMemory()
        let row = try #require(try db?.queryFirst("SELECT 1") { $0 })
        db = nil
        #expect(db == nil)
        #expect(throws: SQLiteError.self) { try row.int(0) }
    }
}
