/// Each item's outcomes (1 = right, 0 = wrong) under a protocol, per metric, and the metric
/// names in the order they are reported. The metrics, the per-item view (`r.per_item`) and the
/// per-tag metrics all start here, so they cannot disagree.
public struct ItemOutcomes: Sendable {
    /// Metric names, in report order (without `macro_accuracy`, which is made from `accuracy`).
    public let names: [String]
    /// Per item (in the result's order), per metric: the item's outcomes. An ARO or Winoground
    /// item has one per metric; a retrieval image has one per caption for the image metrics.
    public let outcomes: [[String: [Double]]]

    public init(_ p: MetricProtocol, _ items: [ItemScores]) throws {
        var outcomes: [[String: [Double]]] = []
        switch p {
        case .winoground:
            names = ["text", "image", "group"]
            for item in items {
                let o = try WinogroundOutcome(scores: item.scores)
                outcomes.append(["text": [o.text ? 1 : 0], "image": [o.image ? 1 : 0], "group": [o.group ? 1 : 0]])
            }
        case .imageCoDe:
            names = ["image_r1"]
            for item in items {
                let (row, t) = try single(item, "imagecode")
                outcomes.append(["image_r1": [try recallAtK(row, correct: [t], k: 1) ? 1 : 0]])
            }
        case .aro:
            names = ["accuracy"]
            for item in items {
                let (row, t) = try single(item, "aro")
                outcomes.append(["accuracy": [try aroCorrect(row, trueIndex: t) ? 1 : 0]])
            }
        case .retrieval:
            names = ["text_r1", "text_r5", "image_r1", "image_r5"]
            outcomes = try retrievalOutcomes(items)
        case .generation, .editing:
            // Each row (an image generated for a caption, or an edit) holds 1 or 0 per column, or
            // -1 where a column does not apply: the outcomes are the entries that apply.
            names = p == .generation ? generationColumns : editingColumns
            for item in items {
                var byName: [String: [Double]] = [:]
                for (column, name) in names.enumerated() {
                    byName[name] = item.scores.compactMap { column < $0.count && $0[column] >= 0 ? $0[column] : nil }
                }
                outcomes.append(byName)
            }
        }
        self.outcomes = outcomes
    }
}

/// From item scores to metrics. Each item contributes outcomes (1 = right, 0 = wrong) to each
/// metric; the bootstrap resamples items, so for retrieval an image and its captions' outcomes
/// travel together (a cluster bootstrap).
func metricStatistics(_ p: MetricProtocol, _ items: [ItemScores], macro: MacroPolicy) throws -> [MetricStatistic] {
    // gen_eval's and edit_eval's rows are outcomes already, with their own per-kind metrics.
    switch p {
    case .generation: return try generationStatistics(items)
    case .editing: return try editingStatistics(items)
    default: break
    }
    let itemOutcomes = try ItemOutcomes(p, items)
    let outcomes = itemOutcomes.outcomes
    var statistics = itemOutcomes.names.map { name in
        let sums = outcomes.map { ($0[name] ?? []).reduce(0, +) }
        let counts = outcomes.map { ($0[name] ?? []).count }
        return MetricStatistic(name: name, count: counts.reduce(0, +)) { sample in
            var s = 0.0, c = 0
            for i in sample { s += sums[i]; c += counts[i] }
            return c == 0 ? .nan : s / Double(c)
        }
    }
    // ARO's macro average needs groups (relations, attribute pairs) that the policy keeps: Order
    // items have none, and a small VG-Attribution set may have no pair seen 25 times. Then the
    // metric is left out, not reported as nan.
    if p == .aro, let macroStatistic = macroAccuracy(items, outcomes, policy: macro) { statistics.append(macroStatistic) }
    return statistics
}

/// One metric as a function of a sample of item positions (drawn with replacement), so that
/// the bootstrap can recompute it on resamples; `count` is the number of outcomes behind it.
struct MetricStatistic {
    let name: String
    let count: Int
    let statistic: ([Int]) -> Double
}

