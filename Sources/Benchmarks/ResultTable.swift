import Foundation

/// A Markdown table in the layout of the SoftNeg paper's Table 1: methods as rows, task metrics
/// as columns, each cell the value with its 95% CI, in percent. Rows and columns keep the order
/// in which they first appear in `results`; a method without a value for a column shows "–".
public func table(_ results: [EvaluationResult], columns: [(task: String, metric: String)]? = nil,
                  percent: Bool = true, digits: Int = 1) -> String {
    var methods: [String] = []
    var cols: [(task: String, metric: String)] = []
    var cells: [String: MetricValue] = [:]
    var counts: [String: Int] = [:]
    for r in results {
        if !methods.contains(r.method) { methods.append(r.method) }
        for m in r.metrics {
            if !cols.contains(where: { $0.task == r.task && $0.metric == m.name }) { cols.append((r.task, m.name)) }
            cells["\(r.method)\u{1}\(r.task)\u{1}\(m.name)"] = m
            counts["\(r.task)\u{1}\(m.name)"] = m.count
        }
    }
    if let columns { cols = columns }
    let scale = percent ? 100.0 : 1.0
    func number(_ x: Double) -> String {
        x.isNaN ? "nan" : formatFixed(x * scale, digits: digits)
    }
    var header = ["method"]
    for c in cols {
        let n = counts["\(c.task)\u{1}\(c.metric)"].map { " (n=\($0))" } ?? ""
        header.append("\(c.task) \(c.metric)\(n)")
    }
    var lines = ["| " + header.map(escapeCell).joined(separator: " | ") + " |",
                 "|" + header.indices.map { $0 == 0 ? " --- " : " ---: " }.joined(separator: "|") + "|"]
    for method in methods {
        var row = [method]
        for c in cols {
            if let m = cells["\(method)\u{1}\(c.task)\u{1}\(c.metric)"] {
                row.append("\(number(m.value)) [\(number(m.low)), \(number(m.high))]")
            } else {
                row.append("–")
            }
        }
        lines.append("| " + row.map(escapeCell).joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n") + "\n"
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

private func escapeCell(_ s: String) -> String {
    s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
}
