import Foundation

/// A CLIP text encoder's `config.json`, with transformers' `CLIPTextConfig` defaults for absent keys.
/// Keys the text encoder does not use (`projection_dim`, `architectures`, dtypes, ...) are ignored.
public struct CLIPTextConfig: Codable, Sendable, Equatable {
    public var vocabSize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    public var maxPositionEmbeddings = 77
    /// "quick_gelu" (SD-1.x, OpenAI CLIP) or "gelu" (SD-2.x, OpenCLIP).
    public var hiddenAct = "quick_gelu"
    public var layerNormEps: Double = 1e-5
    public var padTokenId = 1
    public var bosTokenId = 49406
    public var eosTokenId = 49407

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case padTokenId = "pad_token_id"
        case bosTokenId = "bos_token_id"
        case eosTokenId = "eos_token_id"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // transformers types several of these as optional, so an explicit null means "the default".
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        vocabSize = try value(.vocabSize, vocabSize)
        hiddenSize = try value(.hiddenSize, hiddenSize)
        intermediateSize = try value(.intermediateSize, intermediateSize)
        numHiddenLayers = try value(.numHiddenLayers, numHiddenLayers)
        numAttentionHeads = try value(.numAttentionHeads, numAttentionHeads)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, maxPositionEmbeddings)
        hiddenAct = try value(.hiddenAct, hiddenAct)
        layerNormEps = try value(.layerNormEps, layerNormEps)
        padTokenId = try value(.padTokenId, padTokenId)
        bosTokenId = try value(.bosTokenId, bosTokenId)
        // transformers allows a list of EOS ids; the text model only needs the first.
        if let ids = try? c.decodeIfPresent([Int].self, forKey: .eosTokenId), let first = ids.first {
            eosTokenId = first
        } else {
            eosTokenId = try value(.eosTokenId, eosTokenId)
        }
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [CodingKeys.hiddenSize],
                debugDescription: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)"))
        }
        guard CLIPActivation(rawValue: hiddenAct) != nil else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [CodingKeys.hiddenAct],
                debugDescription: "hidden_act '\(hiddenAct)' is not supported (expected one of: "
                    + CLIPActivation.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
        }
    }

    /// Writes every field plus the identification transformers uses to pick the model class,
    /// so a saved folder loads with `CLIPTextModel.from_pretrained` and `AutoConfig`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(padTokenId, forKey: .padTokenId)
        try c.encode(bosTokenId, forKey: .bosTokenId)
        try c.encode(eosTokenId, forKey: .eosTokenId)
        var extra = encoder.container(keyedBy: IdentityKeys.self)
        try extra.encode(["CLIPTextModel"], forKey: .architectures)
        try extra.encode("clip_text_model", forKey: .modelType)
    }

    private enum IdentityKeys: String, CodingKey {
        case architectures
        case modelType = "model_type"
    }

    /// Reads `config.json` from a text encoder folder (or the file itself).
    public static func load(_ url: URL) throws -> CLIPTextConfig {
        let file = url.hasDirectoryPath ? url.appendingPathComponent("config.json") : url
        let data = try Data(contentsOf: file)
        return try JSONDecoder().decode(CLIPTextConfig.self, from: data)
    }
}

/// The MLP activations CLIP text encoders use, by transformers' `hidden_act` names.
public enum CLIPActivation: String, CaseIterable, Sendable {
    case quickGelu = "quick_gelu"
    case gelu = "gelu"
}
