/// Grouped bars with optional error bars: the shape of a results table with one row
/// per method (`series`, the legend) and one column per task (`groups`, the x axis).
public struct BarChart: Sendable, Equatable {
    /// Tick labels along x, one per group (task).
    public var groups: [String]
    /// Legend entries, one per bar within a group (method).
    public var series: [String]
    /// `values[s][g]`: the height of series `s` in group `g`.
    public var values: [[Double]]
    /// Half-heights of the error bars, same layout as `values`; nil draws none.
    public var errors: [[Double]]?

    public init(groups: [String], series: [String], values: [[Double]], errors: [[Double]]? = nil) {
        self.groups = groups
        self.series = series
        self.values = values
        self.errors = errors
    }

    func validate() throws {
        guard !groups.isEmpty, !series.isEmpty else {
            throw PlotError.invalidData("a bar chart needs at least one group and one series")
        }
        try Self.checkTable(values, name: "values", rows: series.count, columns: groups.count)
        if let errors {
            try Self.checkTable(errors, name: "errors", rows: series.count, columns: groups.count)
            if let negative = errors.joined().first(where: { $0 < 0 }) {
                throw PlotError.invalidData("error bars must be non-negative, got \(negative)")
            }
        }
    }

    private static func checkTable(_ table: [[Double]], name: String, rows: Int, columns: Int) throws {
        let shape = "[\(table.count),\(table.map(\.count).max() ?? 0)]"
        guard table.count == rows, table.allSatisfy({ $0.count == columns }) else {
            throw PlotError.invalidData("bar \(name) must be \(rows) series x \(columns) groups, got \(shape)")
        }
    }

    /// Bars of one group share a slot of width 0.8 centred on the group's index.
    static let groupWidth = 0.8

    /// Where bar `s` of group `g` stands, and how wide each bar is.
    func barCenter(series s: Int, group g: Int) -> Double {
        let width = Self.groupWidth / Double(series.count)
        return Double(g) - Self.groupWidth / 2 + width * (Double(s) + 0.5)
    }

    var barWidth: Double { Self.groupWidth / Double(series.count) }
}
