/// Images as characters, for the text terminal (gnuplot's dumb terminal draws none).
/// Brighter pixels get denser characters, which reads right on the usual dark terminal.
enum TextImage {
    static let ramp = Array(" .:-=+*#%@")

    static func render(_ grid: ImageGrid, title: String?, columns: Int, rows: Int) -> String {
        var out: [String] = []
        if let title { out.append(centred(title, width: columns)) }
        let hasLabels = grid.panels.contains { $0.label != nil }
        let gap = 2
        let cellWidthChars = max((columns - gap * (grid.cols - 1)) / grid.cols, 1)
        let panelWidth = Double(grid.panels.map(\.width).max() ?? 1)
        let panelHeight = Double(grid.panels.map(\.height).max() ?? 1)
        // A character cell is about twice as tall as it is wide.
        var cellHeightChars = max(Int((Double(cellWidthChars) * panelHeight / panelWidth / 2).rounded()), 1)
        var cellWidth = cellWidthChars
        let available = rows - out.count - grid.rows * (hasLabels ? 1 : 0) - (grid.rows - 1)
        if grid.rows * cellHeightChars > available, available >= grid.rows {
            cellHeightChars = max(available / grid.rows, 1)
            cellWidth = min(cellWidthChars, max(Int((Double(cellHeightChars) * 2 * panelWidth / panelHeight).rounded()), 1))
        }
        for row in 0..<grid.rows {
            let panels = Array(grid.panels[(row * grid.cols)..<min((row + 1) * grid.cols, grid.panels.count)])
            if row > 0 { out.append("") }
            if hasLabels {
                out.append(panels.map { pad(String(($0.label ?? "").prefix(cellWidth)), width: cellWidth) }
                    .joined(separator: String(repeating: " ", count: gap)))
            }
            let pictures = panels.map { shade($0, columns: cellWidth, rows: cellHeightChars) }
            for line in 0..<cellHeightChars {
                out.append(pictures.map { $0[line] }.joined(separator: String(repeating: " ", count: gap)))
            }
        }
        return out.map { trimTrailing($0) }.joined(separator: "\n") + "\n"
    }

    /// `rows` lines of `columns` characters, each the mean luminance of its pixel block.
    static func shade(_ panel: ImagePanel, columns: Int, rows: Int) -> [String] {
        (0..<rows).map { r in
            let y0 = r * panel.height / rows
            let y1 = max((r + 1) * panel.height / rows, y0 + 1)
            return String((0..<columns).map { c -> Character in
                let x0 = c * panel.width / columns
                let x1 = max((c + 1) * panel.width / columns, x0 + 1)
                var total = 0.0
                var count = 0
                for y in y0..<min(y1, panel.height) {
                    for x in x0..<min(x1, panel.width) {
                        let o = (y * panel.width + x) * 3
                        total += 0.299 * panel.rgb[o] + 0.587 * panel.rgb[o + 1] + 0.114 * panel.rgb[o + 2]
                        count += 1
                    }
                }
                let level = count > 0 ? total / Double(count) : 0
                return ramp[min(Int(level * Double(ramp.count)), ramp.count - 1)]
            })
        }
    }

    private static func pad(_ text: String, width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func centred(_ text: String, width: Int) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        let left = max((width - line.count) / 2, 0)
        return String(repeating: " ", count: left) + line
    }

    private static func trimTrailing(_ line: String) -> String {
        var s = Substring(line)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
