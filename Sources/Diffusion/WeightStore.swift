import Tensors

/// The weights of one model component by diffusers' key names.
///
/// Layers read their parameters from it by key; the store remembers which keys were read
/// so that, once a model is built, any key left over is reported by name (`checkAllUsed`).
/// Every parameter is a `Parameter`, so training can switch gradients on for what it trains.
public final class WeightStore: @unchecked Sendable {
    /// Where the weights came from, for error messages.
    public let origin: String
    private var values: [String: Tensor]
    private(set) var read: [String: Parameter] = [:]

    /// Makes up the weights that are missing, for a model trained from scratch.
    private var initializer: FreshWeights?

    public init(_ values: [String: Tensor], origin: String) {
        self.values = values
        self.origin = origin
    }

    /// An empty store that creates every weight a model asks for, initialised as PyTorch does.
    public init(freshWithSeed seed: UInt64, origin: String) {
        self.values = [:]
        self.origin = origin
        self.initializer = FreshWeights(generator: RandomGenerator(seed: seed))
    }

    public var keys: [String] { values.keys.sorted() }

    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// Moves an unread value to a new key: for checkpoints that spell a layer's name the older way
    /// (the VAE's legacy `query/key/value/proj_attn`), so the model and `save` see current names.
    public func rename(_ old: String, to new: String) {
        guard let v = values.removeValue(forKey: old) else { return }
        values[new] = v
    }

    /// The parameter at `key`, which must have `shape` when given.
    public func parameter(_ key: String, shape: [Int]? = nil) throws -> Parameter {
        if let p = read[key] { return p }
        if values[key] == nil, let shape, initializer != nil {
            values[key] = try initializer?.make(key, shape: shape, siblings: read)
        }
        guard let value = values[key] else { throw WeightError.missingKey(key, origin: origin) }
        if let shape, value.shape != shape {
            throw WeightError.shapeMismatch(key, expected: shape, found: value.shape, origin: origin)
        }
        let p = Parameter(value)
        read[key] = p
        values[key] = nil  // the parameter owns the memory now
        return p
    }

    /// Drops `key` if present without making it a parameter: for buffers a checkpoint may carry that
    /// are not weights (e.g. CLIP's `position_ids`), so they are neither reported nor saved.
    public func discard(_ key: String) {
        values[key] = nil
    }

    /// Every parameter read so far, by key (what `save` writes and training updates).
    public var parameters: [String: Parameter] { read }

    /// Every Linear layer built from this store, by its key prefix (where LoRA attaches).
    public private(set) var linearLayers: [String: Linear] = [:]

    func register(_ layer: Linear, at prefix: String) { linearLayers[prefix] = layer }

    /// Throws naming the first keys that no layer read.
    public func checkAllUsed() throws {
        let left = values.keys.sorted()
        guard left.isEmpty else { throw WeightError.unexpectedKeys(left, origin: origin) }
    }
}

/// Problems with a checkpoint's weights: each names the key and, where it applies, both shapes.
public enum WeightError: Error, CustomStringConvertible, Equatable {
    case missingKey(String, origin: String)
    case unexpectedKeys([String], origin: String)
    case shapeMismatch(String, expected: [Int], found: [Int], origin: String)

    public var description: String {
        switch self {
        case let .missingKey(key, origin):
            return "\(origin): missing weight '\(key)'"
        case let .unexpectedKeys(keys, origin):
            let shown = keys.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            return "\(origin): \(keys.count) unexpected weight(s) the config does not use: \(shown)\(keys.count > 5 ? ", ..." : "")"
        case let .shapeMismatch(key, expected, found, origin):
            return "\(origin): weight '\(key)' should have shape \(formatShape(expected)) for this config, found \(formatShape(found))"
        }
    }
}

/// PyTorch's default initialisation, chosen by what a key names: Linear and Conv weights
/// kaiming-uniform U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and their biases the same bound; norm
/// scales 1 and shifts 0; embedding tables N(0, 0.02) as CLIP initialises them.
struct FreshWeights {
    var generator: RandomGenerator

    mutating func make(_ key: String, shape: [Int], siblings: [String: Parameter]) throws -> Tensor {
        let isBias = key.hasSuffix(".bias")
        // Embedding tables only: the time embedding's Linear layers (`time_embedding.linear_1`) are Linears.
        if key.hasSuffix("_embedding.weight") && shape.count == 2 {
            return try generator.normal(shape) * 0.02
        }
        if shape.count >= 2 {
            let bound = 1 / Float(shape.dropFirst().reduce(1, *)).squareRoot()
            return try generator.uniform(shape, lo: -bound, hi: bound)
        }
        let owner = String(key.dropLast(isBias ? 5 : 7))
        if isBias, let weight = siblings[owner + ".weight"], weight.shape.count >= 2 {
            let bound = 1 / Float(weight.shape.dropFirst().reduce(1, *)).squareRoot()
            return try generator.uniform(shape, lo: -bound, hi: bound)
        }
        return Tensor(repeating: isBias ? 0 : 1, shape: shape)
    }
}
