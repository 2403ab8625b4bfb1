import Tensors

/// DDPM (Ho et al. 2020) ancestral step as diffusers' DDPMScheduler, with the step's Gaussian
/// noise given by the caller (diffusers draws it inside `step`).
public struct DDPMScheduler: Sendable {
    public let schedule: NoiseSchedule

    public init(_ config: SchedulerConfig) throws {
        guard ["fixed_small", "fixed_small_log", "fixed_large"].contains(config.varianceType) else {
            throw DiffusionError.unsupported(path: "scheduler config", key: "variance_type", value: config.varianceType)
        }
        schedule = NoiseSchedule(config)
    }

    public var config: SchedulerConfig { schedule.config }

    public func timesteps(steps: Int) throws -> [Int] { try schedule.timesteps(steps: steps) }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps)
    }

    /// The timestep after `t`: the next one of `timesteps(steps:)` when sampling with `steps`
    /// inference steps (-1 after the last), t - 1 over the full training chain (`steps` nil).
    func previousTimestep(_ t: Int, steps: Int?) throws -> Int {
        guard let steps else { return t - 1 }
        let ts = try timesteps(steps: steps)
        guard let i = ts.firstIndex(of: t) else {
            throw DiffusionError.invalidArgument(op: "DDPM step", message: "timestep \(t) is not one of the \(steps)-step timesteps")
        }
        return i + 1 < ts.count ? ts[i + 1] : -1
    }

    /// x_{t-1} = c0 x0 + ct x_t + sigma_t z, with x0 from the model output (clipped when
    /// `clip_sample`), c0 = sqrt(abar_prev) beta_t / (1 - abar_t), ct = sqrt(alpha_t) (1 - abar_prev) / (1 - abar_t),
    /// alpha_t = abar_t / abar_prev, beta_t = 1 - alpha_t; sigma_t^2 = (1 - abar_prev) / (1 - abar_t) beta_t
    /// (clamped at 1e-20; beta_t for fixed_large); no noise at t = 0.
    public func step(_ modelOutput: Tensor, timestep t: Int, sample: Tensor, noise: Tensor, steps: Int? = nil) throws -> SchedulerStep {
        guard modelOutput.shape == sample.shape else {
            throw DiffusionError.shapeMismatch(op: "DDPM step (model output like the sample)", expected: sample.shape, found: modelOutput.shape)
        }
        guard noise.shape == sample.shape else {
            throw DiffusionError.shapeMismatch(op: "DDPM step (noise like the sample)", expected: sample.shape, found: noise.shape)
        }
        let prevT = try previousTimestep(t, steps: steps)
        let alphaT = try schedule.alphaCumprod(at: t, op: "DDPM step")
        let alphaPrev = prevT >= 0 ? try schedule.alphaCumprod(at: prevT, op: "DDPM step") : 1
        let betaT = 1 - alphaT, betaPrev = 1 - alphaPrev
        let currentAlpha = alphaT / alphaPrev
        let currentBeta = 1 - currentAlpha
        let sqrtAlphaT = alphaT.squareRoot(), sqrtBetaT = betaT.squareRoot()
        let eps = modelOutput.scalars, x = sample.scalars
        var x0 = [Float](repeating: 0, count: x.count)
        switch config.predictionType {
        case .epsilon:
            for i in x.indices { x0[i] = (x[i] - sqrtBetaT * eps[i]) / sqrtAlphaT }
        case .sample:
            x0 = eps
        case .vPrediction:
            for i in x.indices { x0[i] = sqrtAlphaT * x[i] - sqrtBetaT * eps[i] }
        }
        if config.clipSample {
            let r = Float(config.clipSampleRange)
            x0 = x0.map { Swift.min(Swift.max($0, -r), r) }
        }
        let c0 = (alphaPrev.squareRoot() * currentBeta) / betaT
        let ct = currentAlpha.squareRoot() * betaPrev / betaT
        var prev = [Float](repeating: 0, count: x.count)
        for i in x.indices { prev[i] = c0 * x0[i] + ct * x[i] }
        if t > 0 {
            // fixed_small_log takes exp(log(v) / 2), the same square root up to rounding.
            let sigma = config.varianceType == "fixed_large"
                ? currentBeta.squareRoot()
                : Swift.max(betaPrev / betaT * currentBeta, 1e-20).squareRoot()
            let z = noise.scalars
            for i in prev.indices { prev[i] = prev[i] + sigma * z[i] }
        }
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}
