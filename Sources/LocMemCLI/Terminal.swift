import Foundation

/// Whether the CLI colours what it prints, and the ANSI styles it uses.
///
/// Colour is on only when standard output is a terminal (`isatty(STDOUT_FILENO)`), `--no-color`
/// was not given and `NO_COLOR` is not set at all (<https://no-color.org> asks only that a
/// non-empty value turn colour off; an empty one does too here, the cautious reading). Piped
/// output, as scripts and tests read it, is always plain.
struct Terminal: Sendable {
    /// An ANSI SGR style.
    enum Style: String, Sendable {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    /// Whether ``paint(_:_:)`` adds escape sequences.
    let usesColor: Bool
    /// The terminal's width in columns when stdout is a terminal; `nil` for pipes and files,
    /// whose lines are never cut.
    let columns: Int?

    /// Decides from the flag, the environment and whether stdout is a terminal.
    init(
        noColor: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isTerminal: Bool = isatty(STDOUT_FILENO) == 1
    ) {
        usesColor = isTerminal && !noColor && environment["NO_COLOR"] == nil
        columns = isTerminal ? Terminal.windowColumns() : nil
    }

    /// The width of the terminal on stdout (`TIOCGWINSZ`), if it reports one.
    private static func windowColumns() -> Int? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// `text` in `style`, or `text` unchanged when colour is off or `style` is `nil`.
    func paint(_ text: String, _ style: Style?) -> String {
        guard usesColor, let style, !text.isEmpty else { return text }
        return "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
    }
}
