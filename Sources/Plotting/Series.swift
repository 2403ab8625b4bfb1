/// How one series is drawn.
public enum SeriesStyle: String, Sendable, CaseIterable, Equatable {
    case lines, points, linespoints
}

/// One curve of an x/y plot.
public struct Series: Sendable, Equatable {
    public var x: [Double]
    public var y: [Double]
    /// The legend entry; nil leaves the series out of the legend.
    public var label: String?
    public var style: SeriesStyle

    public init(x: [Double], y: [Double], label: String? = nil, style: SeriesStyle = .lines) {
        self.x = x
        self.y = y
        self.label = label
        self.style = style
    }

    /// `y` against its index 0, 1, 2, ...
    public init(y: [Double], label: String? = nil, style: SeriesStyle = .lines) {
        self.init(x: y.indices.map(Double.init), y: y, label: label, style: style)
    }

    func validate(index: Int) throws {
        let name = label.map { "series '\($0)'" } ?? "series \(index + 1)"
        guard x.count == y.count else {
            throw PlotError.invalidData("\(name) has \(x.count) x values and \(y.count) y values")
        }
        guard !x.isEmpty else { throw PlotError.invalidData("\(name) has no points") }
    }
}
