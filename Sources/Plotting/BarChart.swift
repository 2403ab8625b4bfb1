/// Grouped bars with optional error bars: the shape of a results table with one row
/// per method (`series`, the legend) and one column per task (`groups`, the x axis).
public struct BarChart: Sendable, Equatable {
    /// Tick labels along x, one per group (task).
    public var groups: [String]
    /// Legend entries, one per bar within a group (method).
    public var series: [String]
    /// `values[s][g]`: the height of series `s` in group `g`.
    public var values: [[Double]]
    /// How far the error bars reach above each value, same layout as `values`; nil draws none.
    public var errors: [[Double]]?
    /// How far they reach below, when that differs (a confidence interval around a value);
    /// nil: as far as above.
    public var errorsBelow: [[Double]]?

    public init(groups: [String], series: [String], values: [[Double]], errors: [[Double]]? = nil, errorsBelow: [[Double]]? = nil) {
        self.groups = groups
        self.series = series
        self.values = values
        self.errors = errors
        self.errorsBelow = errorsBelow
    }

    /// Bars of values inside intervals: each bar's error bar runs from low to high.
    public init(groups: [String], series: [String], values: [[Double]], low: [[Double]], high: [[Double]]) {
        self.init(groups: groups, series: series, values: values,
                  errors: zip(values, high).map { zip($1, $0).map { $0 - $1 } },
                  errorsBelow: zip(values, low).map { zip($0, $1).map { $0 - $1 } })
    }

    func validate() throws {
        guard !groups.isEmpty, !series.isEmpty else {
            throw PlotError.invalidData("a bar chart needs at least one group and one series")
        }
        try Self.checkTable(values, name: "values", rows: series.count, columns: groups.count)
        for (name, table) in [("errors", errors), ("errors below", errorsBelow)] {
            guard let table else { continue }
            try Self.checkTable(table, name: name, rows: series.count, columns: groups.count)
            if let negative = table.joined().first(where: { $0 < 0 }) {
                throw PlotError.invalidData("error bars must be non-negative, got \(negative)")
            }
        }
        if errorsBelow != nil && errors == nil { throw PlotError.invalidData("bar errors below need errors above") }
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
