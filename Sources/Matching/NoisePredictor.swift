import Tensors

/// Anything that predicts the noise in `x_t` at timesteps `t` given text conditioning:
/// eps(x [B,C,H,W], t [B], context [B,L,D]) -> [B,C,H,W]. A UNet, or a toy model in tests.
public typealias NoisePredictor = (_ x: Tensor, _ t: Tensor, _ context: Tensor) throws -> Tensor

/// The forward process: x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) e, for one timestep per row.
public func noisedLatents(_ x0: Tensor, noise: Tensor, timesteps: [Int], alphasCumprod: [Float]) throws -> Tensor {
    guard x0.rank >= 1, x0.shape == noise.shape, x0.shape[0] == timesteps.count else {
        throw TensorError.shapeMismatch(op: "add_noise (latents vs noise, one timestep per row)", lhs: x0.shape, rhs: noise.shape)
    }
    let row = Array(repeating: 1, count: x0.rank - 1)
    var signal = [Float](), noiseScale = [Float]()
    for t in timesteps {
        guard t >= 0 && t < alphasCumprod.count else {
            throw TensorError.invalidArgument(op: "add_noise", message: "timestep \(t) outside 0..<\(alphasCumprod.count)")
        }
        // As diffusers: sqrt of the Float32 cumulative product.
        signal.append(alphasCumprod[t].squareRoot())
        noiseScale.append((1 - alphasCumprod[t]).squareRoot())
    }
    let a = try Tensor(shape: [timesteps.count] + row, scalars: signal)
    let b = try Tensor(shape: [timesteps.count] + row, scalars: noiseScale)
    return try a * x0 + b * noise
}
