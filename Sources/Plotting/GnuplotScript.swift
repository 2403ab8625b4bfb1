/// Turns a `Figure` into gnuplot commands plus the tables they read. Pure: no files,
/// no processes, so the exact commands can be inspected in tests.
struct GnuplotScript {
    /// Tables to write, in order; the commands refer to them by index.
    var tables: [DataTable] = []
    private var lines: [String] = []
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
        case let .images(grid): addImages(grid, figure: figure)
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

    private mutating func addLabels(_ figure: Figure) {
        if let title = figure.title { lines.append("set title \(GnuplotString.quoted(title))") }
        if let xlabel = figure.xlabel { lines.append("set xlabel \(GnuplotString.quoted(xlabel))") }
        if let ylabel = figure.ylabel { lines.append("set ylabel \(GnuplotString.quoted(ylabel))") }
        if figure.logx { lines.append("set logscale x") }
        if figure.logy { lines.append("set logscale y") }
    }

    private mutating func addKey(_ show: Bool, terminal: Terminal) {
        if !show {
            lines.append("unset key")
        } else if terminal.isText {
            // Inside a character plot the key collides with the curves.
            lines.append("set key below")
        } else {
            // Outside, the key never hides data (gnuplot has no "best" placement).
            lines.append("set key outside right top box")
        }
    }

    private mutating func addGrid(_ terminal: Terminal) {
        if !terminal.isText { lines.append("set grid lc rgb \"#dddddd\" lt 1 lw 1") }
    }

    private static func titleClause(_ label: String?) -> String {
        label.map { "title \(GnuplotString.quoted($0))" } ?? "notitle"
    }

    private mutating func addSeries(_ series: [Series], figure: Figure, terminal: Terminal) {
        addLabels(figure)
        addGrid(terminal)
        addKey(figure.legend && series.contains { $0.label != nil }, terminal: terminal)
        let clauses = series.enumerated().map { index, item -> String in
            let entry = table([item.x, item.y])
            let style: String
            switch item.style {
            case .lines: style = "with lines"
            case .points: style = "with points"
            case .linespoints: style = "with linespoints"
            }
            return "\(source(entry)) using 1:2 \(style) linetype \(index + 1) \(Self.titleClause(item.label))"
        }
        lines.append("plot " + clauses.joined(separator: ", \\\n     "))
    }

    private mutating func addHistogram(_ histogram: Histogram, figure: Figure, terminal: Terminal) throws {
        var labelled = figure
        if labelled.ylabel == nil { labelled.ylabel = "count" }
        addLabels(labelled)
        addGrid(terminal)
        addKey(figure.legend && histogram.label != nil, terminal: terminal)
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
        lines.append("plot \(source(entry)) using 1:2 with boxes linetype 1 \(Self.titleClause(histogram.label))")
    }

    private mutating func addBars(_ chart: BarChart, figure: Figure, terminal: Terminal) {
        addLabels(figure)
        addGrid(terminal)
        addKey(figure.legend, terminal: terminal)
        let ticks = chart.groups.enumerated().map { "\(GnuplotString.quoted($1)) \($0)" }
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
            let entry = table(errors.isEmpty ? [centres, chart.values[s]] : [centres, chart.values[s], errors])
            bars.append("\(source(entry)) using 1:2 with boxes linetype \(s + 1) title \(GnuplotString.quoted(name))")
            if !errors.isEmpty {
                // Vectors with flat heads: gnuplot's yerrorbars punch a white dot into every bar.
                whiskers.append("\(source(entry)) using 1:($2-$3):(0):(2*$3) with vectors heads size screen 0.006,90 lc rgb \"black\" lw 1.5 notitle")
            }
        }
        lines.append("plot " + (bars + whiskers).joined(separator: ", \\\n     "))
    }

    private mutating func addImages(_ grid: ImageGrid, figure: Figure) {
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
                lines.append("set title \(GnuplotString.quoted(title))")
            }
        } else {
            var layout = "set multiplot layout \(grid.rows),\(grid.cols)"
            if let title = figure.title { layout += " title \(GnuplotString.quoted(title))" }
            lines.append(layout)
        }
        for panel in grid.panels {
            if !single {
                lines.append(panel.label.map { "set title \(GnuplotString.quoted($0))" } ?? "unset title")
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
