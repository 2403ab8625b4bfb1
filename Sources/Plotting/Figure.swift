/// Everything needed to draw one figure, as a plain value: build it, keep it, render it
/// to a PNG, an SVG or the terminal any number of times with the same result.
public struct Figure: Sendable, Equatable {
    /// What the figure draws.
    public enum Content: Sendable, Equatable {
        case series([Series])
        case histogram(Histogram)
        case bars(BarChart)
        case images(ImageGrid)
    }

    public var content: Content
    public var title: String?
    public var xlabel: String?
    public var ylabel: String?
    /// Show the legend (for series with labels, histograms with a label, bar series).
    public var legend: Bool
    public var logx: Bool
    public var logy: Bool
    /// Pixels for PNG and SVG; nil picks a size that suits the content.
    public var size: FigureSize?

    public init(_ content: Content, title: String? = nil, xlabel: String? = nil, ylabel: String? = nil,
                legend: Bool = true, logx: Bool = false, logy: Bool = false, size: FigureSize? = nil) {
        self.content = content
        self.title = title
        self.xlabel = xlabel
        self.ylabel = ylabel
        self.legend = legend
        self.logx = logx
        self.logy = logy
        self.size = size
    }

    /// An x/y plot of one or more series.
    public static func plot(_ series: [Series], title: String? = nil, xlabel: String? = nil,
                            ylabel: String? = nil, legend: Bool = true, logx: Bool = false,
                            logy: Bool = false, size: FigureSize? = nil) -> Figure {
        Figure(.series(series), title: title, xlabel: xlabel, ylabel: ylabel, legend: legend,
               logx: logx, logy: logy, size: size)
    }

    /// One image, `[1,3,H,W]`, `[3,H,W]` or `[H,W]` in [0, 1].
    public static func imshow(_ panel: ImagePanel, title: String? = nil, size: FigureSize? = nil) throws -> Figure {
        Figure(.images(try ImageGrid(panels: [panel], cols: 1)), title: title, legend: false, size: size)
    }

    /// Counts of `values` in equal-width bins.
    public static func histogram(_ values: [Double], bins: Int = 20, range: ClosedRange<Double>? = nil,
                                 label: String? = nil, title: String? = nil, xlabel: String? = nil,
                                 ylabel: String? = nil, logy: Bool = false, size: FigureSize? = nil) -> Figure {
        Figure(.histogram(Histogram(values: values, bins: bins, range: range, label: label)), title: title,
               xlabel: xlabel, ylabel: ylabel, logy: logy, size: size)
    }

    /// Grouped bars with optional error bars (methods x tasks).
    public static func bars(_ chart: BarChart, title: String? = nil, xlabel: String? = nil, ylabel: String? = nil,
                            legend: Bool = true, logy: Bool = false, size: FigureSize? = nil) -> Figure {
        Figure(.bars(chart), title: title, xlabel: xlabel, ylabel: ylabel, legend: legend, logy: logy, size: size)
    }

    /// Images in rows, each with its caption.
    public static func grid(_ grid: ImageGrid, title: String? = nil, size: FigureSize? = nil) -> Figure {
        Figure(.images(grid), title: title, legend: false, size: size)
    }

    /// Checks the data before anything is written.
    func validate() throws {
        if let size { try size.validate() }
        switch content {
        case let .series(series):
            guard !series.isEmpty else { throw PlotError.invalidData("a plot needs at least one series") }
            for (index, item) in series.enumerated() { try item.validate(index: index) }
        case let .histogram(histogram):
            _ = try histogram.counts()
        case let .bars(chart):
            try chart.validate()
        case .images:
            break
        }
    }
}

/// A figure's size in pixels (PNG, SVG).
public struct FigureSize: Sendable, Equatable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    func validate() throws {
        guard (16...20000).contains(width), (16...20000).contains(height) else {
            throw PlotError.invalidData("figure size must be 16..20000 pixels each way, got \(width)x\(height)")
        }
    }

    public static let standard = FigureSize(width: 800, height: 560)
}
