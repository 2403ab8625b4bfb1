import Foundation
import Tensors

/// PNDM (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models") as diffusers'
/// PNDMScheduler, the scheduler SD-1.x checkpoints ship: pseudo Runge-Kutta warm-up steps (unless
/// `skip_prk_steps`), then pseudo linear multistep (PLMS) steps that reuse the last four noise
/// predictions. With `skip_prk_steps` (SD's config) the warm-up is PLMS's own: the second model
/// call re-evaluates the first step (Heun-like), then orders 2, 3 and 4 follow.
public struct PNDMScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    /// abar before the first training timestep: 1 with `set_alpha_to_one`, else abar_0.
    public let finalAlphaCumprod: Float

    /// `config` read as a PNDMScheduler (`PNDMScheduler.from_config`).
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .pndm)
        try config.validate(path: config.origin)
        if config.predictionType == .sample { throw config.unsupported(.predictionType, config.predictionType.rawValue) }
        schedule = NoiseSchedule(config)
        finalAlphaCumprod = config.setAlphaToOne ? 1 : (schedule.alphasCumprod.first ?? 1)
    }

    public var kind: SchedulerKind { .pndm }
    public var config: SchedulerConfig { schedule.config }

    /// diffusers' set_timesteps: the DDIM-spaced timesteps t_0 < ... < t_{n-1}, then (skipping PRK)
    /// t_{n-1}, t_{n-2}, t_{n-2}, t_{n-3}, ..., t_0, or the 12 PRK timesteps around the four
    /// largest (half steps of n_train / n / 2) followed by the remaining ones for PLMS.
    public func run(steps: Int) throws -> any SchedulerRun {
        let ascending = Array(try schedule.timesteps(steps: steps).reversed())
        let n = config.numTrainTimesteps
        if config.skipPrkSteps {
            let plms = Array(ascending.dropLast()) + Array(ascending.dropLast().suffix(1)) + Array(ascending.suffix(1))
            return PNDMRun(scheduler: self, steps: steps, prkTimesteps: [], integerTimesteps: Array(plms.reversed()))
        }
        guard ascending.count >= 4 else {
            throw DiffusionError.invalidArgument(
                op: "PNDM", message: "its Runge-Kutta warm-up needs at least 4 steps, got \(steps) (skip_prk_steps is false in the scheduler config)")
        }
        let half = n / steps / 2
        let last4 = ascending.suffix(4)
        var prk: [Int] = []
        for t in last4 { prk += [t, t + half] }
        prk.removeLast()
        let doubled = prk.flatMap { [$0, $0] }
        let prkTimesteps = Array(doubled.dropFirst().dropLast().reversed())
        let plms = Array(ascending.dropLast(3).reversed())
        return PNDMRun(scheduler: self, steps: steps, prkTimesteps: prkTimesteps, integerTimesteps: prkTimesteps + plms)
    }

    /// Formula (9) of the PNDM paper, diffusers' `_get_prev_sample`: from x_t with noise estimate e
    /// to x at `prev`: sqrt(abar_prev / abar_t) x_t - (abar_prev - abar_t) e /
    /// (abar_t sqrt(1 - abar_prev) + sqrt(abar_t (1 - abar_t) abar_prev)). A v prediction becomes
    /// e = sqrt(abar_t) v + sqrt(1 - abar_t) x_t first.
    func previousSample(_ x: [Float], timestep t: Int, previous prev: Int, output: [Float]) throws -> [Float] {
        let a = try schedule.alphaCumprod(at: t, op: "PNDM step")
        let aPrev = prev >= 0 ? try schedule.alphaCumprod(at: prev, op: "PNDM step") : finalAlphaCumprod
        let b = 1 - a, bPrev = 1 - aPrev
        let e = config.predictionType.noise(output, sample: x, alpha: a.squareRoot(), sigma: b.squareRoot())
        let sampleCoeff = (aPrev / a).squareRoot()
        let denominator = a * bPrev.squareRoot() + (a * b * aPrev).squareRoot()
        let difference = aPrev - a
        return zip(x, e).map { sampleCoeff * $0 - difference * $1 / denominator }
    }
}

/// The state diffusers' PNDMScheduler keeps between steps: the step counter, the past noise
/// estimates (`ets`), the Runge-Kutta accumulator and the sample a warm-up step started from.
struct PNDMRun: SchedulerRun {
    let scheduler: PNDMScheduler
    let steps: Int
    let prkTimesteps: [Int]
    let integerTimesteps: [Int]
    private(set) var stepIndex = 0
    private var counter = 0
    private var ets: [[Float]] = []
    private var accumulated: [Float]?
    private var startSample: [Float]?

