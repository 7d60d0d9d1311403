@testable import LocMemCLI
import Testing

/// The pieces of output that do not need a process: units, prices, colour decisions, arguments.
@Suite struct FormattingTests {
    @Test(arguments: [
        (Duration.nanoseconds(850), "850 ns"),
        (.nanoseconds(4_240), "4.2 µs"),
        (.microseconds(212), "212 µs"),
        (.microseconds(1_350), "1.35 ms"),
        (.milliseconds(42), "42 ms"),
        (.milliseconds(2_100), "2.10 s"),
    ])
    func durationsUseAReadableUnit(duration: Duration, expected: String) {
        #expect(Formatting.duration(duration) == expected)
    }

    @Test func pricesAreDollarsAndCents() {
        #expect(Formatting.price(cents: 5099) == "$50.99")
        #expect(Formatting.price(cents: 5) == "$0.05")
        #expect(Formatting.price(cents: 0) == "$0.00")
    }

    @Test func secondsDropTrailingZeros() {
        #expect(Formatting.seconds(1) == "1 s")
        #expect(Formatting.seconds(0.2 + 0.1) == "0.3 s")
        #expect(Formatting.seconds(1.25) == "1.25 s")
    }

    @Test func colourOnlyOnATerminalWithoutOptOuts() {
        #expect(Terminal(noColor: false, environment: [:], isTerminal: true).usesColor)
        #expect(!Terminal(noColor: false, environment: [:], isTerminal: false).usesColor)
        #expect(!Terminal(noColor: true, environment: [:], isTerminal: true).usesColor)
        #expect(!Terminal(noColor: false, environment: ["NO_COLOR": "1"], isTerminal: true).usesColor)
        // Set at all, even empty, turns colour off.
        #expect(!Terminal(noColor: false, environment: ["NO_COLOR": ""], isTerminal: true).usesColor)
        let plain = Terminal(noColor: true, environment: [:], isTerminal: false)
        #expect(plain.paint("cache", .green) == "cache")
    }

    @Test func tableCellsArePaddedBeforeTheyAreColoured() {
        let terminal = Terminal(noColor: false, environment: [:], isTerminal: true)
        let table = Table(
            columns: [
                .init(title: "a", width: 5),
                .init(title: "b", width: 3, alignment: .right),
                .init(title: "c", width: 4),
            ],
            terminal: terminal
        )
        let line = table.line([Table.Cell("x", .green), "7", "toolong"])
        #expect(line == "  \u{1B}[32mx\u{1B}[0m        7  too…")
    }

    @Test func negativeIdsMoveBehindTheTerminatorButOptionValuesStay() {
        #expect(NegativeNumberArguments.rearranged(["book", "-5"]) == ["book", "--", "-5"])
        #expect(
            NegativeNumberArguments.rearranged(["book", "-5", "--repeat", "2"])
                == ["book", "--repeat", "2", "--", "-5"]
        )
        let optionValue = ["book", "1", "--timeout", "-1"]
        #expect(NegativeNumberArguments.rearranged(optionValue) == optionValue)
        #expect(NegativeNumberArguments.rearranged(["book", "--json", "-3"]) == ["book", "--json", "--", "-3"])
        #expect(NegativeNumberArguments.rearranged(["book", "--", "-5"]) == ["book", "--", "-5"])
        #expect(NegativeNumberArguments.rearranged(["book", "-h"]) == ["book", "-h"])
    }
}
