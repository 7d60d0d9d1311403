import Testing

@testable import LocMemBenchmarks

@Suite struct FormatTests {
    @Test func latencyPicksTheUnitAndKeepsThreeSignificantDigits() {
        #expect(Format.latency(87.4) == "87.4 ns")
        #expect(Format.latency(117) == "117 ns")
        #expect(Format.latency(1_234) == "1.23 µs")
        #expect(Format.latency(12_340) == "12.3 µs")
        #expect(Format.latency(4_560_000) == "4.56 ms")
        #expect(Format.latency(1_200_000_000) == "1.20 s")
    }

    @Test func countsHaveThousandsSeparators() {
        #expect(Format.count(0) == "0")
        #expect(Format.count(999) == "999")
        #expect(Format.count(1_000) == "1,000")
        #expect(Format.count(1_000_000) == "1,000,000")
        #expect(Format.count(-12_345) == "-12,345")
        #expect(Format.rate(9_812_345.4) == "9,812,345")
    }

    @Test func ratios() {
        #expect(Format.ratio(3.123) == "3.12x")
        #expect(Format.ratio(27.46) == "27.5x")
        #expect(Format.ratio(1_234.4) == "1,234x")
        #expect(Format.ratio(0.281) == "0.281x")
    }

    @Test func bytesAndPercentages() {
        #expect(Format.bytes(84) == "84 B")
        #expect(Format.bytes(1_536) == "1.5 KiB")
        #expect(Format.bytes(99 * 1_048_576) == "99.0 MiB")
        #expect(Format.percent(0.974) == "97%")
    }

    @Test func paddingAlignsByCharactersNotBytes() {
        #expect(Format.pad("1.23 µs", 9, right: true) == "  1.23 µs")
        #expect(Format.pad("get hit", 9) == "get hit  ")
        #expect(Format.pad("too long", 3) == "too long")
    }
}
