import Foundation
import Tensors

/// What one reverse step produces: x_{t-1} and the model's estimate of x_0.
public struct SchedulerStep: Sendable {
    public let prevSample: Tensor
    public let predOriginalSample: Tensor
}

/// DDIM (Song et al. 2021) as diffusers' DDIMScheduler: deterministic for eta = 0.
/// Stateless: the number of inference steps is an argument of `step`, not state set beforehand.
public struct DDIMScheduler: Sendable {
    public let schedule: NoiseSchedule
    /// abar used before the first training timestep: 1 with `set_alpha_to_one`, else abar_0.
    public let finalAlphaCumprod: Float

    /// A scheduler of any class samples with DDIM on its own betas; for classes other than DDIM and
    /// DDPM `notify` hears about it once per class name and process.
    public init(_ config: SchedulerConfig, notify: (String) -> Void = SchedulerNotice.standardError) {
        if !config.isImplemented, SchedulerNotice.firstTime(config.className) {
            notify("note: \(config.className) is not implemented; sampling uses DDIM with its betas "
                + "(\(config.betaSchedule.rawValue), \(config.betaStart)...\(config.betaEnd))")
        }
        schedule = NoiseSchedule(config)
        finalAlphaCumprod = config.setAlphaToOne ? 1 : (schedule.alphasCumprod.first ?? 1)
    }

    public var config: SchedulerConfig { schedule.config }

    public func timesteps(steps: Int) throws -> [Int] { try schedule.timesteps(steps: steps) }

    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps)
    }

    /// One DDIM step from x_t at `timestep` to the previous timestep t - n_train / steps:
    /// x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t) (or from v / sample predictions), clipped when
    /// `clip_sample`; x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps + sigma z,
    /// sigma = eta sqrt((1 - abar_prev) / (1 - abar_t) (1 - abar_t / abar_prev)). With eta > 0,
    /// `varianceNoise` is z.
    public func step(_ modelOutput: Tensor, timestep t: Int, sample: Tensor, steps: Int,
                     eta: Float = 0, varianceNoise: Tensor? = nil) throws -> SchedulerStep {
        guard modelOutput.shape == sample.shape else {
            throw DiffusionError.shapeMismatch(op: "DDIM step (model output like the sample)", expected: sample.shape, found: modelOutput.shape)
        }
        let n = config.numTrainTimesteps
        guard steps >= 1 && steps <= n else {
            throw DiffusionError.invalidArgument(op: "DDIM step", message: "steps must be in 1...\(n), got \(steps)")
        }
        let prevT = t - n / steps
        let alphaT = try schedule.alphaCumprod(at: t, op: "DDIM step")
        let alphaPrev = prevT >= 0 ? try schedule.alphaCumprod(at: prevT, op: "DDIM step") : finalAlphaCumprod
        let betaT = 1 - alphaT
        let sqrtAlphaT = alphaT.squareRoot(), sqrtBetaT = betaT.squareRoot()
        let eps = modelOutput.scalars, x = sample.scalars
        var x0 = [Float](repeating: 0, count: x.count), e = x0
        switch config.predictionType {
        case .epsilon:
            for i in x.indices { x0[i] = (x[i] - sqrtBetaT * eps[i]) / sqrtAlphaT }
            e = eps
        case .sample:
            x0 = eps
            for i in x.indices { e[i] = (x[i] - sqrtAlphaT * x0[i]) / sqrtBetaT }
        case .vPrediction:
            for i in x.indices {
                x0[i] = sqrtAlphaT * x[i] - sqrtBetaT * eps[i]
                e[i] = sqrtAlphaT * eps[i] + sqrtBetaT * x[i]
            }
        }
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
            guard z.shape == sample.shape else {
                throw DiffusionError.shapeMismatch(op: "DDIM step (variance noise like the sample)", expected: sample.shape, found: z.shape)
            }
            let zs = z.scalars
            for i in prev.indices { prev[i] = prev[i] + std * zs[i] }
        }
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}

/// The one-time notice that a checkpoint's scheduler class is sampled with DDIM.
public enum SchedulerNotice {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var told: Set<String> = []

    /// True the first time a class name is seen in this process.
    static func firstTime(_ className: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return told.insert(className).inserted
    }

    public static let standardError: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
