import Tensors

/// Anything that predicts the noise in `x_t` at timesteps `t` given text conditioning:
/// eps(x [B,C,H,W], t [B], context [B,L,D]) -> [B,C,H,W]. A pipeline's UNet (`epsilonPredictor`),
/// or a toy model in tests. Scoring and training both compare noises, so they take this type.
public typealias NoisePredictor = (_ x: Tensor, _ t: Tensor, _ context: Tensor) throws -> Tensor

extension StableDiffusion {
    /// The UNet as a noise predictor, differentiable (training takes gradients through it). A model
    /// that predicts v or x0 has its output turned into the noise it implies (the schedulers'
    /// conversion, `SchedulerConfig.Prediction.noise`), so errors and losses always compare noises.
    public func epsilonPredictor() -> NoisePredictor {
        let unet = self.unet
        let abar = scheduler.schedule.alphasCumprod
        let prediction = scheduler.config.predictionType
        return { x, t, context in
            let out = try unet(x, timestep: t, encoderHiddenStates: context)
            if prediction == .epsilon { return out }
            let rates = try t.scalars.map { step -> Float in
                guard step == step.rounded(), step >= 0, Int(step) < abar.count else {
                    throw DiffusionError.invalidArgument(op: "noise prediction", message: "timestep \(step) is outside 0..<\(abar.count)")
                }
                return abar[Int(step)]
            }
            let shape = [rates.count] + [Int](repeating: 1, count: Swift.max(0, x.rank - 1))
            return try prediction.noise(out, sample: x, alpha: try Tensor(shape: shape, scalars: rates.map { $0.squareRoot() }),
                                        sigma: try Tensor(shape: shape, scalars: rates.map { (1 - $0).squareRoot() }))
        }
    }
}
