/// Sizes and text fitting for figures: how big a figure is by default, and how titles, legend
/// entries, tick labels and captions break into lines so they fit their space instead of being
/// clipped or running into their neighbours.
enum FigureLayout {
    /// 800x560 for charts; for images, each cell scaled so its longer side is about 256
    /// pixels, plus room for captions and the title at the number of lines they wrap to.
    static func defaultSize(for figure: Figure) -> FigureSize {
        guard case let .images(grid) = figure.content else { return .standard }
        let cellWidth = Double(grid.panels.map(\.width).max() ?? 1)
        let cellHeight = Double(grid.panels.map(\.height).max() ?? 1)
        let scale = 256 / max(cellWidth, cellHeight)
        let width = max(Double(grid.cols) * (cellWidth * scale + 16) + 16, 64)
        let metrics = TextMetrics.png
        let bands = imageBands(grid, title: figure.title, width: width, metrics: metrics)
        let labelBand = bands.labelLines > 0 ? Double(bands.labelLines) * metrics.line + 18 : 8
        let titleBand = bands.titleLines > 0 ? Double(bands.titleLines) * metrics.line + 24 : 0
        let height = Double(grid.rows) * (cellHeight * scale + labelBand + 8) + titleBand + 8
        return FigureSize(width: Int(width.rounded()), height: max(Int(height.rounded()), 64))
    }

    /// Lines of caption above each image and of the figure's title above the grid. One image
    /// is headed by its label, else the title, in its caption band.
    static func imageBands(_ grid: ImageGrid, title: String?, width: Double, metrics: TextMetrics) -> (labelLines: Int, titleLines: Int) {
        if grid.panels.count == 1 {
            let heading = grid.panels[0].label ?? title
            return (heading.map { wrap($0, pixels: width, metrics: metrics).count } ?? 0, 0)
        }
        let cell = panelWidth(width, cols: grid.cols)
        let labels = grid.panels.compactMap(\.label).map { wrap($0, pixels: cell, metrics: metrics).count }.max() ?? 0
        return (labels, title.map { wrap($0, pixels: width, metrics: metrics).count } ?? 0)
    }

    /// The width a caption of one grid cell may take: its share of the canvas, less a gap so
    /// neighbouring captions never touch.
    static func panelWidth(_ width: Double, cols: Int) -> Double { width / Double(max(cols, 1)) - 16 }

    /// `text` in lines that fit `pixels` (characters, for the text terminal), breaking at spaces.
    static func wrap(_ text: String, pixels: Double, metrics: TextMetrics) -> [String] {
        Caption.wrap(text, width: max(Int((pixels - metrics.margin) / metrics.character), 4), breakingWords: false)
    }

    static func wrapped(_ text: String, pixels: Double, metrics: TextMetrics) -> String {
        wrap(text, pixels: pixels, metrics: metrics).joined(separator: "\n")
    }
}

/// How wide text is on a terminal, on average: measured on captions and titles drawn by this
/// gnuplot (5.4), DejaVu Sans 11 in pngcairo takes 7.3 pixels a character and 17 a line.
/// Wrapping uses a little more, so a line of capitals still fits.
struct TextMetrics {
    /// Width of the canvas, in the units below (pixels, or characters for the text terminal).
    var width: Double
    var height: Double
    var character: Double
    var line: Double
    /// Space kept free at the ends of a line.
    var margin: Double
    /// Characters of one key entry below the plot. gnuplot sizes the key from its own estimate
    /// of text width (about 8 px a character in pngcairo and svg, measured: entries longer than
    /// (width - 170) / 8 characters at 11 pt, (width - 90) / 8 in svg, make it drop the key
    /// with "difficulty fitting plot titles into key"), not from the glyphs drawn.
    var keyCharacters: Int

    static let png = TextMetrics(width: 800, height: 560, character: 7.6, line: 17, margin: 24, keyCharacters: 75)

    init(width: Double, height: Double, character: Double, line: Double, margin: Double, keyCharacters: Int) {
        self.width = width
        self.height = height
        self.character = character
        self.line = line
        self.margin = margin
        self.keyCharacters = max(keyCharacters, 8)
    }

    init(_ terminal: Terminal) {
        switch terminal {
        case let .png(size), let .sixel(size):
            let w = Double(size.width)
            self.init(width: w, height: Double(size.height), character: 7.6, line: 17, margin: 24, keyCharacters: Int((w - 190) / 8.2))
        case let .svg(size):
            let w = Double(size.width)
            self.init(width: w, height: Double(size.height), character: 8.2, line: 18, margin: 24, keyCharacters: Int((w - 110) / 8.2))
        case let .dumb(columns, rows, _):
            self.init(width: Double(columns), height: Double(rows), character: 1, line: 1, margin: 2, keyCharacters: columns - 14)
        }
    }

    /// Characters that fit across `pixels`.
    func characters(_ pixels: Double) -> Int { max(Int((pixels - margin) / character), 4) }
}
