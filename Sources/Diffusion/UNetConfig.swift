import Foundation

/// A UNet2DConditionModel's `config.json`, under diffusers' key names and with diffusers' defaults
/// (diffusers 0.42, `UNet2DConditionModel.__init__`) for every absent key.
///
/// Fields diffusers accepts as "an int or one value per down block" are decoded to one value per
/// down block, so the model never has to ask which form it got.
public struct UNetConfig: Codable, Equatable, Sendable {
    public var sampleSize: [Int]?
    public var inChannels = 4
    public var outChannels = 4
    public var centerInputSample = false
    public var flipSinToCos = true
    public var freqShift: Double = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var onlyCrossAttention: [Bool] = [false, false, false, false]
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = [2, 2, 2, 2]
    public var downsamplePadding = 1
    public var midBlockScaleFactor: Double = 1
    public var actFn = "silu"
    public var normNumGroups: Int? = 32
    public var normEps: Double = 1e-5
    public var crossAttentionDim = [1280, 1280, 1280, 1280]
    public var transformerLayersPerBlock = [1, 1, 1, 1]
    /// Per down block. In SD-1.x-era configs this is really the number of heads (see `heads`).
    public var attentionHeadDim = [8, 8, 8, 8]
    public var numAttentionHeads: [Int]?
    public var dualCrossAttention = false
    public var useLinearProjection = false
    public var classEmbedType: String?
    public var additionEmbedType: String?
    public var numClassEmbeds: Int?
    public var encoderHidDim: Int?
    public var upcastAttention = false
    public var resnetTimeScaleShift = "default"
    public var timeEmbeddingType = "positional"
    public var timeEmbeddingDim: Int?
    public var timeEmbeddingActFn: String?
    public var timestepPostAct: String?
    public var timeCondProjDim: Int?
    public var convInKernel = 3
    public var convOutKernel = 3
    public var attentionType = "default"
    public var crossAttentionNorm: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", actFn = "act_fn", normNumGroups = "norm_num_groups"
        case normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block", attentionHeadDim = "attention_head_dim"
        case numAttentionHeads = "num_attention_heads", dualCrossAttention = "dual_cross_attention"
        case useLinearProjection = "use_linear_projection", classEmbedType = "class_embed_type"
        case additionEmbedType = "addition_embed_type", numClassEmbeds = "num_class_embeds"
        case encoderHidDim = "encoder_hid_dim", upcastAttention = "upcast_attention"
        case resnetTimeScaleShift = "resnet_time_scale_shift", timeEmbeddingType = "time_embedding_type"
        case timeEmbeddingDim = "time_embedding_dim", timeEmbeddingActFn = "time_embedding_act_fn"
        case timestepPostAct = "timestep_post_act", timeCondProjDim = "time_cond_proj_dim"
        case convInKernel = "conv_in_kernel", convOutKernel = "conv_out_kernel", attentionType = "attention_type"
        case crossAttentionNorm = "cross_attention_norm"
        case className = "_class_name", diffusersVersion = "_diffusers_version"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = UNetConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        d.downBlockTypes = try value(.downBlockTypes, d.downBlockTypes)
        let blocks = d.downBlockTypes.count
        func perBlock<T: Codable & Equatable>(_ key: CodingKeys, _ fallback: T) throws -> [T] {
            try c.decodeOneOrList(T.self, forKey: key, count: blocks) ?? Array(repeating: fallback, count: blocks)
        }
        d.sampleSize = try c.decodeOneOrList(Int.self, forKey: .sampleSize, count: 1)
        d.inChannels = try value(.inChannels, d.inChannels)
        d.outChannels = try value(.outChannels, d.outChannels)
        d.centerInputSample = try value(.centerInputSample, d.centerInputSample)
        d.flipSinToCos = try value(.flipSinToCos, d.flipSinToCos)
        d.freqShift = try value(.freqShift, d.freqShift)
        if c.contains(.midBlockType) {
            d.midBlockType = try c.decodeIfPresent(String.self, forKey: .midBlockType)  // null means no mid block
        }
        d.upBlockTypes = try value(.upBlockTypes, d.upBlockTypes)
        d.onlyCrossAttention = try perBlock(.onlyCrossAttention, false)
        d.blockOutChannels = try value(.blockOutChannels, d.blockOutChannels)
        d.layersPerBlock = try perBlock(.layersPerBlock, 2)
        d.downsamplePadding = try value(.downsamplePadding, d.downsamplePadding)
        d.midBlockScaleFactor = try value(.midBlockScaleFactor, d.midBlockScaleFactor)
        d.actFn = try value(.actFn, d.actFn)
        if c.contains(.normNumGroups) { d.normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) }
        d.normEps = try value(.normEps, d.normEps)
        d.crossAttentionDim = try perBlock(.crossAttentionDim, 1280)
        d.transformerLayersPerBlock = try perBlock(.transformerLayersPerBlock, 1)
        d.attentionHeadDim = try perBlock(.attentionHeadDim, 8)
        d.numAttentionHeads = try c.decodeOneOrList(Int.self, forKey: .numAttentionHeads, count: blocks)
        d.dualCrossAttention = try value(.dualCrossAttention, d.dualCrossAttention)
        d.useLinearProjection = try value(.useLinearProjection, d.useLinearProjection)
        d.classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        d.additionEmbedType = try c.decodeIfPresent(String.self, forKey: .additionEmbedType)
        d.numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        d.encoderHidDim = try c.decodeIfPresent(Int.self, forKey: .encoderHidDim)
        d.upcastAttention = try value(.upcastAttention, d.upcastAttention)
        d.resnetTimeScaleShift = try value(.resnetTimeScaleShift, d.resnetTimeScaleShift)
        d.timeEmbeddingType = try value(.timeEmbeddingType, d.timeEmbeddingType)
        d.timeEmbeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        d.timeEmbeddingActFn = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingActFn)
        d.timestepPostAct = try c.decodeIfPresent(String.self, forKey: .timestepPostAct)
        d.timeCondProjDim = try c.decodeIfPresent(Int.self, forKey: .timeCondProjDim)
        d.convInKernel = try value(.convInKernel, d.convInKernel)
        d.convOutKernel = try value(.convOutKernel, d.convOutKernel)
        d.attentionType = try value(.attentionType, d.attentionType)
        d.crossAttentionNorm = try c.decodeIfPresent(String.self, forKey: .crossAttentionNorm)
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("UNet2DConditionModel", forKey: .className)
        try c.encode(diffusersReferenceVersion, forKey: .diffusersVersion)
        if let sampleSize { try c.encode(sampleSize.count == 1 ? .one(sampleSize[0]) : OneOrList.list(sampleSize), forKey: .sampleSize) }
        else { try c.encodeNil(forKey: .sampleSize) }
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(centerInputSample, forKey: .centerInputSample)
        try c.encode(flipSinToCos, forKey: .flipSinToCos)
        try c.encode(freqShift, forKey: .freqShift)
        try c.encode(downBlockTypes, forKey: .downBlockTypes)
        try c.encode(midBlockType, forKey: .midBlockType)
        try c.encode(upBlockTypes, forKey: .upBlockTypes)
        try c.encode(OneOrList(onlyCrossAttention), forKey: .onlyCrossAttention)
        try c.encode(blockOutChannels, forKey: .blockOutChannels)
        try c.encode(OneOrList(layersPerBlock), forKey: .layersPerBlock)
        try c.encode(downsamplePadding, forKey: .downsamplePadding)
        try c.encode(midBlockScaleFactor, forKey: .midBlockScaleFactor)
        try c.encode(actFn, forKey: .actFn)
        try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(normEps, forKey: .normEps)
        try c.encode(OneOrList(crossAttentionDim), forKey: .crossAttentionDim)
        try c.encode(OneOrList(transformerLayersPerBlock), forKey: .transformerLayersPerBlock)
        try c.encode(OneOrList(attentionHeadDim), forKey: .attentionHeadDim)
        try c.encode(numAttentionHeads.map(OneOrList.init), forKey: .numAttentionHeads)
        try c.encode(dualCrossAttention, forKey: .dualCrossAttention)
        try c.encode(useLinearProjection, forKey: .useLinearProjection)
        try c.encode(classEmbedType, forKey: .classEmbedType)
        try c.encode(additionEmbedType, forKey: .additionEmbedType)
        try c.encode(numClassEmbeds, forKey: .numClassEmbeds)
        try c.encode(encoderHidDim, forKey: .encoderHidDim)
        try c.encode(upcastAttention, forKey: .upcastAttention)
        try c.encode(resnetTimeScaleShift, forKey: .resnetTimeScaleShift)
        try c.encode(timeEmbeddingType, forKey: .timeEmbeddingType)
        try c.encode(timeEmbeddingDim, forKey: .timeEmbeddingDim)
        try c.encode(timeEmbeddingActFn, forKey: .timeEmbeddingActFn)
        try c.encode(timestepPostAct, forKey: .timestepPostAct)
        try c.encode(timeCondProjDim, forKey: .timeCondProjDim)
        try c.encode(convInKernel, forKey: .convInKernel)
        try c.encode(convOutKernel, forKey: .convOutKernel)
        try c.encode(attentionType, forKey: .attentionType)
        try c.encode(crossAttentionNorm, forKey: .crossAttentionNorm)
    }

    /// Heads per down block. diffusers reads `num_attention_heads`, falling back to
    /// `attention_head_dim`, which early configs used to mean the number of heads
    /// (diffusers issue #2011); every UNet block type here takes it as the head count.
    public var heads: [Int] { numAttentionHeads ?? attentionHeadDim }

    /// Width of the time embedding MLP.
    public var timeEmbedDim: Int { timeEmbeddingDim ?? (blockOutChannels.first ?? 0) * 4 }

    /// Throws for a config this implementation does not build, naming the option.
    public func validate(origin: String) throws {
        func bad(_ key: String, _ message: String) -> CheckpointError {
            .config(origin: origin, key: key, message: message)
        }
        let n = downBlockTypes.count
        guard n > 0 else { throw bad("down_block_types", "is empty") }
        guard upBlockTypes.count == n else { throw bad("up_block_types", "has \(upBlockTypes.count) entries, down_block_types has \(n)") }
        guard blockOutChannels.count == n else { throw bad("block_out_channels", "has \(blockOutChannels.count) entries, down_block_types has \(n)") }
        for (key, list) in [("layers_per_block", layersPerBlock), ("cross_attention_dim", crossAttentionDim),
                            ("transformer_layers_per_block", transformerLayersPerBlock), ("attention_head_dim", attentionHeadDim),
                            ("num_attention_heads", numAttentionHeads ?? heads)] {
            guard list.count == n else { throw bad(key, "has \(list.count) entries, down_block_types has \(n)") }
            guard list.allSatisfy({ $0 > 0 }) else { throw bad(key, "must be positive, got \(list)") }
        }
        guard onlyCrossAttention.count == n else { throw bad("only_cross_attention", "has \(onlyCrossAttention.count) entries, down_block_types has \(n)") }
        for t in downBlockTypes where !["CrossAttnDownBlock2D", "DownBlock2D"].contains(t) {
            throw bad("down_block_types", "block type '\(t)' is not supported (CrossAttnDownBlock2D, DownBlock2D)")
        }
        for t in upBlockTypes where !["CrossAttnUpBlock2D", "UpBlock2D"].contains(t) {
            throw bad("up_block_types", "block type '\(t)' is not supported (CrossAttnUpBlock2D, UpBlock2D)")
        }
        if let m = midBlockType, !["UNetMidBlock2DCrossAttn", "UNetMidBlock2D"].contains(m) {
            throw bad("mid_block_type", "'\(m)' is not supported (UNetMidBlock2DCrossAttn, UNetMidBlock2D, null)")
        }
        guard let groups = normNumGroups, groups > 0 else { throw bad("norm_num_groups", "null is not supported") }
        for (i, c) in blockOutChannels.enumerated() where c <= 0 || c % groups != 0 {
            throw bad("block_out_channels", "entry \(i) (\(c)) is not divisible into \(groups) groups (norm_num_groups)")
        }
        for (i, (c, h)) in zip(blockOutChannels, heads).enumerated() where c % h != 0 {
            throw bad("attention_head_dim", "block \(i): \(c) channels do not split into \(h) heads")
        }
        guard actFn == "silu" || actFn == "swish" else { throw bad("act_fn", "'\(actFn)' is not supported (silu)") }
        guard timeEmbeddingType == "positional" else { throw bad("time_embedding_type", "'\(timeEmbeddingType)' is not supported (positional)") }
        guard resnetTimeScaleShift == "default" else { throw bad("resnet_time_scale_shift", "'\(resnetTimeScaleShift)' is not supported (default)") }
        guard attentionType == "default" else { throw bad("attention_type", "'\(attentionType)' is not supported (default)") }
        guard !dualCrossAttention else { throw bad("dual_cross_attention", "true is not supported") }
        guard !onlyCrossAttention.contains(true) else { throw bad("only_cross_attention", "true is not supported") }
        let unsupported: [(String, Any?)] = [
            ("class_embed_type", classEmbedType), ("addition_embed_type", additionEmbedType),
            ("num_class_embeds", numClassEmbeds), ("encoder_hid_dim", encoderHidDim),
            ("time_cond_proj_dim", timeCondProjDim), ("cross_attention_norm", crossAttentionNorm),
        ]
        for (key, v) in unsupported { if let v { throw bad(key, "\(v) is not supported (only null)") } }
        for (key, act) in [("time_embedding_act_fn", timeEmbeddingActFn), ("timestep_post_act", timestepPostAct)] {
            if let act, Activation(name: act) == nil { throw bad(key, "'\(act)' is not supported (silu, gelu, relu)") }
        }
        guard convInKernel % 2 == 1, convOutKernel % 2 == 1 else { throw bad("conv_in_kernel", "kernels must be odd") }
    }
}

/// The diffusers release whose behaviour these models reproduce; written into saved configs.
let diffusersReferenceVersion = "0.42.1"

/// A JSON value that is one item or a list of them (diffusers' int-or-tuple config fields).
enum OneOrList<T: Codable & Equatable>: Codable {
    case one(T), list([T])

    /// One item when all entries agree (diffusers' usual spelling), else the list.
    init(_ values: [T]) {
        if let first = values.first, values.allSatisfy({ $0 == first }) { self = .one(first) } else { self = .list(values) }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(T.self) { self = .one(v) } else { self = .list(try c.decode([T].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .one(v): try c.encode(v)
        case let .list(v): try c.encode(v)
        }
    }
}

extension KeyedDecodingContainer {
    /// An int-or-list field as `count` values (a single value is repeated); nil when absent or null.
    func decodeOneOrList<T: Codable & Equatable>(_ type: T.Type, forKey key: Key, count: Int) throws -> [T]? {
        guard let v = try decodeIfPresent(OneOrList<T>.self, forKey: key) else { return nil }
        switch v {
        case let .one(x): return Array(repeating: x, count: count)
        case let .list(xs): return xs
        }
    }
}
