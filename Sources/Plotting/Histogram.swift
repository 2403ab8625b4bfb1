/// Values to count into equal-width bins, drawn as bars.
public struct Histogram: Sendable, Equatable {
    public var values: [Double]
    public var bins: Int
    /// The binned interval; nil spans the smallest to the largest value.
    public var range: ClosedRange<Double>?
    public var label: String?

    public init(values: [Double], bins: Int = 20, range: ClosedRange<Double>? = nil, label: String? = nil) {
        self.values = values
        self.bins = bins
        self.range = range
        self.label = label
    }

    /// Bin edges (`bins + 1`) and counts (`bins`), as `numpy.histogram` computes them:
    /// half-open bins except the last, which includes its right edge; values outside
    /// `range` are not counted.
    public func counts() throws -> (edges: [Double], counts: [Int]) {
        guard bins >= 1 else { throw PlotError.invalidData("a histogram needs at least 1 bin, got \(bins)") }
        guard !values.isEmpty else { throw PlotError.invalidData("a histogram needs at least one value") }
        if let bad = values.first(where: { !$0.isFinite }) {
            throw PlotError.invalidData("histogram values must be finite, got \(bad)")
        }
        var low = range?.lowerBound ?? values.min() ?? 0
        var high = range?.upperBound ?? values.max() ?? 0
        guard low.isFinite, high.isFinite else { throw PlotError.invalidData("histogram range must be finite") }
        if low == high {
            // numpy widens a degenerate range to [v - 0.5, v + 0.5].
            low -= 0.5
            high += 0.5
        }
        // Edges like numpy.linspace (the last one exactly `high`); bin index like
        // numpy.histogram: scale, then correct by the edges so a value on an edge lands
        // in the bin that starts there.
        let step = (high - low) / Double(bins)
        var edges = (0...bins).map { low + Double($0) * step }
        edges[bins] = high
        let norm = Double(bins) / (high - low)
        var counts = [Int](repeating: 0, count: bins)
        for value in values where value >= low && value <= high {
            var bin = min(max(Int((value - low) * norm), 0), bins - 1)
            if value < edges[bin] { bin -= 1 }
            if bin + 1 < bins, value >= edges[bin + 1] { bin += 1 }
            counts[min(max(bin, 0), bins - 1)] += 1
        }
        return (edges, counts)
    }
}