    init(scheduler: PNDMScheduler, steps: Int, prkTimesteps: [Int], integerTimesteps: [Int]) {
        self.scheduler = scheduler
        self.steps = steps
        self.prkTimesteps = prkTimesteps
        self.integerTimesteps = integerTimesteps
    }

    var timesteps: [Float] { integerTimesteps.map(Float.init) }
    var initNoiseSigma: Float { 1 }
    var needsNoise: Bool { false }

    /// img2img slices diffusers' timesteps and keeps the counter at 0, so a run that begins later
    /// warms up again from where it starts.
    mutating func begin(at index: Int) throws {
        try RunChecks.begin(index, count: integerTimesteps.count, started: stepIndex != 0, op: "PNDM")
        stepIndex = index
    }

    func scaleModelInput(_ sample: Tensor) throws -> Tensor { sample }

    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "PNDM add_noise")
        return try scheduler.schedule.addNoise(original, noise: noise, timesteps: [integerTimesteps[stepIndex]])
    }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "PNDM step")
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "PNDM step")
        let t = integerTimesteps[stepIndex]
        let prev = counter < prkTimesteps.count && !scheduler.config.skipPrkSteps
            ? try rungeKuttaStep(modelOutput.scalars, timestep: t, sample: sample.scalars)
            : try linearMultistep(modelOutput.scalars, timestep: t, sample: sample.scalars)
        counter += 1
        stepIndex += 1
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev), predOriginalSample: nil)
    }

    /// diffusers' step_prk: four model calls per step, combined with weights 1/6, 1/3, 1/3, 1/6.
    private mutating func rungeKuttaStep(_ output: [Float], timestep: Int, sample: [Float]) throws -> [Float] {
        let half = scheduler.config.numTrainTimesteps / steps / 2
        let previous = timestep - (counter % 2 == 1 ? 0 : half)
        let start = prkTimesteps[counter / 4 * 4]
        var e = output
        switch counter % 4 {
        case 0:
            accumulated = add(accumulated, output, weight: Float(1.0 / 6.0))
            ets.append(output)
            startSample = sample
        case 1, 2:
            accumulated = add(accumulated, output, weight: Float(1.0 / 3.0))
        default:
            e = add(accumulated, output, weight: Float(1.0 / 6.0))
            accumulated = nil
        }
        return try scheduler.previousSample(startSample ?? sample, timestep: start, previous: previous, output: e)
    }

    /// sum + weight * x, where an absent sum is diffusers' integer 0.
    private func add(_ sum: [Float]?, _ x: [Float], weight: Float) -> [Float] {
        guard let sum else { return x.map { 0 + weight * $0 } }
        return zip(sum, x).map { $0 + weight * $1 }
    }

    /// diffusers' step_plms: Adams-Bashforth combinations of up to the last four noise estimates.
    private mutating func linearMultistep(_ output: [Float], timestep: Int, sample: [Float]) throws -> [Float] {
        let ratio = scheduler.config.numTrainTimesteps / steps
        var t = timestep, previous = timestep - ratio
        if counter != 1 {
            ets = Array(ets.suffix(3)) + [output]
        } else {
            previous = timestep
            t = timestep + ratio
        }
        var x = sample
        let e: [Float]
        if ets.count == 1 && counter == 0 {
            e = output
            startSample = sample
        } else if ets.count == 1 && counter == 1 {
            e = zip(output, ets[0]).map { ($0 + $1) / 2 }
            x = startSample ?? sample
            startSample = nil
        } else if ets.count == 2 {
            e = zip(ets[1], ets[0]).map { (3 * $0 - $1) / 2 }
        } else if ets.count == 3 {
            e = (0..<output.count).map { i in (23 * ets[2][i] - 16 * ets[1][i] + 5 * ets[0][i]) / 12 }
        } else {
            guard ets.count == 4 else {
                throw DiffusionError.invalidArgument(op: "PNDM step", message: "no noise estimates to continue from (step \(counter) of a run)")
            }
            let c = Float(1.0 / 24.0)
            e = (0..<output.count).map { i in c * (55 * ets[3][i] - 59 * ets[2][i] + 37 * ets[1][i] - 9 * ets[0][i]) }
        }
        return try scheduler.previousSample(x, timestep: t, previous: previous, output: e)
    }
}
