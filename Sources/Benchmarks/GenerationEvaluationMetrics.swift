/// gen_eval's items as `ItemScores` (protocol `.generation`): one item per caption, one score
/// row per image generated for it, holding 1 (pass) or 0 (fail) per column of
/// `generationColumns`, or -1 where a category does not apply. Keeping them in the common
/// result type lets `table`, result files, shard merging and paired differences between
/// models work on generation as on every other task.
public let generationColumns: [String] = GenerationCategory.allCases.map(\.rawValue) + ["unparseable"]

extension GenerationChecks {
    /// This image's row in `generationColumns` order.
    public var scoreRow: [Double] {
        GenerationCategory.allCases.map { c in passed[c].map { $0 ? 1 : 0 } ?? -1 } + [unparseable ? 1 : 0]
    }
}

/// Each column's mean over every image of the sampled items, where it applies. Resampling
/// captions rather than images keeps a caption's samples together (a cluster bootstrap): they
/// share the caption and are not independent.
func generationStatistics(_ items: [ItemScores]) throws -> [MetricStatistic] {
    for item in items {
        guard item.scores.allSatisfy({ $0.count == generationColumns.count }) else {
            throw BenchmarkError.invalidArgument(
                op: "gen_eval", message: "item \(item.index) (\(item.id)) needs rows of \(generationColumns.count) outcomes (\(generationColumns.joined(separator: ", "))), got \(item.scores.map(\.count))")
        }
    }
    return generationColumns.enumerated().compactMap { column, name in
        columnStatistic(name, items, column: column)
    }
}

/// The mean of one column of outcome rows over the sampled items, entries below 0 skipped as
/// not applicable; nil when no item has an applicable entry. `include` picks the items that count.
func columnStatistic(_ name: String, _ items: [ItemScores], column: Int,
                     include: (ItemScores) -> Bool = { _ in true }) -> MetricStatistic? {
    var sums = [Double](repeating: 0, count: items.count), counts = [Int](repeating: 0, count: items.count)
    for (i, item) in items.enumerated() where include(item) {
        for row in item.scores where column < row.count && row[column] >= 0 {
            sums[i] += row[column]
            counts[i] += 1
        }
    }
    let total = counts.reduce(0, +)
    guard total > 0 else { return nil }
    return MetricStatistic(name: name, count: total) { sample in
        var s = 0.0, c = 0
        for i in sample { s += sums[i]; c += counts[i] }
        return c == 0 ? .nan : s / Double(c)
    }
}
