import Benchmarks
import Plotting

/// How a result reads when it is the value of an input (the REPL's echo, `print`, a report's
/// cell): what was scored, on how many items with which settings, then one row per metric with
/// its 95% interval and n. Inside a list or record it stays one line (`description`).
extension ResultValue {
    public func display(width: Int) -> String {
        let r = result
        var scope = "\(r.items.count) item\(r.items.count == 1 ? "" : "s")"
        if let shard = r.shard { scope += " of \(r.totalItems), shard \(shard.index) of \(shard.count)" }
        let settings = r.settings.keys.sorted().compactMap { k in r.settings[k].map { "\(k) \($0)" } }
        let title = "result \(r.method) on \(r.task) (" + ([scope] + settings).joined(separator: ", ") + ")"
        guard !r.metrics.isEmpty else {
            return title + "\nno metrics yet: a retrieval shard holds part of the gallery; merge_results joins the shards"
        }
        // One number format for all the metric's numbers, with the digits that tell every two
        // different values apart (as tensors print).
        let numbers = r.metrics.flatMap { [$0.value, $0.low, $0.high] }.filter { !$0.isNaN }
        let format = TensorFormatter.cellFormat(values: numbers.map(Float.init))
        func number(_ x: Double) -> String { x.isNaN ? "nan" : format.format(Float(x)) }
        let rows = r.metrics.map { m in [m.name, number(m.value), "[\(number(m.low)), \(number(m.high))]", String(m.count)] }
        let table = Table(header: ["metric", "value", "95% CI", "n"], rows: rows, alignments: [.left, .right, .left, .right])
        return Printer.wrap(title, width: width, hanging: 2) + "\n" + table.text
    }
}