/// Every metric of `items` with its bootstrap interval.
func computeMetrics(_ p: MetricProtocol, _ items: [ItemScores], bootstrap: BootstrapSettings,
                    macro: MacroPolicy) throws -> [MetricValue] {
    try metricStatistics(p, items, macro: macro).map { m in
        let ci = try bootstrapInterval(units: items.count, settings: bootstrap, statistic: m.statistic)
        return MetricValue(name: m.name, value: m.statistic(Array(items.indices)), low: ci.low, high: ci.high, count: m.count)
    }
}

private func single(_ item: ItemScores, _ op: String) throws -> ([Double], Int) {
    guard item.scores.count == 1, let row = item.scores.first, item.target.count == 1, let t = item.target.first else {
        throw BenchmarkError.invalidArgument(
            op: op, message: "item \(item.index) (\(item.id)) needs one score row and one target, got \(item.scores.count) rows and \(item.target.count) targets")
    }
    return (row, t)
}

/// The mean over groups of each group's accuracy, groups chosen by `policy` on the full set;
/// nil when the policy keeps no group.
private func macroAccuracy(_ items: [ItemScores], _ outcomes: [[String: [Double]]], policy: MacroPolicy) -> MetricStatistic? {
    let excluded = Set(policy.excludedGroups)
    var counts: [String: Int] = [:]
    for item in items { if let g = item.group { counts[g, default: 0] += 1 } }
    let kept = Set(counts.filter { !excluded.contains($0.key) && $0.value >= policy.minimumCount }.keys)
    guard !kept.isEmpty else { return nil }
    let groupOf: [String?] = items.map { $0.group.flatMap { kept.contains($0) ? $0 : nil } }
    let correct = outcomes.map { $0["accuracy"]?.first ?? 0 }
    return MetricStatistic(name: "macro_accuracy", count: groupOf.compactMap { $0 }.count) { sample in
        var s: [String: (Double, Int)] = [:]
        for i in sample { if let g = groupOf[i] { s[g, default: (0, 0)].0 += correct[i]; s[g, default: (0, 0)].1 += 1 } }
        guard !s.isEmpty else { return .nan }
        // Sorted keys: the same sum in the same order every time, so results are bit-identical.
        return s.keys.sorted().map { s[$0].map { $0.0 / Double($0.1) } ?? 0 }.reduce(0, +) / Double(s.count)
    }
}

/// Text retrieval: for each image, are its captions in the top k of scores[0]? Image retrieval:
/// for each caption, is its image in the top k of the images' scores[1] for that caption?
private func retrievalOutcomes(_ items: [ItemScores]) throws -> [[String: [Double]]] {
    let captionCount = items.first?.scores.first?.count ?? 0
    var owner = [Int](repeating: -1, count: captionCount)
    for (i, item) in items.enumerated() {
        guard item.scores.count == 2, item.scores.allSatisfy({ $0.count == captionCount }) else {
            throw BenchmarkError.invalidArgument(
                op: "retrieval", message: "item \(item.index) (\(item.id)) needs 2 score rows of \(captionCount) captions, got \(item.scores.map(\.count))")
        }
        for k in item.target {
            guard k >= 0, k < captionCount, owner[k] == -1 else {
                throw BenchmarkError.invalidArgument(
                    op: "retrieval", message: "item \(item.index): caption \(k) outside 0..<\(captionCount) or owned by two images")
            }
            owner[k] = i
        }
    }
    var out: [[String: [Double]]] = try items.map { item in
        let correct = Set(item.target)
        guard !correct.isEmpty else { return ["text_r1": [], "text_r5": []] }
        return ["text_r1": [try recallAtK(item.scores[0], correct: correct, k: 1) ? 1 : 0],
                "text_r5": [try recallAtK(item.scores[0], correct: correct, k: 5) ? 1 : 0]]
    }
    for k in 0..<captionCount where owner[k] >= 0 {
        let column = items.map { $0.scores[1][k] }
        let i = owner[k]
        out[i]["image_r1", default: []].append(try recallAtK(column, correct: [i], k: 1) ? 1 : 0)
        out[i]["image_r5", default: []].append(try recallAtK(column, correct: [i], k: 5) ? 1 : 0)
    }
    return out
}
