import Tensors

/// diffusers' `FeedForward` with GEGLU: net.0.proj maps to 2*inner features, split into a value and a
/// gate; out = net.2(value * gelu(gate)).
public struct FeedForward: Sendable {
    public let proj: Linear, out: Linear
    public let inner: Int

    public init(_ w: WeightStore, _ at: String, dim: Int, mult: Int = 4) throws {
        inner = dim * mult
        proj = try Linear(w, "\(at).net.0.proj", in: dim, out: 2 * inner)
        out = try Linear(w, "\(at).net.2", in: inner, out: dim)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        // diffusers' chunk(2, dim=-1) of the [tokens, 2*inner] projection. Whichever is smaller is
        // cut in two: the activation (few tokens, wide layers) or the weight's rows (many tokens;
        // not with a LoRA adapter attached, which only the whole layer applies).
        let dim = proj.inFeatures, tokens = x.count / max(dim, 1)
        let value: Tensor, gate: Tensor
        if tokens < dim || proj.lora != nil {
            let halves = try proj(x).chunked(2, axis: -1)
            (value, gate) = (halves[0], halves[1])
        } else {
            let w = proj.weight.tensor, b = proj.bias?.tensor
            value = try Tensor.linear(x, weight: w.sliced(axis: 0, start: 0, end: inner), bias: b?.sliced(axis: 0, start: 0, end: inner))
            gate = try Tensor.linear(x, weight: w.sliced(axis: 0, start: inner, end: 2 * inner),
                                     bias: b?.sliced(axis: 0, start: inner, end: 2 * inner))
        }
        return try out(value * gate.gelu())
    }
}

/// diffusers' `BasicTransformerBlock` (layer_norm, geglu): self-attention, cross-attention, feed-forward,
/// each pre-normed and residual.
public struct BasicTransformerBlock: Sendable {
    public let norm1: LayerNorm, attn1: Attention
    public let norm2: LayerNorm, attn2: Attention
    public let norm3: LayerNorm, ff: FeedForward

    public init(_ w: WeightStore, _ at: String, dim: Int, heads: Int, headDim: Int, crossAttentionDim: Int) throws {
        norm1 = try LayerNorm(w, "\(at).norm1", dim: dim, eps: 1e-5)
        attn1 = try Attention(w, "\(at).attn1", queryDim: dim, heads: heads, headDim: headDim)
        norm2 = try LayerNorm(w, "\(at).norm2", dim: dim, eps: 1e-5)
        attn2 = try Attention(w, "\(at).attn2", queryDim: dim, crossAttentionDim: crossAttentionDim, heads: heads, headDim: headDim)
        norm3 = try LayerNorm(w, "\(at).norm3", dim: dim, eps: 1e-5)
        ff = try FeedForward(w, "\(at).ff", dim: dim)
    }

    /// x [B,L,dim], context [B,Lc,crossAttentionDim].
    public func callAsFunction(_ x: Tensor, context: Tensor) throws -> Tensor {
        var h = try attn1(norm1(x)) + x
        h = try attn2(norm2(h), context: context) + h
        return try ff(norm3(h)) + h
    }
}

/// diffusers' `Transformer2DModel` on continuous input: group norm (eps 1e-6), proj_in, transformer
/// blocks over the H*W tokens, proj_out, plus the input. proj_in/proj_out are 1x1 convolutions, or
/// linear layers when `use_linear_projection`; both are the same per-pixel product, which is computed
/// straight from the NCHW layout (a transposed matrix product) instead of permuting to tokens first.
public struct Transformer2DModel: Sendable {
    public let norm: GroupNorm
    public let projIn: Parameter, projInBias: Parameter
    public let blocks: [BasicTransformerBlock]
    public let projOut: Parameter, projOutBias: Parameter
    public let channels: Int, inner: Int

    public init(_ w: WeightStore, _ at: String, channels: Int, heads: Int, headDim: Int, layers: Int,
                crossAttentionDim: Int, groups: Int, useLinearProjection: Bool) throws {
        let inner = heads * headDim
        self.inner = inner
        self.channels = channels
        norm = try GroupNorm(w, "\(at).norm", channels: channels, groups: groups, eps: 1e-6)
        let pointwise: (Int, Int) -> [Int] = { out, inp in useLinearProjection ? [out, inp] : [out, inp, 1, 1] }
        projIn = try w.parameter("\(at).proj_in.weight", shape: pointwise(inner, channels))
        projInBias = try w.parameter("\(at).proj_in.bias", shape: [inner])
        blocks = try (0..<layers).map { i in
            try BasicTransformerBlock(w, "\(at).transformer_blocks.\(i)", dim: inner, heads: heads, headDim: headDim,
                                      crossAttentionDim: crossAttentionDim)
        }
        projOut = try w.parameter("\(at).proj_out.weight", shape: pointwise(channels, inner))
        projOutBias = try w.parameter("\(at).proj_out.bias", shape: [channels])
    }

    /// x [B,C,H,W], context [B,L,D] -> [B,C,H,W].
    public func callAsFunction(_ x: Tensor, context: Tensor) throws -> Tensor {
        let (b, h, wd) = (x.shape[0], x.shape[2], x.shape[3])
        let pixels = try norm(x).reshaped([b, channels, h * wd])
        // tokens[b] = pixels[b]^T W_in^T: [HW, C] x [C, inner]
        var tokens = try Tensor.matmul(pixels, projIn.tensor.reshaped([inner, channels]), transposeA: true, transposeB: true)
            + projInBias.tensor
        for block in blocks { tokens = try block(tokens, context: context) }
        let features = try tokens.transposed(1, 2).reshaped([b, inner, h, wd])
        let out = try Tensor.conv2d(features, weight: projOut.tensor.reshaped([channels, inner, 1, 1]), bias: projOutBias.tensor)
        return try out + x
    }
}
