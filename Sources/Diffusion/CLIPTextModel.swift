import Foundation
import Tensors

/// transformers' `CLIPTextModel`: token + position embeddings, pre-LN transformer layers under a causal
/// mask, final layer norm. Its output, `last_hidden_state` [B, L, D], is what Stable Diffusion's UNet
/// attends to.
public struct CLIPTextModel: Sendable {
    public let config: CLIPTextConfig
    let tokenEmbedding: Embedding
    let positionEmbedding: Embedding
    let layers: [CLIPEncoderLayer]
    let finalLayerNorm: LayerNorm

    /// The key prefix diffusers checkpoints and transformers 4 use; transformers 5 saves without it.
    public static let keyPrefix = "text_model"

    /// Reads the weights under `text_model.` or, as transformers 5 writes them, with no prefix.
    public init(_ w: WeightStore, config: CLIPTextConfig) throws {
        let bare = !w.contains("\(Self.keyPrefix).embeddings.token_embedding.weight")
            && w.contains("embeddings.token_embedding.weight")
        try self.init(w, config: config, at: bare ? "" : Self.keyPrefix)
    }

    /// Reads the weights under `prefix` ("" for none).
    public init(_ w: WeightStore, config: CLIPTextConfig, at prefix: String) throws {
        guard let activation = CLIPActivation(rawValue: config.hiddenAct) else {
            throw TensorError.invalidArgument(op: "CLIP text encoder", message: "hidden_act '\(config.hiddenAct)' is not supported")
        }
        self.config = config
        let d = config.hiddenSize, eps = Float(config.layerNormEps)
        let prefix = prefix.isEmpty ? "" : prefix + "."
        tokenEmbedding = try Embedding(w, "\(prefix)embeddings.token_embedding", count: config.vocabSize, dim: d)
        positionEmbedding = try Embedding(w, "\(prefix)embeddings.position_embedding", count: config.maxPositionEmbeddings, dim: d)
        // A non-persistent buffer (arange) that older checkpoints still carry; it is not a weight.
        w.discard("\(prefix)embeddings.position_ids")
        layers = try (0..<config.numHiddenLayers).map {
            try CLIPEncoderLayer(w, "\(prefix)encoder.layers.\($0)", config: config, activation: activation)
        }
        finalLayerNorm = try LayerNorm(w, "\(prefix)final_layer_norm", dim: d, eps: eps)
    }

    /// Every weight under the names diffusers checkpoints use (`text_model.` prefix) whatever the file
    /// had: what a saved folder holds, so it loads in transformers 4 and 5 alike.
    public var parameters: [String: Parameter] {
        var p: [String: Parameter] = [:]
        func linear(_ l: Linear, _ at: String) { p[at + ".weight"] = l.weight; p[at + ".bias"] = l.bias }
        func norm(_ n: LayerNorm, _ at: String) { p[at + ".weight"] = n.weight; p[at + ".bias"] = n.bias }
        let at = Self.keyPrefix
        p["\(at).embeddings.token_embedding.weight"] = tokenEmbedding.weight
        p["\(at).embeddings.position_embedding.weight"] = positionEmbedding.weight
        for (i, layer) in layers.enumerated() {
            let l = "\(at).encoder.layers.\(i)"
            norm(layer.layerNorm1, "\(l).layer_norm1")
            linear(layer.attention.q, "\(l).self_attn.q_proj")
            linear(layer.attention.k, "\(l).self_attn.k_proj")
            linear(layer.attention.v, "\(l).self_attn.v_proj")
            linear(layer.attention.out, "\(l).self_attn.out_proj")
            norm(layer.layerNorm2, "\(l).layer_norm2")
            linear(layer.mlp.fc1, "\(l).mlp.fc1")
            linear(layer.mlp.fc2, "\(l).mlp.fc2")
        }
        norm(finalLayerNorm, "\(at).final_layer_norm")
        return p
    }

    /// last_hidden_state [B, L, D] for token ids [B, L] (one list per sequence, all of one length).
    public func callAsFunction(_ ids: [[Int]]) throws -> Tensor {
        let length = ids.first?.count ?? 0
        guard !ids.isEmpty, length > 0, ids.allSatisfy({ $0.count == length }) else {
            throw TensorError.invalidArgument(
                op: "CLIP text encoder",
                message: "expected a non-empty batch of token id sequences of one length, got lengths \(ids.map(\.count))")
        }
        return try self(ids: ids.flatMap { $0 }, shape: [ids.count, length])
    }

