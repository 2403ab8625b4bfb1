/// Images as characters, for the terminal (gnuplot's dumb terminal draws none). In colour each
/// character shows two pixels: the upper half block ▀ in the top pixel's colour on the bottom
/// pixel's. Without colour, brighter pixels get denser characters, which reads right on the
/// usual dark terminal but loses hue: a green circle on grey can vanish.
enum TextImage {
    static let ramp = Array(" .:-=+*#%@")
    static let reset = "\u{1B}[0m"
    static let upperHalf = "\u{2580}"
    /// Captions above each picture wrap to at most this many lines.
    static let captionLines = 2

    static func render(_ grid: ImageGrid, title: String?, columns: Int, rows: Int, colours: TerminalColours = .none) -> String {
        var out: [String] = []
        if let title { out += Caption.wrap(title, width: columns).map { centred($0, width: columns) } }
        let gap = 2
        let cellWidthChars = max((columns - gap * (grid.cols - 1)) / grid.cols, 1)
        let hasLabels = grid.panels.contains { $0.label != nil }
        let labelLines = hasLabels
            ? grid.panels.map { p in p.label.map { min(Caption.wrap($0, width: cellWidthChars).count, captionLines) } ?? 0 }.max() ?? 0
            : 0
        let panelWidth = Double(grid.panels.map(\.width).max() ?? 1)
        let panelHeight = Double(grid.panels.map(\.height).max() ?? 1)
        // A character cell is about twice as tall as it is wide: one character row spans two
        // pixel rows of a picture drawn at one pixel per column.
        var cellHeightChars = max(Int((Double(cellWidthChars) * panelHeight / panelWidth / 2).rounded()), 1)
        var cellWidth = cellWidthChars
        let available = rows - out.count - grid.rows * labelLines - (grid.rows - 1)
        if grid.rows * cellHeightChars > available, available >= grid.rows {
            cellHeightChars = max(available / grid.rows, 1)
            cellWidth = min(cellWidthChars, max(Int((Double(cellHeightChars) * 2 * panelWidth / panelHeight).rounded()), 1))
        }
        // Captions keep the whole width a cell may take, even when its picture had to shrink.
        let slot = labelLines > 0 ? cellWidthChars : cellWidth
        let space = String(repeating: " ", count: gap)
        let filler = String(repeating: " ", count: slot - cellWidth)
        for row in 0..<grid.rows {
            let panels = Array(grid.panels[(row * grid.cols)..<min((row + 1) * grid.cols, grid.panels.count)])
            if row > 0 { out.append("") }
            if labelLines > 0 {
                let wrapped = panels.map { Caption.fit($0.label ?? "", width: slot, lines: labelLines) }
                for k in 0..<labelLines {
                    out.append(wrapped.map { pad(k < $0.count ? $0[k] : "", width: slot) }.joined(separator: space))
                }
            }
            let pictures = panels.map { picture($0, columns: cellWidth, rows: cellHeightChars, colours: colours) }
            for line in 0..<cellHeightChars {
                out.append(pictures.map { $0[line] + filler }.joined(separator: space))
            }
        }
        return out.map { trimTrailing($0) }.joined(separator: "\n") + "\n"
    }

    /// `rows` lines, each `columns` characters wide on screen.
    static func picture(_ panel: ImagePanel, columns: Int, rows: Int, colours: TerminalColours) -> [String] {
        guard colours != .none else {
            let pixels = sample(panel, columns: columns, rows: rows)
            return pixels.map { line in
                String(line.map { p -> Character in
                    let level = 0.299 * p.r + 0.587 * p.g + 0.114 * p.b
                    return ramp[min(Int(level * Double(ramp.count)), ramp.count - 1)]
                })
            }
        }
        let pixels = sample(panel, columns: columns, rows: 2 * rows)
        return (0..<rows).map { r in
            var line = ""
            var last: (RGB8, RGB8)? = nil
            for c in 0..<columns {
                let top = pixels[2 * r][c].bytes, bottom = pixels[2 * r + 1][c].bytes
                // Only a change of colour needs an escape sequence.
                if last.map({ $0.0 != top || $0.1 != bottom }) ?? true {
                    line += "\u{1B}[\(colours.parameters(top, background: false));\(colours.parameters(bottom, background: true))m"
                    last = (top, bottom)
                }
                line += upperHalf
            }
            return line + reset
        }
    }

    /// The picture resampled to `columns` x `rows` pixels: each the mean of the source pixels
    /// its area covers (at least one, so small images are enlarged by repetition).
    static func sample(_ panel: ImagePanel, columns: Int, rows: Int) -> [[Pixel]] {
        (0..<rows).map { r in
            let y0 = r * panel.height / rows
            let y1 = max((r + 1) * panel.height / rows, y0 + 1)
            return (0..<columns).map { c -> Pixel in
                let x0 = c * panel.width / columns
                let x1 = max((c + 1) * panel.width / columns, x0 + 1)
                var sum = Pixel(r: 0, g: 0, b: 0)
                var count = 0.0
                for y in y0..<min(y1, panel.height) {
                    for x in x0..<min(x1, panel.width) {
                        let o = (y * panel.width + x) * 3
                        sum.r += panel.rgb[o]
                        sum.g += panel.rgb[o + 1]
                        sum.b += panel.rgb[o + 2]
                        count += 1
                    }
                }
                return count > 0 ? Pixel(r: sum.r / count, g: sum.g / count, b: sum.b / count) : sum
            }
        }
    }

    /// A colour with channels in [0, 1].
    struct Pixel {
        var r: Double, g: Double, b: Double

        var bytes: RGB8 {
            func byte(_ v: Double) -> UInt8 { UInt8(min(max((v * 255).rounded(), 0), 255)) }
            return RGB8(r: byte(r), g: byte(g), b: byte(b))
        }
    }

    private static func pad(_ text: String, width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func centred(_ text: String, width: Int) -> String {
        String(repeating: " ", count: max((width - text.count) / 2, 0)) + text
    }

    private static func trimTrailing(_ line: String) -> String {
        var s = Substring(line)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
