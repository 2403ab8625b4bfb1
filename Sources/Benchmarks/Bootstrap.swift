/// How confidence intervals are drawn: percentile bootstrap over items, seeded.
public struct BootstrapSettings: Codable, Equatable, Sendable {
    public var resamples: Int = 1000
    public var seed: UInt64 = 0
    /// Coverage of the interval, 0.95 for a 95% CI.
    public var level: Double = 0.95

    public init(resamples: Int = 1000, seed: UInt64 = 0, level: Double = 0.95) {
        self.resamples = resamples
        self.seed = seed
        self.level = level
    }
}

/// Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): resample the n units with
/// replacement `resamples` times, evaluate `statistic` on each resample, and return the
/// (1-level)/2 and (1+level)/2 quantiles of those values (lower: the value at index
/// floor(B·(1-level)/2), upper: at index ceil(B·(1+level)/2) - 1 of the sorted B values).
/// A resample on which the statistic is undefined (nan: a subgroup's mean when no unit of the
/// subgroup was drawn) is left out, so B counts the defined ones; nan only when none is.
public func bootstrapInterval(units n: Int, settings: BootstrapSettings,
                              statistic: ([Int]) -> Double) throws -> (low: Double, high: Double) {
    guard settings.resamples >= 1 else {
        throw BenchmarkError.invalidArgument(op: "bootstrap", message: "resamples must be at least 1, got \(settings.resamples)")
    }
    guard settings.level > 0, settings.level < 1 else {
        throw BenchmarkError.invalidArgument(op: "bootstrap", message: "level must be in (0,1), got \(settings.level)")
    }
    guard n > 0 else { return (.nan, .nan) }
    var rng = SeededGenerator(seed: settings.seed)
    var values: [Double] = []
    values.reserveCapacity(settings.resamples)
    var sample = [Int](repeating: 0, count: n)
    for _ in 0..<settings.resamples {
        for k in 0..<n { sample[k] = rng.below(n) }
        let value = statistic(sample)
        if !value.isNaN { values.append(value) }
    }
    guard !values.isEmpty else { return (.nan, .nan) }
    values.sort()
    let b = Double(values.count)
    let alpha = (1 - settings.level) / 2
    let lo = min(values.count - 1, max(0, Int((b * alpha).rounded(.down))))
    let hi = min(values.count - 1, max(0, Int((b * (1 - alpha)).rounded(.up)) - 1))
    return (values[lo], values[hi])
}
