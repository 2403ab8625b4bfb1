import Foundation
import Tensors

/// DDIM (Song et al. 2021) as diffusers' DDIMScheduler: deterministic for eta = 0.
/// Its step depends only on the timestep and the number of inference steps, so `step` also works
/// on its own, outside a run.
public struct DDIMScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    /// abar used before the first training timestep: 1 with `set_alpha_to_one`, else abar_0.
    public let finalAlphaCumprod: Float

    /// `config` read as a DDIMScheduler (`DDIMScheduler.from_config`).
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .ddim)
        try config.validate(path: config.origin)
        schedule = NoiseSchedule(config)
        finalAlphaCumprod = config.setAlphaToOne ? 1 : (schedule.alphasCumprod.first ?? 1)
    }

    public var kind: SchedulerKind { .ddim }
    public var config: SchedulerConfig { schedule.config }

    public func run(steps: Int) throws -> any SchedulerRun {
        DDIMRun(scheduler: self, steps: steps, timesteps: try schedule.timesteps(steps: steps))
    }

    /// One DDIM step from x_t at `timestep` to the previous timestep t - n_train / steps:
    /// x0 from the model output (clipped when `clip_sample`), e from x0 and x_t;
    /// x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) e + sigma z,
    /// sigma = eta sqrt((1 - abar_prev) / (1 - abar_t) (1 - abar_t / abar_prev)). With eta > 0,
    /// `varianceNoise` is z.
    public func step(_ modelOutput: Tensor, timestep t: Int, sample: Tensor, steps: Int,
                     eta: Float = 0, varianceNoise: Tensor? = nil) throws -> SchedulerStep {
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "DDIM step")
        let n = config.numTrainTimesteps
        guard steps >= 1 && steps <= n else {
            throw DiffusionError.invalidArgument(op: "DDIM step", message: "steps must be in 1...\(n), got \(steps)")
        }
        let prevT = t - n / steps
        let alphaT = try schedule.alphaCumprod(at: t, op: "DDIM step")
        let alphaPrev = prevT >= 0 ? try schedule.alphaCumprod(at: prevT, op: "DDIM step") : finalAlphaCumprod
        let betaT = 1 - alphaT
        let sqrtAlphaT = alphaT.squareRoot(), sqrtBetaT = betaT.squareRoot()
        let output = modelOutput.scalars, x = sample.scalars
        let prediction = config.predictionType
        var x0 = prediction.originalSample(output, sample: x, alpha: sqrtAlphaT, sigma: sqrtBetaT)
        // e comes from the model output before x0 is clipped (diffusers' use_clipped_model_output = False).
        let e = prediction.noise(output, sample: x, alpha: sqrtAlphaT, sigma: sqrtBetaT)
        if config.clipSample {
            let r = Float(config.clipSampleRange)
            x0 = x0.map { Swift.min(Swift.max($0, -r), r) }
        }
        let variance = ((1 - alphaPrev) / betaT) * (1 - alphaT / alphaPrev)
        let std = eta * variance.squareRoot()
        let direction = (1 - alphaPrev - std * std).squareRoot()
        let sqrtAlphaPrev = alphaPrev.squareRoot()
        var prev = [Float](repeating: 0, count: x.count)
        for i in x.indices { prev[i] = sqrtAlphaPrev * x0[i] + direction * e[i] }
        if eta > 0 {
            guard let z = varianceNoise else {
                throw DiffusionError.invalidArgument(op: "DDIM step", message: "eta > 0 needs the variance noise")
            }
            try RunChecks.sameShape(z, as: sample, "variance noise", op: "DDIM step")
            let zs = z.scalars
            for i in prev.indices { prev[i] = prev[i] + std * zs[i] }
        }
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}

/// A DDIM run: the steps go through `timesteps` in order, eta 0 (as StableDiffusionPipeline).
struct DDIMRun: SchedulerRun {
    let scheduler: DDIMScheduler
    let steps: Int
    let integerTimesteps: [Int]
    private(set) var stepIndex = 0

    init(scheduler: DDIMScheduler, steps: Int, timesteps: [Int]) {
        self.scheduler = scheduler
        self.steps = steps
        integerTimesteps = timesteps
    }

    var timesteps: [Float] { integerTimesteps.map(Float.init) }
    var initNoiseSigma: Float { 1 }
    var needsNoise: Bool { false }

    mutating func begin(at index: Int) throws {
        try RunChecks.begin(index, count: integerTimesteps.count, started: stepIndex != 0, op: "DDIM")
        stepIndex = index
    }

    func scaleModelInput(_ sample: Tensor) throws -> Tensor { sample }

    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "DDIM add_noise")
        return try scheduler.schedule.addNoise(original, noise: noise, timesteps: [integerTimesteps[stepIndex]])
    }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "DDIM step")
        let result = try scheduler.step(modelOutput, timestep: integerTimesteps[stepIndex], sample: sample, steps: steps)
        stepIndex += 1
        return result
    }
}
