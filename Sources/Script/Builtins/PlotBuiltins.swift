import Benchmarks
import Foundation
import Plotting
import Tensors

/// Figures through gnuplot: x/y plots, histograms, grouped bars, images and image grids.
/// With `out:` a figure is written to a .png or .svg file; without, it is shown: a text
/// plot at the prompt (sixel with SN_SIXEL=1 on a terminal). In a report every figure
/// appears, saved with `out:` or not.
public enum PlotBuiltins {
    /// Parameters every figure takes.
    static let figureParameters: [BuiltinParameter] = [
        .init("title", .optional(.string), default: .noValue),
        .init("out", .optional(.string), default: .noValue),
        .init("size", .optional(.ints), default: .noValue),
    ]

    static let axisParameters: [BuiltinParameter] = [
        .init("xlabel", .optional(.string), default: .noValue),
        .init("ylabel", .optional(.string), default: .noValue),
    ]

    /// Draws or saves `figure` and remembers it for savefig.
    static func finish(_ figure: Figure, _ args: Arguments, _ ctx: CallContext) throws -> Value {
        var figure = figure
        figure.title = try args.optionalString("title")
        if let size = try args.optionalInts("size") {
            guard size.count == 2 else {
                throw ArgumentError(parameter: "size", "\(args.builtin): size is [width, height] in pixels, got \(size.count) numbers")
            }
            figure.size = FigureSize(width: size[0], height: size[1])
        }
        try plotting(args) {
            if let out = try args.optionalString("out") {
                LastFigure.set(figure)
                let path = (out as NSString).expandingTildeInPath
                try Gnuplot().save(figure, to: path)
                try FigureDisplay.saved(path)
            } else {
                ctx.print(try FigureDisplay.show(figure))
            }
        }
        return .none
    }

    /// Runs `body`, turning a PlotError into the builtin's error.
    static func plotting(_ args: Arguments, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PlotError {
            if case .invalidData(let message) = error { throw BuiltinError("\(args.builtin): \(message)") }
            throw BuiltinError("\(args.builtin): \(error)")
        }
    }

