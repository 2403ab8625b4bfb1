/// A table to show: a header, rows of text cells and an optional note. One value, three forms:
/// aligned text at the prompt, a Markdown table in `.md` reports, an HTML table in `.html` ones.
public struct Table: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, right }

    public var header: [String]
    public var rows: [[String]]
    /// Per column; columns past the end are left-aligned.
    public var alignments: [Alignment]
    /// A sentence under the table (what the cells mean).
    public var note: String?

    public init(header: [String], rows: [[String]], alignments: [Alignment] = [], note: String? = nil) {
        self.header = header
        self.rows = rows
        self.alignments = alignments
        self.note = note
    }

    /// Names in the first column, numbers right-aligned in the others: how results read.
    public static func numeric(header: [String], rows: [[String]], note: String? = nil) -> Table {
        Table(header: header, rows: rows, alignments: header.indices.map { $0 == 0 ? .left : .right }, note: note)
    }

    var columnCount: Int { max(header.count, rows.map(\.count).max() ?? 0) }

    func alignment(_ column: Int) -> Alignment { column < alignments.count ? alignments[column] : .left }

    func cell(_ row: [String], _ column: Int) -> String {
        column < row.count ? Self.oneLine(row[column]) : ""
    }

    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
    }

    // MARK: Text

    /// Columns padded to their widest cell, two spaces apart, a rule under the header. A header
    /// wider than its column's values wraps at spaces (bottom-aligned), so long task names do
    /// not stretch a column of short numbers.
    public var text: String {
        let n = columnCount
        guard n > 0 else { return note ?? "" }
        var widths = (0..<n).map { c in rows.map { cell($0, c).count }.max() ?? 0 }
        let headerLines: [[String]] = (0..<n).map { c in
            let title = c < header.count ? Self.oneLine(header[c]) : ""
            return Caption.wrap(title, width: max(widths[c], 8), breakingWords: false)
        }
        for c in 0..<n { widths[c] = max(widths[c], headerLines[c].map(\.count).max() ?? 0) }
        let height = headerLines.map(\.count).max() ?? 1
        func line(_ cells: [String]) -> String {
            var s = cells.enumerated().map { c, text in
                Self.pad(text, width: widths[c], alignment: alignment(c))
            }.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        var out: [String] = []
        for k in 0..<height {
            // Bottom-aligned: a one-line title sits on the header's last line.
            out.append(line((0..<n).map { c in
                let lines = headerLines[c]
                let index = k - (height - lines.count)
                return index >= 0 ? lines[index] : ""
            }))
        }
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { out.append(line((0..<n).map { cell(row, $0) })) }
        if let note { out.append(""); out.append(note) }
        return out.joined(separator: "\n")
    }

    static func pad(_ text: String, width: Int, alignment: Alignment) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .right ? fill + text : text + fill
    }

    // MARK: Markdown

    /// A GitHub-flavoured Markdown table; the note follows as a paragraph.
    public var markdown: String {
        let n = columnCount
        guard n > 0 else { return (note ?? "") + "\n" }
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        func row(_ cells: [String]) -> String { "| " + cells.map(escape).joined(separator: " | ") + " |" }
        var lines = [row((0..<n).map { cell(header, $0) })]
        lines.append("|" + (0..<n).map { alignment($0) == .right ? " ---: " : " --- " }.joined(separator: "|") + "|")
        for r in rows { lines.append(row((0..<n).map { cell(r, $0) })) }
        var out = lines.joined(separator: "\n") + "\n"
        if let note { out += "\n" + Self.oneLine(note) + "\n" }
        return out
    }

    // MARK: HTML

    /// A `<table>` with a header row; right-aligned columns say so in a style attribute, so the
    /// table reads the same without the report's stylesheet.
    public var html: String {
        let n = columnCount
        func attributes(_ c: Int) -> String { alignment(c) == .right ? " style=\"text-align: right\"" : "" }
        var out = ["<table>", "<thead>", "<tr>" + (0..<n).map { "<th\(attributes($0))>\(Report.escape(cell(header, $0)))</th>" }.joined() + "</tr>",
                   "</thead>", "<tbody>"]
        for r in rows {
            out.append("<tr>" + (0..<n).map { "<td\(attributes($0))>\(Report.escape(cell(r, $0)))</td>" }.joined() + "</tr>")
        }
        out += ["</tbody>", "</table>"]
        if let note { out.append("<p class=\"note\">\(Report.escape(note))</p>") }
        return out.joined(separator: "\n")
    }
}
