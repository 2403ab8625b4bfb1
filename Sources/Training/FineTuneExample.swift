import Tensors

/// One training example: an image [1,3,H,W] in [0,1] with its caption, and optionally a
/// hard-negative caption and a hard-negative image (the same objects rearranged).
public struct FineTuneExample: Sendable {
    public var image: Tensor
    public var caption: String
    public var negativeCaption: String?
    public var negativeImage: Tensor?

    public init(image: Tensor, caption: String, negativeCaption: String? = nil, negativeImage: Tensor? = nil) {
        self.image = image
        self.caption = caption
        self.negativeCaption = negativeCaption
        self.negativeImage = negativeImage
    }
}

/// The examples a run draws from, produced on demand so a large set (rendered scenes, files)
/// need not sit in memory: `example(i)` builds example i, `caption(i)` its caption alone.
public struct FineTuneData: Sendable {
    public let count: Int
    public let example: @Sendable (Int) throws -> FineTuneExample
    public let caption: @Sendable (Int) throws -> String

    public init(count: Int, example: @escaping @Sendable (Int) throws -> FineTuneExample,
                caption: (@Sendable (Int) throws -> String)? = nil) {
        self.count = count
        self.example = example
        self.caption = caption ?? { try example($0).caption }
    }

    public init(_ examples: [FineTuneExample]) {
        self.init(count: examples.count, example: { examples[$0] }, caption: { examples[$0].caption })
    }
}

/// Which examples each step sees: a fresh seeded permutation per epoch, so the order depends
/// only on (seed, step) and a resumed run sees exactly the batches an uninterrupted one would.
struct BatchSampler {
    let count: Int, batchSize: Int, seed: UInt64
    private var permutations: [Int: [Int]] = [:]

    init(count: Int, batchSize: Int, seed: UInt64) {
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
    }

    mutating func indices(step: Int) -> [Int] {
        (0..<batchSize).map { j in
            let i = step * batchSize + j
            let epoch = i / count
            if permutations[epoch] == nil {
                permutations = [epoch: RandomGenerator(seed: seed, stream: 1 << 40 | UInt64(epoch)).permutationOf(count)]
            }
            return permutations[epoch]?[i % count] ?? 0
        }
    }
}

extension RandomGenerator {
    /// A permutation from a throwaway copy, so callers can keep `let` generators.
    func permutationOf(_ n: Int) -> [Int] {
        var g = self
        return g.permutation(n)
    }
}
