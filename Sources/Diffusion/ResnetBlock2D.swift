import Tensors

/// diffusers' `ResnetBlock2D` (time_embedding_norm "default", SiLU):
/// h = conv1(silu(norm1(x))) + time_emb_proj(silu(temb)); h = conv2(silu(norm2(h)));
/// out = (shortcut(x) + h) / output_scale_factor.
/// The VAE's blocks have no time embedding (`tembChannels` nil).
public struct ResnetBlock2D: Sendable {
    public let norm1: GroupNorm, conv1: Conv2d, timeProj: Linear?
    public let norm2: GroupNorm, conv2: Conv2d, shortcut: Conv2d?
    public let outputScaleFactor: Float

    public init(_ w: WeightStore, _ at: String, in inChannels: Int, out outChannels: Int, tembChannels: Int?,
                groups: Int, groupsOut: Int? = nil, eps: Float, outputScaleFactor: Float = 1) throws {
        norm1 = try GroupNorm(w, "\(at).norm1", channels: inChannels, groups: groups, eps: eps)
        conv1 = try Conv2d(w, "\(at).conv1", in: inChannels, out: outChannels, kernel: 3, padding: 1)
        timeProj = try tembChannels.map { try Linear(w, "\(at).time_emb_proj", in: $0, out: outChannels) }
        norm2 = try GroupNorm(w, "\(at).norm2", channels: outChannels, groups: groupsOut ?? groups, eps: eps)
        conv2 = try Conv2d(w, "\(at).conv2", in: outChannels, out: outChannels, kernel: 3, padding: 1)
        shortcut = inChannels != outChannels ? try Conv2d(w, "\(at).conv_shortcut", in: inChannels, out: outChannels, kernel: 1) : nil
        self.outputScaleFactor = outputScaleFactor
    }

    public func callAsFunction(_ x: Tensor, _ temb: Tensor? = nil) throws -> Tensor {
        var h = try conv1(norm1(x).silu())
        if let timeProj, let temb {
            h = try h + timeProj(temb.silu()).unsqueezed(2, 3)
        }
        h = try conv2(norm2(h).silu())
        let out = try (shortcut.map { try $0(x) } ?? x) + h
        return outputScaleFactor == 1 ? out : out / outputScaleFactor
    }
}
