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
        return try toOut(Tensor.attention(q, k, v, heads: heads))
    }
}
