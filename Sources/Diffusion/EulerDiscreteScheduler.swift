import Foundation
import Tensors

/// Euler's method on the probability-flow ODE in sigma space (Karras et al. 2022, Algorithm 2 with
/// no churn) as diffusers' EulerDiscreteScheduler: x_next = x + (x - x0) / sigma (sigma_next - sigma).
public struct EulerDiscreteScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    /// sqrt((1 - abar_t) / abar_t) per training timestep (float32).
    let trainingSigmas: [Float]

    /// `config` read as an EulerDiscreteScheduler (`EulerDiscreteScheduler.from_config`).
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .euler)
        try config.validate(path: config.origin)
        try SigmaSchedule.checkSupported(config)
        if config.interpolationType != "linear" { throw config.unsupported(.interpolationType, config.interpolationType) }
        if config.timestepType == "continuous" && config.predictionType == .vPrediction {
            throw config.unsupported(.timestepType, "continuous (with v_prediction)")
        }
        schedule = NoiseSchedule(config)
        trainingSigmas = SigmaSchedule.trainingSigmas(SigmaSchedule.alphasCumprod(schedule))
    }

    public var kind: SchedulerKind { .euler }
    public var config: SchedulerConfig { schedule.config }

    /// diffusers' set_timesteps: sigmas interpolated at the timesteps (or Karras sigmas and the
    /// timesteps they fall at), then the final sigma.
    public func run(steps: Int) throws -> any SchedulerRun {
        let (timesteps, sigmas) = try SigmaSchedule.inferenceSigmas(
            schedule, trainingSigmas: trainingSigmas, steps: steps, karras: config.useKarrasSigmas,
            sigmaMin: config.sigmaMin, sigmaMax: config.sigmaMax)
        let all = sigmas + [SigmaSchedule.finalSigma(config.finalSigmasType, trainingSigmas: trainingSigmas)]
        return EulerRun(sigmaRun: SigmaRun(timesteps: timesteps, sigmas: all,
                                           initNoiseSigma: SigmaSchedule.initNoiseSigma(all, spacing: config.timestepSpacing), op: "Euler"),
                        prediction: config.predictionType)
    }
}

struct EulerRun: SchedulerRun {
    var sigmaRun: SigmaRun
    let prediction: SchedulerConfig.Prediction

    var timesteps: [Float] { sigmaRun.timesteps }
    var initNoiseSigma: Float { sigmaRun.initNoiseSigma }
    var stepIndex: Int { sigmaRun.stepIndex }
    var needsNoise: Bool { false }
    mutating func begin(at index: Int) throws { try sigmaRun.begin(at: index) }
    func scaleModelInput(_ sample: Tensor) throws -> Tensor { try sigmaRun.scaleModelInput(sample) }
    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor { try sigmaRun.addNoise(original, noise: noise) }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        let (sigma, next) = try sigmaRun.current()
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "Euler step")
        let x = sample.scalars
        let x0 = prediction.originalSample(modelOutput.scalars, sample: x, sigma: sigma)
        let dt = next - sigma
        let prev = zip(x, x0).map { x, x0 in x + ((x - x0) / sigma) * dt }
        sigmaRun.advance()
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}
