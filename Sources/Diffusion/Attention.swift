import Tensors

/// diffusers' `Attention` on token sequences: to_q from the input, to_k/to_v from the context
/// (the input itself for self-attention), scaled dot-product attention over `heads` heads
/// (scale 1/sqrt(head dim)), then to_out.0. `upcast_attention` changes nothing here: everything
/// is already Float32.
public struct Attention: Sendable {
    public let toQ: Linear, toK: Linear, toV: Linear, toOut: Linear
    public let heads: Int

    /// - Parameters:
    ///   - crossAttentionDim: width of the context for cross-attention; nil for self-attention.
    ///   - bias: whether to_q/to_k/to_v have biases (false in transformer blocks, true in the VAE).
    public init(_ w: WeightStore, _ at: String, queryDim: Int, crossAttentionDim: Int? = nil,
                heads: Int, headDim: Int, bias: Bool = false) throws {
        let inner = heads * headDim
        toQ = try Linear(w, "\(at).to_q", in: queryDim, out: inner, bias: bias)
        toK = try Linear(w, "\(at).to_k", in: crossAttentionDim ?? queryDim, out: inner, bias: bias)
        toV = try Linear(w, "\(at).to_v", in: crossAttentionDim ?? queryDim, out: inner, bias: bias)
        toOut = try Linear(w, "\(at).to_out.0", in: inner, out: queryDim)
        self.heads = heads
    }

    /// x [B,Lq,queryDim], context [B,Lk,crossAttentionDim] (nil: self-attention) -> [B,Lq,queryDim].
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil) throws -> Tensor {
        let source = context ?? x
        let q = try toQ(x), k = try toK(source), v = try toV(source)
        return try toOut(Self.chunkedAttention(q, k, v, heads: heads))
    }

    /// Most score values one attention call materialises ([samples, heads, Lq, Lk]); 4M floats
    /// (16 MB) keeps each buffer small enough for the allocator to reuse instead of mapping fresh
    /// zeroed pages on every call.
    static let scoreBudget = 1 << 22

    /// Scaled dot-product attention, a group of samples (or of one sample's queries) at a time
    /// when the scores of the whole batch would be large (SD's 64x64 latents: 4096^2 scores per
    /// head). Each query's result is the same as in one call.
    static func chunkedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, budget: Int = scoreBudget) throws -> Tensor {
        let (b, lq, lk) = (q.shape[0], q.shape[1], k.shape[1])
        let perSample = heads * lq * lk
        guard b * perSample > budget else { return try Tensor.attention(q, k, v, heads: heads) }
        let group = max(1, budget / max(perSample, 1))
        let rows = max(1, budget / max(heads * lk, 1))
        var parts: [Tensor] = []
        for start in stride(from: 0, to: b, by: group) {
            let end = min(b, start + group)
            let (qs, ks, vs) = (try q.sliced(axis: 0, start: start, end: end), try k.sliced(axis: 0, start: start, end: end),
                                try v.sliced(axis: 0, start: start, end: end))
            guard perSample > budget else {
                parts.append(try Tensor.attention(qs, ks, vs, heads: heads))
                continue
            }
            var pieces: [Tensor] = []
            for r in stride(from: 0, to: lq, by: rows) {
                pieces.append(try Tensor.attention(qs.sliced(axis: 1, start: r, end: min(lq, r + rows)), ks, vs, heads: heads))
            }
            parts.append(try Tensor.cat(pieces, axis: 1))
        }
        return parts.count == 1 ? parts[0] : try Tensor.cat(parts, axis: 0)
    }
}