    /// The numbers of a tensor-like value, which must be one-dimensional.
    static func vector(_ value: Value, _ args: Arguments, _ name: String) throws -> [Double] {
        let t: Tensor
        do { t = try Convert.tensor(value) } catch let e as BuiltinError {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)': \(e.message)")
        }
        guard t.rank <= 1 || t.shape.filter({ $0 != 1 }).count <= 1 else {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must be one-dimensional, got shape \(formatShape(t.shape))")
        }
        return t.scalars.map(Double.init)
    }

    /// Series from a value: a vector is one series; a [N,T] tensor or a list of vectors is N.
    static func seriesValues(_ value: Value, _ args: Arguments, _ name: String) throws -> [[Double]] {
        if case .list(let items) = value, let first = items.first, isSequence(first) {
            return try items.map { try vector($0, args, name) }
        }
        let t: Tensor
        do { t = try Convert.tensor(value) } catch let e as BuiltinError {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)': \(e.message)")
        }
        switch t.rank {
        case 0: return [[Double(t.scalars[0])]]
        case 1: return [t.scalars.map(Double.init)]
        case 2:
            let n = t.shape[0], m = t.shape[1]
            return (0..<n).map { i in (0..<m).map { Double(t.scalars[i * m + $0]) } }
        default:
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must be a vector or a [series, points] matrix, got shape \(formatShape(t.shape))")
        }
    }

    /// The results a bar chart's values are, when they are results (one, or a list of them).
    static func resultsToPlot(_ v: Value) -> [EvaluationResult]? {
        switch v {
        case .host(let h as ResultValue): return [h.result]
        case .list(let items) where !items.isEmpty:
            let results = items.compactMap { item -> EvaluationResult? in
                if case .host(let h as ResultValue) = item { return h.result } else { return nil }
            }
            return results.count == items.count ? results : nil
        default: return nil
        }
    }

    /// Methods as series, task metrics as groups, each bar's error bar its 95% interval: the
    /// cells `table` shows, drawn. A method without a value in some column cannot be drawn
    /// there, and a bar of zero would read as a result: refused, naming both.
    static func resultBars(_ results: [EvaluationResult]) throws -> BarChart {
        let grid = try ResultGrid(results)
        var values: [[Double]] = [], low: [[Double]] = [], high: [[Double]] = []
        for method in grid.methods {
            let cells = try grid.columns.map { column -> MetricValue in
                guard let m = grid.cell(method, column) else {
                    throw ArgumentError(parameter: "values", "bar: '\(method)' has no \(column.task) \(column.metric); bar the results of one task at a time, or use table (which shows '–')")
                }
                return m
            }
            values.append(cells.map(\.value))
            low.append(cells.map { Swift.min($0.low, $0.value) })
            high.append(cells.map { Swift.max($0.high, $0.value) })
        }
        let tasks = Set(grid.columns.map(\.task))
        let groups = grid.columns.map { tasks.count == 1 ? $0.metric : "\($0.task) \($0.metric)" }
        return BarChart(groups: groups, series: grid.methods, values: values, low: low, high: high)
    }

    static func isSequence(_ v: Value) -> Bool {
        switch v {
        case .list, .range: return true
        case .tensor(let t): return t.rank >= 1
        default: return false
        }
    }

    /// A string, or a list with one string per item; nil when none.
    static func strings(_ args: Arguments, _ name: String, count: Int) throws -> [String]? {
        switch args[name] {
        case .none: return nil
        case .string(let s): return count == 1 ? [s] : (0..<count).map { _ in s }
        case .list(let items):
            let names = try items.map { item -> String in
                guard case .string(let s) = item else {
                    throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must hold strings, got a \(item.typeName)")
                }
                return s
            }
            guard names.count == count else {
                throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' has \(names.count) entries for \(count) series")
            }
            return names
        default:
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must be a string or a list of strings")
        }
    }

    static func style(_ args: Arguments, count: Int) throws -> [SeriesStyle] {
        guard let names = try strings(args, "style", count: count) else { return Array(repeating: .lines, count: count) }
        return try names.map { name in
            guard let style = SeriesStyle(rawValue: name) else {
                throw ArgumentError(parameter: "style", "plot: style must be \"lines\", \"points\" or \"linespoints\", got \"\(name)\"")
            }
            return style
        }
    }

    static func images(_ value: Value, _ args: Arguments) throws -> [Tensor] {
        if case .list(let items) = value {
            guard !items.isEmpty else { throw ArgumentError(parameter: "images", "grid: needs at least one image") }
            return try items.enumerated().map { i, item in
                guard case .tensor(let t) = item else {
                    throw ArgumentError(parameter: "images", "grid: element \(i) of 'images' must be an image tensor, got a \(item.typeName)")
                }
                return t
            }
        }
        return [try args.tensor("images")]
    }

    public static let builtins: [Builtin] = [
        Builtin("plot", [
            .init("x", .any),
            .init("y", .any, default: .noValue),
            .init("label", .any, default: .noValue),
            .init("style", .any, default: .string("lines")),
            .init("legend", .oneOf([.bool, .list]), default: .bool(true)),
            .init("logx", .bool, default: .bool(false)),
            .init("logy", .bool, default: .bool(false)),
        ] + axisParameters + figureParameters,
                doc: "Plots y against x (plot(y) against 0, 1, ...); y may be a [N,T] tensor or a list for N series. label/style per series; legend: false or names.") { args, ctx in
            let xs: [[Double]]?
            let ys: [[Double]]
            if args.isNone("y") {
                ys = try seriesValues(args["x"], args, "x")
                xs = nil
            } else {
                ys = try seriesValues(args["y"], args, "y")
                let x = try seriesValues(args["x"], args, "x")
                guard x.count == 1 || x.count == ys.count else {
                    throw ArgumentError(parameter: "x", "plot: \(x.count) x series for \(ys.count) y series")
                }
                xs = x.count == 1 ? Array(repeating: x[0], count: ys.count) : x
            }
            var labels = try strings(args, "label", count: ys.count)
            var legend = true
            switch args["legend"] {
            case .bool(let b): legend = b
            default: labels = try strings(args, "legend", count: ys.count)
            }
            let styles = try style(args, count: ys.count)
            let series = ys.indices.map { i in
                Series(x: xs?[i] ?? ys[i].indices.map(Double.init), y: ys[i], label: labels?[i], style: styles[i])
            }
            let figure = Figure.plot(series, xlabel: try args.optionalString("xlabel"), ylabel: try args.optionalString("ylabel"),
                                     legend: legend, logx: try args.bool("logx"), logy: try args.bool("logy"))
            return try finish(figure, args, ctx)
        },
        Builtin("hist", [
            .init("x", .tensor),
            .init("bins", .int, default: .number(20)),
            .init("range", .optional(.list), default: .noValue),
            .init("label", .optional(.string), default: .noValue),
            .init("logy", .bool, default: .bool(false)),
        ] + axisParameters + figureParameters,
                doc: "Histogram of all values of x in equal-width bins (numpy.histogram's binning); range: [lo, hi].") { args, ctx in
            let values = try args.tensor("x").scalars.map(Double.init)
            var range: ClosedRange<Double>? = nil
            if !args.isNone("range") {
                let bounds = try vector(args["range"], args, "range")
                guard bounds.count == 2, bounds[0] < bounds[1] else {
                    throw ArgumentError(parameter: "range", "hist: range is [lo, hi] with lo < hi")
                }
                range = bounds[0]...bounds[1]
            }
            let figure = Figure.histogram(values, bins: try args.int("bins"), range: range, label: try args.optionalString("label"),
                                          xlabel: try args.optionalString("xlabel"), ylabel: try args.optionalString("ylabel"),
                                          logy: try args.bool("logy"))
            return try finish(figure, args, ctx)
        },
        Builtin("bar", [
            .init("values", .oneOf([.tensor, .record, .host("result")])),
            .init("groups", .optional(.oneOf([.list, .tensor])), default: .noValue),
            .init("series", .optional(.list), default: .noValue),
            .init("errors", .any, default: .noValue),
            .init("legend", .bool, default: .bool(true)),
            .init("logy", .bool, default: .bool(false)),
        ] + axisParameters + figureParameters,
                doc: "Grouped bars: values [series, groups] (methods x tasks) or a record method: [per task]; groups names the x ticks; errors like values. bar(names, heights) as matplotlib's bar(x, height). bar(r) or bar([r1, r2]) for results: methods as series, task metrics as groups, 95% intervals as error bars.") { args, ctx in
            if let results = resultsToPlot(args["values"]) {
                let figure = Figure.bars(try resultBars(results), xlabel: try args.optionalString("xlabel"),
                                         ylabel: try args.optionalString("ylabel"), legend: try args.bool("legend"), logy: try args.bool("logy"))
                return try finish(figure, args, ctx)
            }
            var seriesNames: [String]? = nil
            let rows: [[Double]]
            // bar(["a", "b"], [1, 2]): names first, as matplotlib's bar(x, height).
            var values = args["values"], groupNames: [String]? = nil
            if case .list(let items) = values, !items.isEmpty, items.allSatisfy({ if case .string = $0 { return true } else { return false } }) {
                guard !args.isNone("groups") else {
                    throw ArgumentError(parameter: "values", "bar: the first argument holds names; give the heights second, bar([\"a\", \"b\"], [1, 2]), or the values first with groups: names")
                }
                groupNames = try strings(args, "values", count: items.count)
                values = args["groups"]
            } else if case .list(let names) = args["groups"], let number = names.first(where: { if case .string = $0 { return false } else { return true } }) {
                throw ArgumentError(parameter: "groups", "bar: 'groups' names the bars and must hold strings, got a \(number.typeName); for names and heights give the names first, bar(names, heights), as matplotlib's bar(x, height)")
            }
            if case .record(let record) = values {
                seriesNames = record.keys
                rows = try record.fields.map { try vector($0.value, args, "values") }
            } else {
                rows = try seriesValues(values, args, groupNames == nil ? "values" : "groups")
            }
            let groupCount = rows.first?.count ?? 0
            if let names = try strings(args, "series", count: rows.count) { seriesNames = names }
            if let names = groupNames, names.count != groupCount {
                throw ArgumentError(parameter: "groups", "bar: \(names.count) names for \(groupCount) heights")
            }
            let groups = try groupNames ?? strings(args, "groups", count: groupCount) ?? (0..<groupCount).map { "\($0 + 1)" }
            var errors: [[Double]]? = nil
            if case .record(let record) = args["errors"] {
                errors = try record.fields.map { try vector($0.value, args, "errors") }
            } else if !args.isNone("errors") {
                errors = try seriesValues(args["errors"], args, "errors")
            }
            let names = seriesNames ?? (rows.count == 1 ? [""] : (0..<rows.count).map { "series \($0 + 1)" })
            let chart = BarChart(groups: groups, series: names, values: rows, errors: errors)
            let showLegend = try args.bool("legend") && (seriesNames != nil || rows.count > 1)
            let figure = Figure.bars(chart, xlabel: try args.optionalString("xlabel"), ylabel: try args.optionalString("ylabel"),
                                     legend: showLegend, logy: try args.bool("logy"))
            return try finish(figure, args, ctx)
        },
        Builtin("imshow", [.init("image", .tensor)] + figureParameters,
                doc: "Shows an image tensor [1,3,H,W], [3,H,W] or [H,W] with values in [0, 1]. At the prompt: colour half-block characters, 24-bit when COLORTERM is truecolor or 24bit, else 256 colours; grey characters when NO_COLOR is set or output is not a terminal; with SN_SIXEL=1, sixel graphics on a terminal that shows them (xterm -ti vt340, mlterm, foot, WezTerm). In a report: a PNG.") { args, ctx in
            var figure: Figure? = nil
            try plotting(args) { figure = try Figure.imshow(ImagePanel(try args.tensor("image"))) }
            guard let figure else { return .none }
            return try finish(figure, args, ctx)
        },
        Builtin("grid", [
            .init("images", .any),
            .init("cols", .optional(.int), default: .noValue),
            .init("labels", .optional(.list), default: .noValue),
            .init("padding", .int, default: .number(2)),
            .init("show", .bool, default: .bool(true)),
        ] + figureParameters, returns: "tensor",
                doc: "Lays images (a list, or a [B,3,H,W] batch) out in rows of cols; shows them with their labels and returns the grid as one [1,3,H,W] tensor.") { args, ctx in
            let tensors = try images(args["images"], args)
            var labels: [String]? = nil
            if case .list(let items) = args["labels"] {
                labels = try items.map { item in
                    guard case .string(let s) = item else {
                        throw ArgumentError(parameter: "labels", "grid: labels must be strings, got a \(item.typeName)")
                    }
                    return s
                }
            }
            let padding = try args.int("padding")
            var composed = Tensor.zeros([1, 3, 1, 1])
            var grid: ImageGrid? = nil
            try plotting(args) {
                let made = try ImageGrid(tensors, cols: try args.optionalInt("cols"), labels: labels)
                composed = try made.composed(padding: padding)
                grid = made
            }
            if let grid, try args.bool("show") || !args.isNone("out") {
                _ = try finish(Figure.grid(grid), args, ctx)
                ctx.shownAsPicture(composed)
            }
            return .tensor(composed)
        },
        Builtin("savefig", [.init("path", .string)],
                doc: "Writes the last figure drawn to a .png or .svg file.") { args, _ in
            guard let figure = LastFigure.current else {
                throw BuiltinError("savefig: no figure yet; draw one with plot, hist, bar, imshow or grid first")
            }
            try plotting(args) { try Gnuplot().save(figure, to: (try args.string("path") as NSString).expandingTildeInPath) }
            return .none
        },
    ]
}
