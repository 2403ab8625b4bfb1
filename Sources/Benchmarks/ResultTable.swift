import Foundation

/// A results table as cells: the header, one row per method, and an optional note under it.
/// Showing it (aligned text, Markdown, HTML) is Plotting's `Table`; the first column holds
/// names, the others numbers.
public struct ResultTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    /// A sentence that explains the cells (how differences are computed).
    public var note: String?

    public init(header: [String], rows: [[String]], note: String? = nil) {
        self.header = header
        self.rows = rows
        self.note = note
    }
}

/// The layout of the SoftNeg paper's Table 1: methods as rows, task metrics as columns, each
/// cell the value with its 95% CI, in percent. Rows and columns keep the order in which they
/// first appear in `results`; a method without a value for a column shows "–". Results that
/// share a method and a task would fill the same cells: they are refused, by name.
public func table(_ results: [EvaluationResult], columns: [(task: String, metric: String)]? = nil,
                  percent: Bool = true, digits: Int = 1) throws -> ResultTable {
    let grid = try ResultGrid(results)
    return resultTable(methods: grid.methods, columns: columns ?? grid.columns, counts: counts(results),
                       cell: grid.cell, format: { interval($0, percent: percent, digits: digits, signed: false) })
}

/// Results as methods x (task, metric) columns, each in the order it first appears, and the
/// metric in each cell: what a table and a bar chart of results both show. Results that share
/// a method and a task would fill the same cells: they are refused, by name.
public struct ResultGrid: Sendable {
    public let methods: [String]
    public let columns: [(task: String, metric: String)]
    let cells: [String: MetricValue]

    public init(_ results: [EvaluationResult]) throws {
        try checkDistinct(results)
        methods = orderedMethods(results)
        columns = orderedColumns(results)
        var cells: [String: MetricValue] = [:]
        for r in results { for m in r.metrics { cells[key(r.method, r.task, m.name)] = m } }
        self.cells = cells
    }

    /// The metric of `method` in `column`, or nil when that method has no such result.
    public func cell(_ method: String, _ column: (task: String, metric: String)) -> MetricValue? {
        cells[key(method, column.task, column.metric)]
    }
}

/// The same layout for differences from `baseline` (another method's name in `results`): each
/// cell is a method's value minus the baseline's on the same task, with a paired bootstrap
/// interval (`pairedDifferences`), marked * when that interval excludes zero.
public func differenceTable(_ results: [EvaluationResult], baseline: String, columns: [(task: String, metric: String)]? = nil,
                            percent: Bool = true, digits: Int = 1) throws -> ResultTable {
    try checkDistinct(results)
    let base = Dictionary(results.filter { $0.method == baseline }.map { ($0.task, $0) }, uniquingKeysWith: { a, _ in a })
    guard !base.isEmpty else {
        throw BenchmarkError.invalidArgument(op: "table", message: "no results of the baseline method '\(baseline)' (methods: \(orderedMethods(results).joined(separator: ", ")))")
    }
    var cells: [String: MetricValue] = [:]
    for r in results where r.method != baseline {
        guard let b = base[r.task] else { continue }
        for m in try pairedDifferences(r, from: b) { cells[key(r.method, r.task, m.name)] = m }
    }
    var body = resultTable(methods: orderedMethods(results).filter { $0 != baseline }, columns: columns ?? orderedColumns(results),
                           counts: counts(results), cell: { cells[key($0, $1.task, $1.metric)] },
                           format: { m in
                               let separated = m.low > 0 || m.high < 0
                               return interval(m, percent: percent, digits: digits, signed: true) + (separated ? " *" : "")
                           })
    body.note = "Differences from \(baseline)\(percent ? " in points" : ""), 95% paired bootstrap intervals over the same items; * the interval excludes 0."
    return body
}

