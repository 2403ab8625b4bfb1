/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same sequence on every platform,
/// which Swift's `SystemRandomNumberGenerator` and `shuffle(using:)` do not promise.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for item `stream` of a run seeded `seed`: item i is the same whichever other
    /// items are generated, so datasets are prefix-stable and shards see the same items.
    public init(seed: UInt64, stream: UInt64) {
        var g = SeededGenerator(seed: seed ^ 0x6A09_E667_F3BC_C909)
        let a = g.next()
        var h = SeededGenerator(seed: a &+ stream &* 0x9E37_79B9_7F4A_7C15)
        state = h.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * uniform()
    }

    /// Uniform integer in 0..<n, by rejection so there is no modulo bias; 0 when n <= 1.
    public mutating func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// One element, or nil for an empty collection.
    public mutating func pick<T>(_ xs: [T]) -> T? {
        xs.isEmpty ? nil : xs[below(xs.count)]
    }

    /// Fisher-Yates with our own index draws, so a seed gives the same order on every toolchain.
    public mutating func shuffle<T>(_ xs: inout [T]) {
        guard xs.count > 1 else { return }
        for i in stride(from: xs.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { xs.swapAt(i, j) }
        }
    }

    public mutating func shuffled<T>(_ xs: [T]) -> [T] {
        var copy = xs
        shuffle(&copy)
        return copy
    }
}