    /// last_hidden_state [B, L, D] for flat token ids with shape [B, L].
    public func callAsFunction(ids: [Int], shape: [Int]) throws -> Tensor {
        guard shape.count == 2, shape[0] > 0, shape[1] > 0, shape[0] * shape[1] == ids.count else {
            throw TensorError.badShape(op: "CLIP text encoder", expected: "token ids [B, L]", got: shape)
        }
        let length = shape[1]
        guard length <= config.maxPositionEmbeddings else {
            throw TensorError.invalidArgument(
                op: "CLIP text encoder",
                message: "\(length) tokens is more than the \(config.maxPositionEmbeddings) positions this text encoder has")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw TensorError.invalidArgument(
                op: "CLIP text encoder", message: "token id \(bad) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let positions = try positionEmbedding(Array(0..<length), shape: [1, length])
        var h = try tokenEmbedding(ids, shape: shape) + positions
        let mask = try Self.causalMask(length)
        for layer in layers { h = try layer(h, mask: mask) }
        return try finalLayerNorm(h)
    }

    /// Additive mask [1, 1, L, L]: position i attends to positions j <= i only.
    static func causalMask(_ length: Int) throws -> Tensor {
        var m = [Float](repeating: 0, count: length * length)
        for i in 0..<length { for j in (i + 1)..<length { m[i * length + j] = -.infinity } }
        return try Tensor(shape: [1, 1, length, length], scalars: m)
    }
}

/// One pre-LN block: x + attn(ln1(x)), then + mlp(ln2(.)).
struct CLIPEncoderLayer: Sendable {
    let layerNorm1: LayerNorm, attention: CLIPAttention
    let layerNorm2: LayerNorm, mlp: CLIPMLP

    init(_ w: WeightStore, _ at: String, config: CLIPTextConfig, activation: CLIPActivation) throws {
        let d = config.hiddenSize, eps = Float(config.layerNormEps)
        layerNorm1 = try LayerNorm(w, "\(at).layer_norm1", dim: d, eps: eps)
        attention = try CLIPAttention(w, "\(at).self_attn", dim: d, heads: config.numAttentionHeads)
        layerNorm2 = try LayerNorm(w, "\(at).layer_norm2", dim: d, eps: eps)
        mlp = try CLIPMLP(w, "\(at).mlp", dim: d, hidden: config.intermediateSize, activation: activation)
    }

    func callAsFunction(_ x: Tensor, mask: Tensor) throws -> Tensor {
        let h = try x + attention(layerNorm1(x), mask: mask)
        return try h + mlp(layerNorm2(h))
    }
}

/// Multi-head self-attention with separate q/k/v/out projections, scaled by head_dim^-1/2.
struct CLIPAttention: Sendable {
    let q: Linear, k: Linear, v: Linear, out: Linear
    let heads: Int

    init(_ w: WeightStore, _ at: String, dim: Int, heads: Int) throws {
        q = try Linear(w, "\(at).q_proj", in: dim, out: dim)
        k = try Linear(w, "\(at).k_proj", in: dim, out: dim)
        v = try Linear(w, "\(at).v_proj", in: dim, out: dim)
        out = try Linear(w, "\(at).out_proj", in: dim, out: dim)
        self.heads = heads
    }

    func callAsFunction(_ x: Tensor, mask: Tensor) throws -> Tensor {
        try out(Tensor.attention(q(x), k(x), v(x), heads: heads, mask: mask))
    }
}

/// fc1 -> activation -> fc2.
struct CLIPMLP: Sendable {
    let fc1: Linear, fc2: Linear
    let activation: CLIPActivation

    init(_ w: WeightStore, _ at: String, dim: Int, hidden: Int, activation: CLIPActivation) throws {
        fc1 = try Linear(w, "\(at).fc1", in: dim, out: hidden)
        fc2 = try Linear(w, "\(at).fc2", in: hidden, out: dim)
        self.activation = activation
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try fc1(x)
        switch activation {
        case .quickGelu: return try fc2(h.quickGelu())
        case .gelu: return try fc2(h.gelu())
        }
    }
}

extension CLIPTextModel {
    /// Writes `config.json` and `model.safetensors` (F32, `text_model.` names) into `folder`: a
    /// transformers `CLIPTextModel` folder, as a pipeline's `text_encoder/` holds it.
    public func save(into folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(config)
        try AtomicFile.write([UInt8](json), to: folder.appendingPathComponent("config.json").path)
        try SafeTensors.write(parameters.mapValues(\.value), metadata: ["format": "pt"],
                              to: folder.appendingPathComponent("model.safetensors").path)
    }
}
