import Foundation
import Tensors

/// The VAE mid block's spatial self-attention (diffusers' `Attention` built with
/// `_from_deprecated_attn_block`): group norm, one attention over the H*W pixels with biased
/// projections, plus the input.
public struct SpatialSelfAttention: Sendable {
    public let groupNorm: GroupNorm
    public let attention: Attention

    public init(_ w: WeightStore, _ at: String, channels: Int, groups: Int, eps: Float) throws {
        // Older diffusers releases (and the converters that copied them) named these query/key/value/proj_attn.
        for (old, new) in [("query", "to_q"), ("key", "to_k"), ("value", "to_v"), ("proj_attn", "to_out.0")] {
            for part in ["weight", "bias"] { w.rename("\(at).\(old).\(part)", to: "\(at).\(new).\(part)") }
        }
        groupNorm = try GroupNorm(w, "\(at).group_norm", channels: channels, groups: groups, eps: eps)
        attention = try Attention(w, at, queryDim: channels, heads: 1, headDim: channels, bias: true)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let (b, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = try groupNorm(x).reshaped([b, c, h * wd]).transposed(1, 2)
        let out = try attention(tokens).transposed(1, 2).reshaped([b, c, h, wd])
        return try out + x
    }
}

/// diffusers' `UNetMidBlock2D` as the VAE builds it: resnet, (attention, resnet).
public struct VAEMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attention: SpatialSelfAttention?

    init(_ w: WeightStore, _ at: String, channels: Int, groups: Int, addAttention: Bool) throws {
        resnets = try (0..<2).map { i in
            try ResnetBlock2D(w, "\(at).resnets.\(i)", in: channels, out: channels, tembChannels: nil, groups: groups, eps: 1e-6)
        }
        attention = addAttention ? try SpatialSelfAttention(w, "\(at).attentions.0", channels: channels, groups: groups, eps: 1e-6) : nil
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try resnets[0](x)
        if let attention { h = try attention(h) }
        return try resnets[1](h)
    }
}

/// diffusers' VAE `Encoder`: conv_in, DownEncoderBlock2Ds (resnets, then a stride-2 conv padded on
/// the bottom/right), mid block, norm, SiLU, conv_out to 2 x latent channels (mean and log-variance).
public struct VAEEncoder: Sendable {
    let convIn: Conv2d
    let blocks: [(resnets: [ResnetBlock2D], downsampler: Downsample2D?)]
    let mid: VAEMidBlock
    let normOut: GroupNorm, convOut: Conv2d

    init(_ w: WeightStore, _ at: String, config c: VAEConfig) throws {
        let ch = c.blockOutChannels, n = ch.count, g = c.normNumGroups
        convIn = try Conv2d(w, "\(at).conv_in", in: c.inChannels, out: ch[0], kernel: 3, padding: 1)
        blocks = try (0..<n).map { i in
            let resnets = try (0..<c.layersPerBlock).map { j in
                try ResnetBlock2D(w, "\(at).down_blocks.\(i).resnets.\(j)", in: j == 0 ? ch[max(i - 1, 0)] : ch[i], out: ch[i],
                                  tembChannels: nil, groups: g, eps: 1e-6)
            }
            let down = i < n - 1 ? try Downsample2D(w, "\(at).down_blocks.\(i).downsamplers.0", channels: ch[i], padding: 0) : nil
            return (resnets, down)
        }
        mid = try VAEMidBlock(w, "\(at).mid_block", channels: ch[n - 1], groups: g, addAttention: c.midBlockAddAttention)
        normOut = try GroupNorm(w, "\(at).conv_norm_out", channels: ch[n - 1], groups: g, eps: 1e-6)
        convOut = try Conv2d(w, "\(at).conv_out", in: ch[n - 1], out: 2 * c.latentChannels, kernel: 3, padding: 1)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try convIn(x)
        for block in blocks {
            for resnet in block.resnets { h = try resnet(h) }
            if let down = block.downsampler { h = try down(h) }
        }
        h = try mid(h)
        return try convOut(normOut(h).silu())
    }
}

/// diffusers' VAE `Decoder`: conv_in, mid block, UpDecoderBlock2Ds (layers_per_block + 1 resnets,
/// then nearest 2x + conv), norm, SiLU, conv_out.
public struct VAEDecoder: Sendable {
    let convIn: Conv2d
    let mid: VAEMidBlock
    let blocks: [(resnets: [ResnetBlock2D], upsampler: Upsample2D?)]
    let normOut: GroupNorm, convOut: Conv2d