/// Refuses results a table could not tell apart: the same method on the same task. Naming
/// them (and the settings they differ in) says which `method:` to give.
func checkDistinct(_ results: [EvaluationResult]) throws {
    var first: [String: Int] = [:]
    for (i, r) in results.enumerated() {
        let k = "\(r.method)\u{1}\(r.task)"
        guard let j = first[k] else { first[k] = i; continue }
        let other = results[j]
        let keys = Set(other.settings.keys).union(r.settings.keys).sorted().filter { other.settings[$0] != r.settings[$0] }
        let differ = keys.isEmpty ? "" : "; they differ in " + keys.map { "\($0) (\(other.settings[$0] ?? "unset") vs \(r.settings[$0] ?? "unset"))" }.joined(separator: ", ")
        throw BenchmarkError.invalidArgument(
            op: "table",
            message: "results \(j + 1) and \(i + 1) are both '\(r.method)' on \(r.task)\(differ): one row would hide the other. "
                + "Give each evaluate its own method: (or finetune its own name:)")
    }
}

private func key(_ method: String, _ task: String, _ metric: String) -> String { "\(method)\u{1}\(task)\u{1}\(metric)" }

private func orderedMethods(_ results: [EvaluationResult]) -> [String] {
    var methods: [String] = []
    for r in results where !methods.contains(r.method) { methods.append(r.method) }
    return methods
}

private func orderedColumns(_ results: [EvaluationResult]) -> [(task: String, metric: String)] {
    var cols: [(task: String, metric: String)] = []
    for r in results {
        for m in r.metrics where !cols.contains(where: { $0.task == r.task && $0.metric == m.name }) { cols.append((r.task, m.name)) }
    }
    return cols
}

/// The unit counts (n) each column's values rest on; more than one when rows were scored on
/// different numbers of items.
private func counts(_ results: [EvaluationResult]) -> [String: Set<Int>] {
    var counts: [String: Set<Int>] = [:]
    for r in results { for m in r.metrics { counts["\(r.task)\u{1}\(m.name)", default: []].insert(m.count) } }
    return counts
}

private func interval(_ m: MetricValue, percent: Bool, digits: Int, signed: Bool) -> String {
    let scale = percent ? 100.0 : 1.0
    func number(_ x: Double) -> String {
        guard !x.isNaN else { return "nan" }
        let text = formatFixed(x * scale, digits: digits)
        return signed && !text.hasPrefix("-") && x * scale != 0 ? "+" + text : text
    }
    return "\(number(m.value)) [\(number(m.low)), \(number(m.high))]"
}

/// A column's n goes in its header when every row rests on the same number of units; when rows
/// were scored on different numbers of items, each cell names its own n instead, so no header
/// claims a count some of its values do not have.
private func resultTable(methods: [String], columns: [(task: String, metric: String)], counts: [String: Set<Int>],
                         cell: (String, (task: String, metric: String)) -> MetricValue?, format: (MetricValue) -> String) -> ResultTable {
    var header = ["method"]
    var mixed = Set<Int>()
    for (i, c) in columns.enumerated() {
        let ns = counts["\(c.task)\u{1}\(c.metric)"] ?? []
        if ns.count > 1 { mixed.insert(i) }
        header.append("\(c.task) \(c.metric)" + (ns.count == 1 ? ns.first.map { " (n=\($0))" } ?? "" : ""))
    }
    let rows = methods.map { method in
        [method] + columns.enumerated().map { i, c in
            cell(method, c).map { m in format(m) + (mixed.contains(i) ? " (n=\(m.count))" : "") } ?? "–"
        }
    }
    return ResultTable(header: header, rows: rows)
}

/// Fixed-point text with `digits` decimals, rounding half away from zero, without Foundation's
/// locale-dependent formatting.
func formatFixed(_ x: Double, digits: Int) -> String {
    let d = max(0, min(10, digits))
    var p = 1.0
    for _ in 0..<d { p *= 10 }
    let scaled = (abs(x) * p).rounded(.toNearestOrAwayFromZero)
    let whole = Int(scaled / p)
    let frac = Int(scaled - Double(whole) * p)
    let sign = x < 0 && scaled != 0 ? "-" : ""
    guard d > 0 else { return sign + String(whole) }
    let fracText = String(frac)
    return sign + String(whole) + "." + String(repeating: "0", count: max(0, d - fracText.count)) + fracText
}
