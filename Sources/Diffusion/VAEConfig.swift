import Foundation

/// An AutoencoderKL's `config.json`, under diffusers' key names with diffusers' defaults
/// (diffusers 0.42, `AutoencoderKL.__init__`) for every absent key.
public struct VAEConfig: Codable, Equatable, Sendable {
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize: [Int] = [32]
    public var scalingFactor: Double = 0.18215
    public var shiftFactor: Double?
    public var latentsMean: [Double]?
    public var latentsStd: [Double]?
    public var forceUpcast = true
    public var useQuantConv = true
    public var usePostQuantConv = true
    public var midBlockAddAttention = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case actFn = "act_fn", latentChannels = "latent_channels", normNumGroups = "norm_num_groups"
        case sampleSize = "sample_size", scalingFactor = "scaling_factor", shiftFactor = "shift_factor"
        case latentsMean = "latents_mean", latentsStd = "latents_std", forceUpcast = "force_upcast"
        case useQuantConv = "use_quant_conv", usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention"
        case className = "_class_name", diffusersVersion = "_diffusers_version"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = VAEConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        d.inChannels = try value(.inChannels, d.inChannels)
        d.outChannels = try value(.outChannels, d.outChannels)
        d.downBlockTypes = try value(.downBlockTypes, d.downBlockTypes)
        d.upBlockTypes = try value(.upBlockTypes, d.upBlockTypes)
        d.blockOutChannels = try value(.blockOutChannels, d.blockOutChannels)
        d.layersPerBlock = try value(.layersPerBlock, d.layersPerBlock)
        d.actFn = try value(.actFn, d.actFn)
        d.latentChannels = try value(.latentChannels, d.latentChannels)
        d.normNumGroups = try value(.normNumGroups, d.normNumGroups)
        d.sampleSize = try c.decodeOneOrList(Int.self, forKey: .sampleSize, count: 1) ?? d.sampleSize
        d.scalingFactor = try value(.scalingFactor, d.scalingFactor)
        d.shiftFactor = try c.decodeIfPresent(Double.self, forKey: .shiftFactor)
        d.latentsMean = try c.decodeIfPresent([Double].self, forKey: .latentsMean)
        d.latentsStd = try c.decodeIfPresent([Double].self, forKey: .latentsStd)
        d.forceUpcast = try value(.forceUpcast, d.forceUpcast)
        d.useQuantConv = try value(.useQuantConv, d.useQuantConv)
        d.usePostQuantConv = try value(.usePostQuantConv, d.usePostQuantConv)
        d.midBlockAddAttention = try value(.midBlockAddAttention, d.midBlockAddAttention)
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("AutoencoderKL", forKey: .className)
        try c.encode(diffusersReferenceVersion, forKey: .diffusersVersion)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(downBlockTypes, forKey: .downBlockTypes)
        try c.encode(upBlockTypes, forKey: .upBlockTypes)
        try c.encode(blockOutChannels, forKey: .blockOutChannels)
        try c.encode(layersPerBlock, forKey: .layersPerBlock)
        try c.encode(actFn, forKey: .actFn)
        try c.encode(latentChannels, forKey: .latentChannels)
        try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(sampleSize.count == 1 ? OneOrList.one(sampleSize[0]) : .list(sampleSize), forKey: .sampleSize)
        try c.encode(scalingFactor, forKey: .scalingFactor)
        try c.encode(shiftFactor, forKey: .shiftFactor)
        try c.encode(latentsMean, forKey: .latentsMean)
        try c.encode(latentsStd, forKey: .latentsStd)
        try c.encode(forceUpcast, forKey: .forceUpcast)
        try c.encode(useQuantConv, forKey: .useQuantConv)
        try c.encode(usePostQuantConv, forKey: .usePostQuantConv)
        try c.encode(midBlockAddAttention, forKey: .midBlockAddAttention)
    }

    /// Throws for a config this implementation does not build, naming the option.
    public func validate(origin: String) throws {
        func bad(_ key: String, _ message: String) -> CheckpointError { .config(origin: origin, key: key, message: message) }
        let n = blockOutChannels.count
        guard n > 0 else { throw bad("block_out_channels", "is empty") }
        guard downBlockTypes.count == n else { throw bad("down_block_types", "has \(downBlockTypes.count) entries, block_out_channels has \(n)") }
        guard upBlockTypes.count == n else { throw bad("up_block_types", "has \(upBlockTypes.count) entries, block_out_channels has \(n)") }
        for t in downBlockTypes where t != "DownEncoderBlock2D" { throw bad("down_block_types", "block type '\(t)' is not supported (DownEncoderBlock2D)") }
        for t in upBlockTypes where t != "UpDecoderBlock2D" { throw bad("up_block_types", "block type '\(t)' is not supported (UpDecoderBlock2D)") }
        guard normNumGroups > 0, blockOutChannels.allSatisfy({ $0 > 0 && $0 % normNumGroups == 0 }) else {
            throw bad("block_out_channels", "\(blockOutChannels) must divide into \(normNumGroups) groups (norm_num_groups)")
        }
        guard layersPerBlock > 0 else { throw bad("layers_per_block", "must be positive, got \(layersPerBlock)") }
        guard latentChannels > 0 else { throw bad("latent_channels", "must be positive, got \(latentChannels)") }
        guard actFn == "silu" || actFn == "swish" else { throw bad("act_fn", "'\(actFn)' is not supported (silu)") }
    }
}
