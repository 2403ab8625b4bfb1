import Tensors

/// diffusers' `Downsample2D` with a convolution: 3x3, stride 2. `padding` 0 pads one zero row and
/// column at the bottom and right only (the VAE encoder's layout), as diffusers does.
public struct Downsample2D: Sendable {
    public let conv: Conv2d

    public init(_ w: WeightStore, _ at: String, channels: Int, padding: Int) throws {
        conv = try Conv2d(w, "\(at).conv", in: channels, out: channels, kernel: 3, stride: 2, padding: padding)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard conv.padding == 0 else { return try conv(x) }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let right = try Tensor.cat([x, Tensor.zeros([b, c, h, 1])], axis: 3)
        return try conv(Tensor.cat([right, Tensor.zeros([b, c, 1, w + 1])], axis: 2))
    }
}

/// diffusers' `Upsample2D` with a convolution: nearest-neighbour 2x (or to `size`), then 3x3.
public struct Upsample2D: Sendable {
    public let conv: Conv2d

    public init(_ w: WeightStore, _ at: String, channels: Int) throws {
        conv = try Conv2d(w, "\(at).conv", in: channels, out: channels, kernel: 3, padding: 1)
    }

    public func callAsFunction(_ x: Tensor, size: (Int, Int)? = nil) throws -> Tensor {
        if let size, size != (2 * x.shape[2], 2 * x.shape[3]) {
            return try conv(resizeNearest(x, height: size.0, width: size.1))
        }
        return try conv(x.upsampleNearest2x())
    }
}

/// PyTorch's `interpolate(mode="nearest", size=)`: output pixel i reads input floor(i * in / out).
/// Written as two products with 0/1 selection matrices so gradients flow; only odd-sized inputs
/// (when the UNet must match a skip connection's size) take this path.
func resizeNearest(_ x: Tensor, height: Int, width: Int) throws -> Tensor {
    let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    func selection(from n: Int, to m: Int) -> Tensor {
        var s = [Float](repeating: 0, count: n * m)
        for i in 0..<m { s[min(n - 1, Int(Float(i) * (Float(n) / Float(m)))) * m + i] = 1 }
        return (try? Tensor(shape: [n, m], scalars: s)) ?? Tensor.zeros([n, m])
    }
    let cols = try Tensor.matmul(x.reshaped([b * c * h, w]), selection(from: w, to: width))  // [BCH, W']
    let rows = try Tensor.matmul(cols.reshaped([b * c, h, width]), selection(from: h, to: height), transposeA: true)  // [BC, W', H']
    return try rows.transposed(1, 2).reshaped([b, c, height, width])
}

/// What every UNet block shares: the settings diffusers passes to each one.
struct UNetBlockSettings {
    let tembChannels: Int, groups: Int, eps: Float
    let heads: Int, crossAttentionDim: Int, transformerLayers: Int, useLinearProjection: Bool

    func transformer(_ w: WeightStore, _ at: String, channels: Int) throws -> Transformer2DModel {
        try Transformer2DModel(w, at, channels: channels, heads: heads, headDim: channels / heads, layers: transformerLayers,
                               crossAttentionDim: crossAttentionDim, groups: groups, useLinearProjection: useLinearProjection)
    }

    func resnet(_ w: WeightStore, _ at: String, in inChannels: Int, out outChannels: Int, scale: Float = 1) throws -> ResnetBlock2D {
        try ResnetBlock2D(w, at, in: inChannels, out: outChannels, tembChannels: tembChannels, groups: groups, eps: eps,
                          outputScaleFactor: scale)
    }
}

/// diffusers' `CrossAttnDownBlock2D` (with no attentions: `DownBlock2D`): resnets, each followed by a
/// transformer when there are attentions, then an optional downsampler. Returns the output and every
/// intermediate state for the skip connections.
public struct UNetDownBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]
    public let downsampler: Downsample2D?

    init(_ w: WeightStore, _ at: String, crossAttention: Bool, layers: Int, in inChannels: Int, out outChannels: Int,
         addDownsample: Bool, downsamplePadding: Int, settings s: UNetBlockSettings) throws {
        resnets = try (0..<layers).map { i in
            try s.resnet(w, "\(at).resnets.\(i)", in: i == 0 ? inChannels : outChannels, out: outChannels)
        }
        attentions = crossAttention
            ? try (0..<layers).map { i in try s.transformer(w, "\(at).attentions.\(i)", channels: outChannels) } : []
        downsampler = addDownsample
            ? try Downsample2D(w, "\(at).downsamplers.0", channels: outChannels, padding: downsamplePadding) : nil
    }

    func callAsFunction(_ x: Tensor, temb: Tensor, context: Tensor) throws -> (Tensor, [Tensor]) {
        var h = x, states: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = try resnet(h, temb)
            if i < attentions.count { h = try attentions[i](h, context: context) }
            states.append(h)
        }
        if let downsampler {
            h = try downsampler(h)
            states.append(h)
        }
        return (h, states)
    }
}

/// diffusers' `UNetMidBlock2DCrossAttn` (resnet, then transformer + resnet per layer), or with no
/// attentions `UNetMidBlock2D` as the conditional UNet builds it (a single resnet).
public struct UNetMidBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]

    init(_ w: WeightStore, _ at: String, crossAttention: Bool, channels: Int, scale: Float, settings s: UNetBlockSettings) throws {
        let layers = crossAttention ? 1 : 0
        resnets = try (0...layers).map { i in try s.resnet(w, "\(at).resnets.\(i)", in: channels, out: channels, scale: scale) }
        attentions = try (0..<layers).map { i in try s.transformer(w, "\(at).attentions.\(i)", channels: channels) }
    }

    func callAsFunction(_ x: Tensor, temb: Tensor, context: Tensor) throws -> Tensor {
        var h = try resnets[0](x, temb)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
            h = try resnet(attention(h, context: context), temb)
        }
        return h
    }
}

/// diffusers' `CrossAttnUpBlock2D` (with no attentions: `UpBlock2D`): each resnet takes the running
/// state concatenated with the next skip connection (last first), followed by a transformer when
/// there are attentions, then an optional upsampler.
public struct UNetUpBlock: Sendable {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]
    public let upsampler: Upsample2D?

    init(_ w: WeightStore, _ at: String, crossAttention: Bool, layers: Int, in inChannels: Int, prevOut: Int,
         out outChannels: Int, addUpsample: Bool, settings s: UNetBlockSettings) throws {
        resnets = try (0..<layers).map { i in
            let skip = i == layers - 1 ? inChannels : outChannels
            let input = i == 0 ? prevOut : outChannels
            return try s.resnet(w, "\(at).resnets.\(i)", in: input + skip, out: outChannels)
        }
        attentions = crossAttention
            ? try (0..<layers).map { i in try s.transformer(w, "\(at).attentions.\(i)", channels: outChannels) } : []
        upsampler = addUpsample ? try Upsample2D(w, "\(at).upsamplers.0", channels: outChannels) : nil
    }

    func callAsFunction(_ x: Tensor, skips: [Tensor], temb: Tensor, context: Tensor, upsampleSize: (Int, Int)?) throws -> Tensor {
        var h = x, skips = skips
        for (i, resnet) in resnets.enumerated() {
            guard let skip = skips.popLast() else { break }
            h = try resnet(Tensor.cat([h, skip], axis: 1), temb)
            if i < attentions.count { h = try attentions[i](h, context: context) }
        }
        if let upsampler { h = try upsampler(h, size: upsampleSize) }
        return h
    }
}
