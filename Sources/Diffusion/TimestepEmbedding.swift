import Foundation
import Tensors

/// The activations diffusers' `get_activation` names in configs.
public enum Activation: String, Sendable {
    case silu, gelu, relu

    public init?(name: String) {
        switch name {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        case "relu": self = .relu
        default: return nil
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: return x.silu()
        case .gelu: return x.gelu()
        case .relu: return x.relu()
        }
    }
}

/// Sinusoidal timestep features (DDPM; diffusers' `get_timestep_embedding`), computed in Float32 op by op
/// as diffusers does so that large timesteps round the same way:
/// freq_i = exp(-ln(10000) i / (half - shift)),  emb = [sin(t freq), cos(t freq)]  (cos first when flipped).
public func sinusoidalTimestepEmbedding(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, freqShift: Float,
                                        maxPeriod: Float = 10000) -> Tensor {
    let half = dim / 2
    let logPeriod = Float(-Foundation.log(Double(maxPeriod)))
    let freqs = (0..<half).map { i in Foundation.exp(logPeriod * Float(i) / (Float(half) - freqShift)) }
    var out = [Float](repeating: 0, count: timesteps.count * dim)
    for (b, t) in timesteps.enumerated() {
        for i in 0..<half {
            let arg = t * freqs[i]
            let (s, c) = (Foundation.sin(arg), Foundation.cos(arg))
            out[b * dim + i] = flipSinToCos ? c : s
            out[b * dim + half + i] = flipSinToCos ? s : c
        }
        // An odd width gets one zero column at the end, as in diffusers.
    }
    return (try? Tensor(shape: [timesteps.count, dim], scalars: out)) ?? Tensor.zeros([timesteps.count, dim])
}

/// diffusers' `TimestepEmbedding`: linear_1 -> act -> linear_2 (-> post act).
public struct TimestepEmbedding: Sendable {
    public let linear1: Linear, linear2: Linear
    public let act: Activation, postAct: Activation?

    public init(_ w: WeightStore, _ at: String, in inChannels: Int, dim: Int, act: Activation, postAct: Activation? = nil) throws {
        linear1 = try Linear(w, "\(at).linear_1", in: inChannels, out: dim)
        linear2 = try Linear(w, "\(at).linear_2", in: dim, out: dim)
        self.act = act
        self.postAct = postAct
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try linear2(act(linear1(x)))
        return postAct.map { $0(h) } ?? h
    }
}