    init(_ w: WeightStore, _ at: String, config c: VAEConfig) throws {
        let rev = Array(c.blockOutChannels.reversed()), n = rev.count, g = c.normNumGroups
        convIn = try Conv2d(w, "\(at).conv_in", in: c.latentChannels, out: rev[0], kernel: 3, padding: 1)
        mid = try VAEMidBlock(w, "\(at).mid_block", channels: rev[0], groups: g, addAttention: c.midBlockAddAttention)
        blocks = try (0..<n).map { i in
            let resnets = try (0...c.layersPerBlock).map { j in
                try ResnetBlock2D(w, "\(at).up_blocks.\(i).resnets.\(j)", in: j == 0 ? rev[max(i - 1, 0)] : rev[i], out: rev[i],
                                  tembChannels: nil, groups: g, eps: 1e-6)
            }
            let up = i < n - 1 ? try Upsample2D(w, "\(at).up_blocks.\(i).upsamplers.0", channels: rev[i]) : nil
            return (resnets, up)
        }
        normOut = try GroupNorm(w, "\(at).conv_norm_out", channels: rev[n - 1], groups: g, eps: 1e-6)
        convOut = try Conv2d(w, "\(at).conv_out", in: rev[n - 1], out: c.outChannels, kernel: 3, padding: 1)
    }

    func callAsFunction(_ z: Tensor) throws -> Tensor {
        var h = try mid(convIn(z))
        for block in blocks {
            for resnet in block.resnets { h = try resnet(h) }
            if let up = block.upsampler { h = try up(h) }
        }
        return try convOut(normOut(h).silu())
    }
}

/// The encoder's posterior, diffusers' `DiagonalGaussianDistribution`: the encoder output split into
/// mean and log-variance along channels, the log-variance clamped to [-30, 20].
public struct DiagonalGaussian: Sendable {
    public let mean: Tensor, logvar: Tensor

    public init(parameters: Tensor) throws {
        let halves = try parameters.chunked(2, axis: 1)
        mean = halves[0]
        logvar = halves[1].clamped(-30, 20)
    }

    /// std = exp(logvar / 2)
    public var std: Tensor { (logvar * 0.5).exp() }

    /// The mode (what diffusers' `latent_dist.mode()` returns).
    public var mode: Tensor { mean }

    /// z = mean + std * noise, with `noise` a standard normal sample of the mean's shape.
    public func sample(noise: Tensor) throws -> Tensor {
        guard noise.shape == mean.shape else {
            throw TensorError.badShape(op: "posterior sample", expected: "noise of shape \(formatShape(mean.shape))", got: noise.shape)
        }
        return try mean + std * noise
    }

    /// A sample drawn with the project's seeded normal generator: the same seed gives the same latents.
    public func sample(seed: UInt64) throws -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return try sample(generator: &generator)
    }

    public func sample(generator: inout RandomGenerator) throws -> Tensor {
        try sample(noise: generator.normal(mean.shape))
    }
}

/// diffusers' `AutoencoderKL`: encode images in [-1, 1] to a posterior over latents, decode latents
/// back to images in [-1, 1]. The pipeline scales latents by `config.scalingFactor`.
public struct AutoencoderKL: Sendable {
    public let config: VAEConfig
    public let weights: WeightStore
    let encoder: VAEEncoder, decoder: VAEDecoder
    let quantConv: Conv2d?, postQuantConv: Conv2d?

    public init(config: VAEConfig, weights w: WeightStore) throws {
        try config.validate(origin: w.origin)
        self.config = config
        self.weights = w
        encoder = try VAEEncoder(w, "encoder", config: config)
        decoder = try VAEDecoder(w, "decoder", config: config)
        let z = config.latentChannels
        quantConv = config.useQuantConv ? try Conv2d(w, "quant_conv", in: 2 * z, out: 2 * z, kernel: 1) : nil
        postQuantConv = config.usePostQuantConv ? try Conv2d(w, "post_quant_conv", in: z, out: z, kernel: 1) : nil
        try w.checkAllUsed()
    }

    /// Images [B,C,H,W] in [-1, 1] -> the latent posterior (latents at 1/2^(blocks-1) resolution).
    public func encode(_ x: Tensor) throws -> DiagonalGaussian {
        let c = config.inChannels
        guard x.rank == 4, x.shape[1] == c, x.shape[0] > 0 else {
            throw TensorError.badShape(op: "vae encode", expected: "images of shape [B,\(c),H,W]", got: x.shape)
        }
        let factor = 1 << (config.blockOutChannels.count - 1)
        guard x.shape[2] % factor == 0, x.shape[3] % factor == 0, x.shape[2] > 0, x.shape[3] > 0 else {
            throw TensorError.badShape(op: "vae encode", expected: "H and W multiples of \(factor)", got: x.shape)
        }
        let h = try encoder(x)
        return try DiagonalGaussian(parameters: quantConv.map { try $0(h) } ?? h)
    }

    /// Latents [B,latent_channels,h,w] (unscaled) -> images in about [-1, 1].
    public func decode(_ z: Tensor) throws -> Tensor {
        let c = config.latentChannels
        guard z.rank == 4, z.shape[1] == c, z.shape[0] > 0, z.shape[2] > 0, z.shape[3] > 0 else {
            throw TensorError.badShape(op: "vae decode", expected: "latents of shape [B,\(c),h,w]", got: z.shape)
        }
        return try decoder(postQuantConv.map { try $0(z) } ?? z)
    }
}
