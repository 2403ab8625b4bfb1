import Dispatch
import Foundation

/// A seedable random stream built on Philox4x32-10 (Salmon et al., SC 2011).
///
/// Counter-based: block `i` of the stream is `philox(counter: i, key: seed)`, a pure
/// function. So the numbers depend only on the seed, the stream id and how many blocks
/// earlier calls consumed — never on thread count or timing — and a large request can be
/// filled by several threads with the same result as one. Every call starts on a fresh
/// 128-bit block and consumes whole blocks.
public struct RandomGenerator: Sendable, Equatable {
    public let seed: UInt64
    /// Selects an independent stream for the same seed (the counter's high 64 bits).
    public let stream: UInt64
    /// Index of the next unused block (the counter's low 64 bits).
    public private(set) var position: UInt64 = 0

    public init(seed: UInt64, stream: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
    }

    // MARK: Philox4x32-10

    typealias Block = (UInt32, UInt32, UInt32, UInt32)

    /// The Philox4x32 bijection with 10 rounds, as defined in Random123.
    static func philox(counter: Block, key: (UInt32, UInt32)) -> Block {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) * UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) * UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
        }
        return c
    }

    /// Block `index` of this generator's stream.
    func block(_ index: UInt64) -> Block {
        Self.philox(
            counter: (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
                      UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// Fills `count` values, `perBlock` from each block, splitting large requests across
    /// threads by block index (which cannot change the result).
    mutating func fill(
        count: Int, perBlock: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        _ values: @escaping @Sendable (Block, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> [Float] {
        let blocks = (count + perBlock - 1) / perBlock
        let first = position
        position &+= UInt64(blocks)
        let generator = self
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let out = buffer.baseAddress else { initialized = 0; return }
            let address = Int(bitPattern: out)
            let chunkBlocks = 1 << 14
            let chunks = (blocks + chunkBlocks - 1) / chunkBlocks
            let work: @Sendable (Int) -> Void = { chunk in
                guard let out = UnsafeMutablePointer<Float>(bitPattern: address) else { return }
                for b in (chunk * chunkBlocks)..<min(blocks, (chunk + 1) * chunkBlocks) {
                    let start = b * perBlock
                    values(generator.block(first &+ UInt64(b)), out + start, min(perBlock, count - start))
                }
            }
            if threads > 1 && chunks > 1 {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
            } else {
                for chunk in 0..<chunks { work(chunk) }
            }
            initialized = count
        }
    }

    // MARK: Distributions

    /// Standard normal samples (Box-Muller on two 53-bit uniforms per pair, in Double).
    public mutating func normal(count: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Float] {
        fill(count: max(count, 0), perBlock: 2, threads: threads) { b, out, n in
            let (z0, z1) = RandomGenerator.boxMuller(b)
            out[0] = z0
            if n > 1 { out[1] = z1 }
        }
    }

    /// A tensor of standard normal samples.
    public mutating func normal(_ shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, scalars: normal(count: try Self.count(shape, "normal")))
    }

    /// Uniform samples in [lo, hi) from 24-bit uniforms, four per block.
    public mutating func uniform(count: Int, lo: Float = 0, hi: Float = 1) -> [Float] {
        fill(count: max(count, 0), perBlock: 4) { b, out, n in
            for i in 0..<n {
                let u = Float(RandomGenerator.lane(b, i) >> 8) * 0x1p-24
                let v = lo + (hi - lo) * u
                // Rounding can land on hi; the interval is half-open.
                out[i] = hi > lo && v >= hi ? hi.nextDown : v
            }
        }
    }

    /// A tensor of uniform samples in [lo, hi).
    public mutating func uniform(_ shape: [Int], lo: Float = 0, hi: Float = 1) throws -> Tensor {
        try Tensor(shape: shape, scalars: uniform(count: try Self.count(shape, "uniform"), lo: lo, hi: hi))
    }

    /// `count` integers drawn uniformly from `range`, without modulo bias (Lemire's method).
    public mutating func integers(_ count: Int, in range: Range<Int>) throws -> [Int] {
        guard !range.isEmpty else {
            throw TensorError.invalidArgument(op: "integers", message: "empty range \(range)")
        }
        let width = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound))
        var words = WordStream(generator: self)
        let result = (0..<max(count, 0)).map { _ in
            Int(truncatingIfNeeded: Int64(range.lowerBound) &+ Int64(bitPattern: words.below(width)))
        }
        position = words.nextBlock
        return result
    }

    /// A uniformly random ordering of 0..<n (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<max(n, 0))
        var words = WordStream(generator: self)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(words.below(UInt64(i + 1))))
            }
        }
        position = words.nextBlock
        return order
    }

    /// 64-bit words from consecutive blocks, two per block.
    private struct WordStream {
        let generator: RandomGenerator
        var nextBlock: UInt64
        var pending: UInt64? = nil

        init(generator: RandomGenerator) {
            self.generator = generator
            nextBlock = generator.position
        }

        mutating func next() -> UInt64 {
            if let word = pending {
                pending = nil
                return word
            }
            let b = generator.block(nextBlock)
            nextBlock &+= 1
            pending = UInt64(b.2) | UInt64(b.3) << 32
            return UInt64(b.0) | UInt64(b.1) << 32
        }

        /// Uniform in 0..<bound (bound > 0): multiply-shift with rejection of the biased zone.
        mutating func below(_ bound: UInt64) -> UInt64 {
            var product = next().multipliedFullWidth(by: bound)
            if product.low < bound {
                let threshold = (0 &- bound) % bound
                while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
            }
            return product.high
        }
    }

    /// Two standard normals from one block: lanes 0-1 and 2-3 each make a 53-bit uniform.
    @inline(__always)
    static func boxMuller(_ b: Block) -> (Float, Float) {
        let a = (UInt64(b.0) | UInt64(b.1) << 32) >> 11
        let c = (UInt64(b.2) | UInt64(b.3) << 32) >> 11
        let u1 = (Double(a) + 0.5) * 0x1p-53  // in (0, 1): log is finite
        let u2 = Double(c) * 0x1p-53
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (Float(r * Foundation.cos(theta)), Float(r * Foundation.sin(theta)))
    }

    @inline(__always)
    static func lane(_ b: Block, _ i: Int) -> UInt32 {
        switch i {
        case 0: return b.0
        case 1: return b.1
        case 2: return b.2
        default: return b.3
        }
    }

    static func count(_ shape: [Int], _ op: String) throws -> Int {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: op, message: "negative size in shape \(formatShape(shape))")
        }
        return shape.reduce(1, *)
    }
}

extension Tensor {
    /// Standard normal samples drawn from `generator` (advancing it).
    public static func randn(_ shape: [Int], generator: inout RandomGenerator) throws -> Tensor {
        try generator.normal(shape)
    }

    /// Standard normal samples from a fresh generator seeded with `seed`.
    public static func randn(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try generator.normal(shape)
    }

    /// Uniform samples in [lo, hi) drawn from `generator` (advancing it).
    public static func rand(_ shape: [Int], lo: Float = 0, hi: Float = 1, generator: inout RandomGenerator) throws -> Tensor {
        try generator.uniform(shape, lo: lo, hi: hi)
    }
}
