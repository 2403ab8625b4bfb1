import Foundation
import Tensors

/// DDPM (Ho et al. 2020) ancestral sampling as diffusers' DDPMScheduler, with the step's Gaussian
/// noise given by the caller (diffusers draws it inside `step`).
public struct DDPMScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule

    /// `config` read as a DDPMScheduler (`DDPMScheduler.from_config`).
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .ddpm)
        try config.validate(path: config.origin)
        guard let variance = config.varianceType, ["fixed_small", "fixed_small_log", "fixed_large"].contains(variance) else {
            throw config.unsupported(.varianceType, config.varianceType ?? "null")
        }
        schedule = NoiseSchedule(config)
    }

    public var kind: SchedulerKind { .ddpm }
    public var config: SchedulerConfig { schedule.config }

    public func run(steps: Int) throws -> any SchedulerRun {
        DDPMRun(scheduler: self, integerTimesteps: try schedule.timesteps(steps: steps))
    }

    /// The timestep after `t`: the next one of `timesteps(steps:)` when sampling with `steps`
    /// inference steps (-1 after the last), t - 1 over the full training chain (`steps` nil).
    func previousTimestep(_ t: Int, steps: Int?) throws -> Int {
        guard let steps else { return t - 1 }
        let ts = try schedule.timesteps(steps: steps)
        guard let i = ts.firstIndex(of: t) else {
            throw DiffusionError.invalidArgument(op: "DDPM step", message: "timestep \(t) is not one of the \(steps)-step timesteps")
        }
        return i + 1 < ts.count ? ts[i + 1] : -1
    }

    /// One step with `steps` inference steps (nil: the full training chain), on its own.
    public func step(_ modelOutput: Tensor, timestep t: Int, sample: Tensor, noise: Tensor, steps: Int? = nil) throws -> SchedulerStep {
        try step(modelOutput, timestep: t, previous: try previousTimestep(t, steps: steps), sample: sample, noise: noise)
    }

    /// x_{t-1} = c0 x0 + ct x_t + sigma_t z, with x0 from the model output (clipped when
    /// `clip_sample`), c0 = sqrt(abar_prev) beta_t / (1 - abar_t), ct = sqrt(alpha_t) (1 - abar_prev) / (1 - abar_t),
    /// alpha_t = abar_t / abar_prev, beta_t = 1 - alpha_t; sigma_t^2 = (1 - abar_prev) / (1 - abar_t) beta_t
    /// (clamped at 1e-20; beta_t for fixed_large); no noise at t = 0, where `noise` may be nil.
    func step(_ modelOutput: Tensor, timestep t: Int, previous prevT: Int, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "DDPM step")
        let alphaT = try schedule.alphaCumprod(at: t, op: "DDPM step")
        let alphaPrev = prevT >= 0 ? try schedule.alphaCumprod(at: prevT, op: "DDPM step") : 1
        let betaT = 1 - alphaT, betaPrev = 1 - alphaPrev
        let currentAlpha = alphaT / alphaPrev
        let currentBeta = 1 - currentAlpha
        let x = sample.scalars
        var x0 = config.predictionType.originalSample(modelOutput.scalars, sample: x, alpha: alphaT.squareRoot(), sigma: betaT.squareRoot())
        if config.clipSample {
            let r = Float(config.clipSampleRange)
            x0 = x0.map { Swift.min(Swift.max($0, -r), r) }
        }
        let c0 = (alphaPrev.squareRoot() * currentBeta) / betaT
        let ct = currentAlpha.squareRoot() * betaPrev / betaT
        var prev = [Float](repeating: 0, count: x.count)
        for i in x.indices { prev[i] = c0 * x0[i] + ct * x[i] }
        if t > 0 {
            let z = try RunChecks.noise(noise, like: sample, op: "DDPM step")
            let variance = Swift.max(betaPrev / betaT * currentBeta, 1e-20)
            let sigma: Float
            switch config.varianceType {
            case "fixed_large": sigma = currentBeta.squareRoot()
            case "fixed_small_log": sigma = exp(0.5 * log(variance))
            default: sigma = variance.squareRoot()
            }
            for i in prev.indices { prev[i] = prev[i] + sigma * z[i] }
        }
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}

/// A DDPM run: each step goes to the run's next timestep and, except at t = 0, adds noise.
struct DDPMRun: SchedulerRun {
    let scheduler: DDPMScheduler
    let integerTimesteps: [Int]
    private(set) var stepIndex = 0

    var timesteps: [Float] { integerTimesteps.map(Float.init) }
    var initNoiseSigma: Float { 1 }
    var needsNoise: Bool { stepIndex < integerTimesteps.count && integerTimesteps[stepIndex] > 0 }

    mutating func begin(at index: Int) throws {
        try RunChecks.begin(index, count: integerTimesteps.count, started: stepIndex != 0, op: "DDPM")
        stepIndex = index
    }

    func scaleModelInput(_ sample: Tensor) throws -> Tensor { sample }

    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "DDPM add_noise")
        return try scheduler.schedule.addNoise(original, noise: noise, timesteps: [integerTimesteps[stepIndex]])
    }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "DDPM step")
        let previous = stepIndex + 1 < integerTimesteps.count ? integerTimesteps[stepIndex + 1] : -1
        let result = try scheduler.step(modelOutput, timestep: integerTimesteps[stepIndex], previous: previous, sample: sample, noise: noise)
        stepIndex += 1
        return result
    }
}
