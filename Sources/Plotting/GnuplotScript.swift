/// Turns a `Figure` into gnuplot commands plus the tables they read. Pure: no files,
/// no processes, so the exact commands can be inspected in tests.
struct GnuplotScript {
    /// Tables to write, in order; the commands refer to them by index.
    var tables: [DataTable] = []
    private var lines: [String] = []
    /// Whether the last key placed went below the plot.
    private var keyBelow = false
    /// Stands for a table's path inside a quoted string until the file exists; private-use
    /// characters pass through `GnuplotString.quoted` unchanged.
    private static func placeholder(_ index: Int) -> String { "\u{E000}TABLE\(index)\u{E000}" }

    /// matplotlib's tab10 colours, so series look familiar and print well.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    init(figure: Figure, terminal: Terminal, output: String) throws {
        try figure.validate()
        lines.append("set encoding utf8")
        lines.append(terminal.command)
        lines.append("set output \(GnuplotString.quoted(output))")
        for (index, colour) in Self.palette.enumerated() {
            lines.append("set linetype \(index + 1) linecolor rgb \"\(colour)\" linewidth 2 pointtype 7 pointsize 0.7")
        }
        lines.append("set linetype cycle \(Self.palette.count)")
        switch figure.content {
        case let .series(series): addSeries(series, figure: figure, terminal: terminal)
        case let .histogram(histogram): try addHistogram(histogram, figure: figure, terminal: terminal)
        case let .bars(chart): addBars(chart, figure: figure, terminal: terminal)
        case let .images(grid): addImages(grid, figure: figure, terminal: terminal)
        }
        lines.append("unset output")
    }

    /// The commands, with each table's path in place.
    func commands(tablePaths: [String]) -> String {
        var text = lines.joined(separator: "\n") + "\n"
        for (index, path) in tablePaths.enumerated() {
            text = text.replacingOccurrences(of: Self.placeholder(index), with: GnuplotString.escaped(path))
        }
        return text
    }

    private mutating func table(_ columns: [[Double]]) -> (index: Int, table: DataTable) {
        let table = DataTable(columns: columns)
        tables.append(table)
        return (tables.count - 1, table)
    }

    private func source(_ entry: (index: Int, table: DataTable)) -> String {
        entry.table.source(at: Self.placeholder(entry.index))
    }

    /// Title and axis labels wrapped to the canvas: gnuplot centres a title over the plot and
    /// clips what runs past the canvas edge, so a long one would lose its start and end.
    private mutating func addLabels(_ figure: Figure, metrics: TextMetrics) {
        if let title = figure.title {
            lines.append("set title \(GnuplotString.quoted(FigureLayout.wrapped(title, pixels: metrics.width, metrics: metrics)))")
        }
        if let xlabel = figure.xlabel {
            lines.append("set xlabel \(GnuplotString.quoted(FigureLayout.wrapped(xlabel, pixels: metrics.width, metrics: metrics)))")
        }
        if let ylabel = figure.ylabel {
            // The y label runs up the side: its room is the figure's height less the margins.
            let room = metrics.height - 6 * metrics.line
            lines.append("set ylabel \(GnuplotString.quoted(FigureLayout.wrapped(ylabel, pixels: room, metrics: metrics)))")
        }
        if figure.logx { lines.append("set logscale x") }
        if figure.logy { lines.append("set logscale y") }
    }

    /// Places the key and returns the entries as they will be drawn. Short entries go in a box
    /// right of the plot, where they never hide data (gnuplot has no "best" placement); long
    /// ones (captions) or more than fit down the side go below, each wrapped to the width, so
    /// the plot keeps its width and its tick labels their room.
    private mutating func addKey(_ labels: [String?], show: Bool, terminal: Terminal, metrics: TextMetrics) -> [String?] {
        keyBelow = false
        guard show else {
            lines.append("unset key")
            return labels
        }
        let named = labels.compactMap { $0 }
        let longest = named.map { $0.count }.max() ?? 0
        let fitsDown = Double(named.count) * metrics.line <= metrics.height - 8 * metrics.line
        if !terminal.isText, longest <= max(18, metrics.characters(metrics.width) / 5), fitsDown {
            lines.append("set key outside right top box")
            return labels
        }
        let wrapped = labels.map { $0.map { Caption.wrap($0, width: metrics.keyCharacters, breakingWords: false) } }
        // gnuplot gives every entry one line's height: as many as the longest entry has.
        let spacing = wrapped.compactMap { $0?.count }.max() ?? 1
        if terminal.isText {
            // Inside a character plot the key collides with the curves; below, entries need
            // room between them or they run together ("caption0 *******caption1 #######").
            lines.append("set key below width 2" + (spacing > 1 ? " spacing \(spacing)" : ""))
        } else {
            // Text after its line sample, left-aligned: long captions read as a list; a line of
            // height keeps it clear of the x label.
            lines.append("set key below Left reverse" + (spacing > 1 ? " spacing \(spacing)" : "") + " height 1")
        }
        keyBelow = true
        return wrapped.map { $0?.joined(separator: "\n") }
    }

    private mutating func addGrid(_ terminal: Terminal) {
        if !terminal.isText { lines.append("set grid lc rgb \"#dddddd\" lt 1 lw 1") }
    }

    private static func titleClause(_ label: String?) -> String {
        label.map { "title \(GnuplotString.quoted($0))" } ?? "notitle"
    }

    private mutating func addSeries(_ series: [Series], figure: Figure, terminal: Terminal) {
        let metrics = TextMetrics(terminal)
        addLabels(figure, metrics: metrics)
        addGrid(terminal)
        let labels = addKey(series.map(\.label), show: figure.legend && series.contains { $0.label != nil }, terminal: terminal, metrics: metrics)
        let clauses = series.enumerated().map { index, item -> String in
            let entry = table([item.x, item.y])
            let style: String
            switch item.style {
            case .lines: style = "with lines"
            case .points: style = "with points"
            case .linespoints: style = "with linespoints"
            }
            // Past the ten colours, the colours come back dashed, then dotted, so no two series
            // look alike.
            let dashes = index >= Self.palette.count ? " dashtype \(min(index / Self.palette.count + 1, 5))" : ""
            return "\(source(entry)) using 1:2 \(style) linetype \(index + 1)\(dashes) \(Self.titleClause(labels[index]))"
        }
        lines.append("plot " + clauses.joined(separator: ", \\\n     "))
    }

    private mutating func addHistogram(_ histogram: Histogram, figure: Figure, terminal: Terminal) throws {
        var labelled = figure
        if labelled.ylabel == nil { labelled.ylabel = "count" }
        let metrics = TextMetrics(terminal)
        addLabels(labelled, metrics: metrics)
        addGrid(terminal)
        let label = addKey([histogram.label], show: figure.legend && histogram.label != nil, terminal: terminal, metrics: metrics)[0]
        let (edges, counts) = try histogram.counts()
        let width = edges[1] - edges[0]
        let centres = counts.indices.map { (edges[$0] + edges[$0 + 1]) / 2 }
        let entry = table([centres, counts.map(Double.init)])
        lines.append("set boxwidth \(GnuplotString.number(width)) absolute")
        let margin = width / 2
        if !figure.logx {
            lines.append("set xrange [\(GnuplotString.number(edges[0] - margin)):\(GnuplotString.number(edges[edges.count - 1] + margin))]")
        }
        lines.append("set style fill solid 0.6 border lc rgb \"#333333\"")
        if !figure.logy { lines.append("set yrange [0:*]") }
        lines.append("plot \(source(entry)) using 1:2 with boxes linetype 1 \(Self.titleClause(label))")
    }

    private mutating func addBars(_ chart: BarChart, figure: Figure, terminal: Terminal) {
        let metrics = TextMetrics(terminal)
        addLabels(figure, metrics: metrics)
        addGrid(terminal)
        let names = addKey(chart.series, show: figure.legend, terminal: terminal, metrics: metrics)
        // Each group's name wraps within its share of the axis, so neighbours never overlap.
        let share = (metrics.width - 10 * metrics.character) / Double(max(chart.groups.count, 1))
        let tickText = chart.groups.map { FigureLayout.wrap($0, pixels: share, metrics: metrics) }
        let ticks = tickText.enumerated().map { "\(GnuplotString.quoted($1.joined(separator: "\n"))) \($0)" }
        let tickLines = tickText.map(\.count).max() ?? 1
        if keyBelow, tickLines > 1 {
            // gnuplot puts a key below under the x label but reserves one line for tick labels:
            // blank lines ahead of the label push the key past the rest.
            let xlabel = figure.xlabel.map { FigureLayout.wrapped($0, pixels: metrics.width, metrics: metrics) } ?? ""
            lines.append("set xlabel \(GnuplotString.quoted(String(repeating: "\n", count: tickLines - 1) + xlabel))")
        }
        lines.append("set xtics (\(ticks.joined(separator: ", "))) nomirror scale 0")
        lines.append("set xrange [-0.6:\(GnuplotString.number(Double(chart.groups.count) - 0.4))]")
        lines.append("set boxwidth \(GnuplotString.number(chart.barWidth * 0.95)) absolute")
        lines.append("set style fill solid 0.85 border lc rgb \"#333333\"")
        let allValues = chart.values.joined()
        if !figure.logy && allValues.allSatisfy({ $0 >= 0 }) { lines.append("set yrange [0:*]") }
        var bars: [String] = []
        var whiskers: [String] = []
        for (s, name) in chart.series.enumerated() {
            let centres = chart.groups.indices.map { chart.barCenter(series: s, group: $0) }
            let errors = chart.errors?[s] ?? []
            let below = chart.errorsBelow?[s] ?? errors
            let entry = table(errors.isEmpty ? [centres, chart.values[s]] : [centres, chart.values[s], errors, below])
            bars.append("\(source(entry)) using 1:2 with boxes linetype \(s + 1) title \(GnuplotString.quoted(names[s] ?? name))")
            if !errors.isEmpty {
                // Vectors with flat heads: gnuplot's yerrorbars punch a white dot into every bar.
                whiskers.append("\(source(entry)) using 1:($2-$4):(0):($3+$4) with vectors heads size screen 0.006,90 lc rgb \"black\" lw 1.5 notitle")
            }
        }
        lines.append("plot " + (bars + whiskers).joined(separator: ", \\\n     "))
    }

    private mutating func addImages(_ grid: ImageGrid, figure: Figure, terminal: Terminal) {
        let metrics = TextMetrics(terminal)
        // Captions wrap within their cell and the title within the canvas; FigureLayout gave the
        // default size room for the same number of lines.
        let cell = grid.panels.count == 1 ? metrics.width : FigureLayout.panelWidth(metrics.width, cols: grid.cols)
        func wrapped(_ text: String, _ pixels: Double) -> String { FigureLayout.wrapped(text, pixels: pixels, metrics: metrics) }
        lines.append("unset key")
        // A thin frame, so a white image still shows where it is on the white page.
        lines.append("set border 15 lc rgb \"#aaaaaa\" lw 0.5")
        lines.append("unset xtics")
        lines.append("unset ytics")
        lines.append("set size ratio -1")
        let single = grid.panels.count == 1
        if single {
            // One image: its label, else the figure's title, heads it.
            if let title = grid.panels[0].label ?? figure.title {
                lines.append("set title \(GnuplotString.quoted(wrapped(title, cell)))")
            }
        } else {
            var layout = "set multiplot layout \(grid.rows),\(grid.cols)"
            if let title = figure.title { layout += " title \(GnuplotString.quoted(wrapped(title, metrics.width)))" }
            lines.append(layout)
        }
        for panel in grid.panels {
            if !single {
                lines.append(panel.label.map { "set title \(GnuplotString.quoted(wrapped($0, cell)))" } ?? "unset title")
            }
            // gnuplot's binary arrays start at the bottom row: write rows bottom-up.
            var columns: [[Double]] = [[], [], []]
            for c in 0..<3 { columns[c].reserveCapacity(panel.width * panel.height) }
            for y in stride(from: panel.height - 1, through: 0, by: -1) {
                for x in 0..<panel.width {
                    let offset = (y * panel.width + x) * 3
                    for c in 0..<3 { columns[c].append((panel.rgb[offset + c] * 255).rounded()) }
                }
            }
            let entry = table(columns)
            lines.append("set xrange [-0.5:\(GnuplotString.number(Double(panel.width) - 0.5))]")
            lines.append("set yrange [-0.5:\(GnuplotString.number(Double(panel.height) - 0.5))]")
            let path = Self.placeholder(entry.index)
            lines.append("plot \(entry.table.imageSource(at: path, width: panel.width, height: panel.height)) with rgbimage notitle")
        }
        if !single { lines.append("unset multiplot") }
    }
}
