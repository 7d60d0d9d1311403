import SQLiteStore
import Testing

@Suite struct SQLiteValueTests {
    static let samples: [SQLiteValue] = [
        .integer(0), .integer(-1), .integer(42), .integer(.max), .integer(.min),
        .real(0), .real(-1.5), .real(3.141592653589793), .real(.greatestFiniteMagnitude),
        .real(.leastNonzeroMagnitude), .real(.infinity), .real(-.infinity),
        .text(""), .text("hello"), .text("héllo wörld"), .text("日本語 🎉👩‍👩‍👧"), .text("a\u{0}b"),
        .text("it's \"quoted\""), .text(String(repeating: "x", count: 100_000)),
        .blob([]), .blob([0]), .blob([0, 255, 0, 1]), .blob(Array(repeating: 0xAB, count: 70_000)),
        .null,
    ]

    @Test(arguments: Storage.allCases)
    func everyValueRoundTripsWithItsStorageClass(storage: Storage) throws {
        try withDatabase(storage) { db in
            // No declared type: no affinity, so every value keeps its storage class.
            try db.execute("CREATE TABLE t(v)")
            for value in Self.samples {
                try db.execute("INSERT INTO t(v) VALUES (?)", [value])
            }
            let stored = try db.query("SELECT v, typeof(v) FROM t ORDER BY rowid") { row in
                (row.value(0), try row.string(1))
            }
            #expect(stored.map(\.0) == Self.samples)
            #expect(stored.map { $0.1.uppercased() } == Self.samples.map(\.storageClassName))
        }
    }

    @Test(arguments: Storage.allCases)
    func typedAccessorsReadWhatWasBound(storage: Storage) throws {
        try withDatabase(storage) { db in
            try db.execute("CREATE TABLE t(i, r, s, b, n)")
            let text = "Ünïcödé ✓ 🎉 with\u{0}nul"
            let bytes: [UInt8] = [0, 1, 2, 254, 255]
            try db.execute(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(Int64.min), 2.5, .text(text), .blob(bytes), nil])
            let row = try db.queryFirst("SELECT i, r, s, b, n FROM t") { row in
                (try row.int64(0), try row.int("i"), try row.double(1), try row.string(2), try row.blob(3),
                 row.isNull(4), row.isNull(0), try row.isNull("n"))
            }
            let values = try #require(row)
            #expect(values.0 == Int64.min)
            #expect(values.1 == Int(Int64.min))
            #expect(values.2 == 2.5)
            #expect(values.3 == text)
            #expect(values.4 == bytes)
            #expect(values.5 == true)
            #expect(values.6 == false)
            #expect(values.7 == true)
        }
    }

    @Test func doubleAcceptsIntegers() throws {
        let db = try Database.inMemory()
        let value = try db.queryFirst("SELECT 7") { try $0.double(0) }
        #expect(value == 7.0)
    }

    @Test func emptyBlobAndEmptyTextAreNotNull() throws {
        let db = try Database.inMemory()
        let row = try db.queryFirst("SELECT ?, ?, typeof(?), typeof(?)", [.blob([]), .text(""), .blob([]), .text("")]) {
            (try $0.blob(0), try $0.string(1), try $0.string(2), try $0.string(3))
        }
        let values = try #require(row)
        #expect(values.0 == [])
        #expect(values.1 == "")
        #expect(values.2 == "blob")
        #expect(values.3 == "text")
    }

    @Test func literalsBuildTheMatchingCase() {
        let values: [SQLiteValue] = [1, 1.5, "one", true, false, nil]
        #expect(values == [.integer(1), .real(1.5), .text("one"), .integer(1), .integer(0), .null])
    }

    @Test func descriptionReadsAsSQL() {
        #expect(SQLiteValue.integer(-3).description == "-3")
        #expect(SQLiteValue.text("it's").description == "'it''s'")
        #expect(SQLiteValue.blob([0, 0xFF]).description == "x'00ff'")
        #expect(SQLiteValue.null.description == "NULL")
    }
}
