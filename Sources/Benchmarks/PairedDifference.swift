/// How much better `result` does than `baseline` on the same items: for every metric, the
/// difference of the two values with a paired bootstrap interval (one resample of items applied
/// to both methods). Two fine-tuned copies of one model agree on most items, so the difference
/// varies much less than each value does (Var(A - B) = Var A + Var B - 2 Cov(A, B)): intervals
/// that overlap in the side-by-side table can still separate the methods here.
public func pairedDifferences(_ result: EvaluationResult, from baseline: EvaluationResult) throws -> [MetricValue] {
    let what = "'\(result.method)' vs '\(baseline.method)' on \(result.task)"
    guard result.task == baseline.task, result.metricProtocol == baseline.metricProtocol else {
        throw BenchmarkError.invalidArgument(op: "table", message: "\(what): different tasks ('\(baseline.task)', \(baseline.metricProtocol.rawValue) vs '\(result.task)', \(result.metricProtocol.rawValue))")
    }
    guard result.items.count == baseline.items.count else {
        throw BenchmarkError.invalidArgument(op: "table", message: "\(what): a paired comparison needs the same items, got \(result.items.count) vs \(baseline.items.count)")
    }
    if let (a, b) = zip(result.items, baseline.items).first(where: { $0.index != $1.index || $0.id != $1.id || $0.target != $1.target }) {
        throw BenchmarkError.invalidArgument(op: "table", message: "\(what): a paired comparison needs the same items, got item \(a.index) ('\(a.id)') against item \(b.index) ('\(b.id)')")
    }
    let ours = try metricStatistics(result.metricProtocol, result.items, macro: result.macroPolicy)
    let theirs = try metricStatistics(baseline.metricProtocol, baseline.items, macro: baseline.macroPolicy)
    let all = Array(result.items.indices)
    return try ours.compactMap { a in
        guard let b = theirs.first(where: { $0.name == a.name }) else { return nil }
        let ci = try bootstrapInterval(units: all.count, settings: result.bootstrap) { a.statistic($0) - b.statistic($0) }
        return MetricValue(name: a.name, value: a.statistic(all) - b.statistic(all), low: ci.low, high: ci.high, count: a.count)
    }
}
