import Foundation
import Tensors

/// Euler ancestral sampling (k-diffusion's `sample_euler_ancestral`) as diffusers'
/// EulerAncestralDiscreteScheduler: an Euler step down to sigma_down, then fresh noise of size
/// sigma_up, with sigma_up^2 = sigma_next^2 (sigma^2 - sigma_next^2) / sigma^2 and
/// sigma_down^2 = sigma_next^2 - sigma_up^2.
public struct EulerAncestralDiscreteScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    let trainingSigmas: [Float]

    /// `config` read as an EulerAncestralDiscreteScheduler.
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .eulerAncestral)
        try config.validate(path: config.origin)
        if config.predictionType == .sample { throw config.unsupported(.predictionType, "sample") }
        schedule = NoiseSchedule(config)
        trainingSigmas = SigmaSchedule.trainingSigmas(SigmaSchedule.alphasCumprod(schedule))
    }

    public var kind: SchedulerKind { .eulerAncestral }
    public var config: SchedulerConfig { schedule.config }

    public func run(steps: Int) throws -> any SchedulerRun {
        let (timesteps, sigmas) = try SigmaSchedule.inferenceSigmas(schedule, trainingSigmas: trainingSigmas, steps: steps,
                                                                    karras: false, sigmaMin: nil, sigmaMax: nil)
        let all = sigmas + [0]
        return EulerAncestralRun(sigmaRun: SigmaRun(timesteps: timesteps, sigmas: all,
                                                    initNoiseSigma: SigmaSchedule.initNoiseSigma(all, spacing: config.timestepSpacing),
                                                    op: "Euler ancestral"),
                                 prediction: config.predictionType)
    }
}

struct EulerAncestralRun: SchedulerRun {
    var sigmaRun: SigmaRun
    let prediction: SchedulerConfig.Prediction

    var timesteps: [Float] { sigmaRun.timesteps }
    var initNoiseSigma: Float { sigmaRun.initNoiseSigma }
    var stepIndex: Int { sigmaRun.stepIndex }
    /// Every step draws noise, the last one too (its sigma_up is 0), as diffusers does.
    var needsNoise: Bool { true }
    mutating func begin(at index: Int) throws { try sigmaRun.begin(at: index) }
    func scaleModelInput(_ sample: Tensor) throws -> Tensor { try sigmaRun.scaleModelInput(sample) }
    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor { try sigmaRun.addNoise(original, noise: noise) }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        let (from, to) = try sigmaRun.current()
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "Euler ancestral step")
        let z = try RunChecks.noise(noise, like: sample, op: "Euler ancestral step")
        let x = sample.scalars
        let x0 = prediction.originalSample(modelOutput.scalars, sample: x, sigma: from)
        let up = (to * to * (from * from - to * to) / (from * from)).squareRoot()
        let down = (to * to - up * up).squareRoot()
        let dt = down - from
        var prev = zip(x, x0).map { x, x0 in x + ((x - x0) / from) * dt }
        for i in prev.indices { prev[i] = prev[i] + z[i] * up }
        sigmaRun.advance()
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}
