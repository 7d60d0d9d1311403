/// Number formatting for the report's table, independent of the locale.
enum Format {
    /// `87 ns`, `1.23 µs`, `12.3 µs`, `4.56 ms`, `1.20 s`: three significant digits.
    static func latency(_ nanoseconds: Double) -> String {
        if nanoseconds < 1_000 { return "\(significant(nanoseconds)) ns" }
        if nanoseconds < 1_000_000 { return "\(significant(nanoseconds / 1_000)) µs" }
        if nanoseconds < 1_000_000_000 { return "\(significant(nanoseconds / 1_000_000)) ms" }
        return "\(significant(nanoseconds / 1_000_000_000)) s"
    }

    /// Operations per second with thousands separators: `9,812,345`.
    static func rate(_ value: Double) -> String {
        count(Int(value.rounded()))
    }

    /// `1,000,000`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A ratio: `3.1x`, `27x`, `1,234x`.
    static func ratio(_ value: Double) -> String {
        if value >= 100 { return count(Int(value.rounded())) + "x" }
        return significant(value) + "x"
    }

    /// `97%`.
    static func percent(_ fraction: Double) -> String {
        "\(Int((fraction * 100).rounded()))%"
    }

    /// `84 B`, `1.5 KiB`, `23.5 GiB`.
    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = value
        var unit = 0
        while value.magnitude >= 1_024, unit < units.count - 1 {
            value /= 1_024
            unit += 1
        }
        return unit == 0 ? "\(Int(value.rounded())) B" : "\(fixed(value, decimals: 1)) \(units[unit])"
    }

    /// Three significant digits, no exponent, for values from 0.001 to 999,999.
    static func significant(_ value: Double) -> String {
        let magnitude = value.magnitude
        if magnitude >= 100 || magnitude == 0 { return fixed(value, decimals: 0) }
        if magnitude >= 10 { return fixed(value, decimals: 1) }
        if magnitude >= 1 { return fixed(value, decimals: 2) }
        return fixed(value, decimals: 3)
    }

    /// `value` rounded to `decimals` decimals, written out.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value.magnitude * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = scaled % Int(scale)
        var text = String(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return value < 0 && scaled != 0 ? "-" + text : text
    }

    /// `text` padded with spaces to `width` characters, on the left (`right: true`) or the right.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: Swift.max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
