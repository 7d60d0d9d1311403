/// Rows printed with aligned columns, one line at a time.
///
/// The widths are fixed when the table is made, so a row can be printed as soon as its call has
/// run (the demo waits between rows) and still line up with the rows before it. Cells are padded
/// before they are coloured, so escape sequences never disturb the alignment. The last column is
/// never padded; cells wider than their column are cut with `…`.
struct Table {
    /// Which side of its column a cell sits on.
    enum Alignment {
        case left
        case right
    }

    /// A column's title, width (in characters) and alignment.
    struct Column {
        var title: String
        var width: Int
        var alignment: Alignment = .left
    }

    /// One cell: its text and an optional style.
    struct Cell: ExpressibleByStringLiteral {
        var text: String
        var style: Terminal.Style?

        init(_ text: String, _ style: Terminal.Style? = nil) {
            self.text = text
            self.style = style
        }

        init(stringLiteral value: String) {
            self.init(value)
        }
    }

    var columns: [Column]
    var terminal: Terminal
    /// Printed before every line.
    var indent = "  "
    /// Spaces between columns.
    var gap = 2

    /// The title line, dimmed.
    var header: String {
        line(columns.map { Cell($0.title, .dim) })
    }

    /// One row; `cells` lines up with ``columns`` (missing cells are blank).
    func line(_ cells: [Cell]) -> String {
        var parts: [String] = []
        for (index, column) in columns.enumerated() {
            let cell = index < cells.count ? cells[index] : Cell("")
            let isLast = index == columns.count - 1
            let text = Table.fit(cell.text, width: column.width)
            let padding = String(repeating: " ", count: isLast ? 0 : max(0, column.width - text.count))
            let padded: String
            switch column.alignment {
            case .left:
                padded = terminal.paint(text, cell.style) + padding
            case .right:
                padded = padding + terminal.paint(text, cell.style)
            }
            parts.append(padded)
        }
        let joined = parts.joined(separator: String(repeating: " ", count: gap))
        return indent + String(joined.reversed().drop(while: { $0 == " " }).reversed())
    }

    /// `text` cut to `width` characters, ending in `…` when it was longer.
    static func fit(_ text: String, width: Int) -> String {
        guard text.count > width, width > 0 else { return text }
        return String(text.prefix(width - 1)) + "…"
    }
}
