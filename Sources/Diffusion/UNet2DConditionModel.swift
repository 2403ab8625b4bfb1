import Foundation
import Tensors

/// diffusers' `UNet2DConditionModel`, built from its config exactly as diffusers builds it, reading
/// its weights by diffusers' key names.
public struct UNet2DConditionModel: Sendable {
    public let config: UNetConfig
    /// Every parameter by key: what `save` writes and training updates.
    public let weights: WeightStore

    let convIn: Conv2d
    let timeEmbedding: TimestepEmbedding
    let timeEmbedAct: Activation?
    let downBlocks: [UNetDownBlock]
    let midBlock: UNetMidBlock?
    let upBlocks: [UNetUpBlock]
    let convNormOut: GroupNorm
    let convOut: Conv2d

    /// Builds the model; throws naming the first missing or mis-shaped key, or the keys no layer used.
    public init(config: UNetConfig, weights w: WeightStore) throws {
        try config.validate(origin: w.origin)
        self.config = config
        self.weights = w
        let channels = config.blockOutChannels, groups = config.normNumGroups ?? 32, n = channels.count
        let heads = config.heads, tembDim = config.timeEmbedDim
        func settings(_ i: Int) -> UNetBlockSettings {
            UNetBlockSettings(tembChannels: tembDim, groups: groups, eps: Float(config.normEps), heads: heads[i],
                              crossAttentionDim: config.crossAttentionDim[i], transformerLayers: config.transformerLayersPerBlock[i],
                              useLinearProjection: config.useLinearProjection)
        }

        convIn = try Conv2d(w, "conv_in", in: config.inChannels, out: channels[0], kernel: config.convInKernel,
                            padding: (config.convInKernel - 1) / 2)
        timeEmbedding = try TimestepEmbedding(w, "time_embedding", in: channels[0], dim: tembDim, act: .silu,
                                              postAct: config.timestepPostAct.flatMap(Activation.init(name:)))
        timeEmbedAct = config.timeEmbeddingActFn.flatMap(Activation.init(name:))

        downBlocks = try (0..<n).map { i in
            try UNetDownBlock(w, "down_blocks.\(i)", crossAttention: config.downBlockTypes[i] == "CrossAttnDownBlock2D",
                              layers: config.layersPerBlock[i], in: channels[max(i - 1, 0)], out: channels[i],
                              addDownsample: i < n - 1, downsamplePadding: config.downsamplePadding, settings: settings(i))
        }
        midBlock = try config.midBlockType.map { type in
            try UNetMidBlock(w, "mid_block", crossAttention: type == "UNetMidBlock2DCrossAttn", channels: channels[n - 1],
                             scale: Float(config.midBlockScaleFactor), settings: settings(n - 1))
        }
        upBlocks = try (0..<n).map { i in
            let r = n - 1 - i  // the matching down block
            return try UNetUpBlock(w, "up_blocks.\(i)", crossAttention: config.upBlockTypes[i] == "CrossAttnUpBlock2D",
                                   layers: config.layersPerBlock[r] + 1, in: channels[max(r - 1, 0)], prevOut: channels[min(r + 1, n - 1)],
                                   out: channels[r], addUpsample: i < n - 1, settings: settings(r))
        }
        convNormOut = try GroupNorm(w, "conv_norm_out", channels: channels[0], groups: groups, eps: Float(config.normEps))
        convOut = try Conv2d(w, "conv_out", in: channels[0], out: config.outChannels, kernel: config.convOutKernel,
                             padding: (config.convOutKernel - 1) / 2)
        try w.checkAllUsed()
    }

    /// The noise (or v) prediction: sample [B,C,H,W], timestep a scalar or [B], context [B,L,D] -> [B,C_out,H,W].
    public func callAsFunction(_ sample: Tensor, timestep: Tensor, encoderHiddenStates context: Tensor) throws -> Tensor {
        try checkInputs(sample, timestep, context)
        let batch = sample.shape[0]
        let x = config.centerInputSample ? 2 * sample - 1 : sample
        let t = timestep.count == 1 ? Array(repeating: timestep.scalars[0], count: batch) : timestep.scalars
        let features = sinusoidalTimestepEmbedding(t, dim: config.blockOutChannels[0], flipSinToCos: config.flipSinToCos,
                                                   freqShift: Float(config.freqShift))
        var temb = try timeEmbedding(features)
        if let timeEmbedAct { temb = timeEmbedAct(temb) }

        var h = try convIn(x)
        var skips = [h]
        for block in downBlocks {
            let (out, states) = try block(h, temb: temb, context: context)
            h = out
            skips += states
        }
        if let midBlock { h = try midBlock(h, temb: temb, context: context) }
        // When H or W is not a multiple of 2^upsamplers, each upsampler resizes to its skip's size.
        let factor = 1 << (upBlocks.count - 1)
        let resize = sample.shape[2] % factor != 0 || sample.shape[3] % factor != 0
        for block in upBlocks {
            let taken = Array(skips.suffix(block.resnets.count))
            skips.removeLast(taken.count)
            let size = resize ? skips.last.map { ($0.shape[2], $0.shape[3]) } : nil
            h = try block(h, skips: taken, temb: temb, context: context, upsampleSize: size)
        }
        return try convOut(convNormOut(h).silu())
    }

    /// Shape errors say what the model expects, in the user's terms.
    func checkInputs(_ x: Tensor, _ t: Tensor, _ context: Tensor) throws {
        let c = config.inChannels
        guard x.rank == 4, x.shape[1] == c, x.shape[0] > 0, x.shape[2] > 0, x.shape[3] > 0 else {
            throw TensorError.badShape(op: "unet", expected: "x of shape [B,\(c),H,W]", got: x.shape)
        }
        let b = x.shape[0]
        guard t.count == 1 || t.shape == [b] else {
            throw TensorError.badShape(op: "unet", expected: "t as a number or of shape [\(b)] (one per sample)", got: t.shape)
        }
        let d = config.crossAttentionDim[0]
        guard context.rank == 3, context.shape[0] == b, context.shape[2] == d, context.shape[1] > 0 else {
            throw TensorError.badShape(op: "unet", expected: "context of shape [\(b),L,\(d)]", got: context.shape)
        }
    }
}
