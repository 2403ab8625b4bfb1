import Tensors

/// Anything that predicts the noise in `x_t` at timesteps `t` given text conditioning:
/// eps(x [B,C,H,W], t [B], context [B,L,D]) -> [B,C,H,W]. A UNet, or a toy model in tests.
public typealias NoisePredictor = (_ x: Tensor, _ t: Tensor, _ context: Tensor) throws -> Tensor
