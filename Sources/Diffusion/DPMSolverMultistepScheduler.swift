import Foundation
import Tensors

/// DPM-Solver++ (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
/// Probabilistic Models") as diffusers' DPMSolverMultistepScheduler: multistep solvers of the
/// diffusion ODE in lambda = log(alpha_t / sigma_t), on data predictions x0, of order 2 by default
/// (first order for the first step, and for the last when `final_sigmas_type` is zero or the run
/// is short); `sde-dpmsolver++` adds noise each step.
public struct DPMSolverMultistepScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    let trainingSigmas: [Float]
    /// lambda_t = log(sqrt(abar_t)) - log(sqrt(1 - abar_t)) per training timestep (float32).
    let lambdas: [Float]

    /// `config` read as a DPMSolverMultistepScheduler.
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .dpmSolverMultistep)
        try config.validate(path: config.origin)
        try SigmaSchedule.checkSupported(config)
        if config.useLuLambdas { throw config.unsupported(.useLuLambdas, true) }
        if config.useFlowSigmas { throw config.unsupported(.useFlowSigmas, true) }
        if config.useDynamicShifting { throw config.unsupported(.useDynamicShifting, true) }
        guard config.algorithmType == .dpmsolverPlusPlus || config.algorithmType == .sdeDpmsolverPlusPlus else {
            throw config.unsupported(.algorithmType, config.algorithmType.rawValue)
        }
        guard (1...3).contains(config.solverOrder) else { throw config.unsupported(.solverOrder, config.solverOrder) }
        if let variance = config.varianceType, variance == "learned" || variance == "learned_range" {
            throw config.unsupported(.varianceType, variance)
        }
        schedule = NoiseSchedule(config)
        let abar = SigmaSchedule.alphasCumprod(schedule)
        trainingSigmas = SigmaSchedule.trainingSigmas(abar)
        lambdas = abar.map { log($0.squareRoot()) - log((1 - $0).squareRoot()) }
    }

    public var kind: SchedulerKind { .dpmSolverMultistep }
    public var config: SchedulerConfig { schedule.config }

    /// diffusers' set_timesteps: `steps` + 1 points spaced over [0, last_timestep) with the last
    /// dropped (last_timestep excludes timesteps whose lambda is below lambda_min_clipped), their
    /// sigmas, or Karras sigmas and the whole timesteps nearest them; then the final sigma.
    public func run(steps: Int) throws -> any SchedulerRun {
        let n = config.numTrainTimesteps
        guard steps >= 1 && steps <= n else {
            throw DiffusionError.invalidArgument(op: "timesteps", message: "steps must be in 1...\(n) (num_train_timesteps), got \(steps)")
        }
        // torch.searchsorted(flip(lambda_t), lambda_min_clipped): how many flipped lambdas lie below it.
        let clipped = lambdas.reversed().prefix { Double($0) < config.lambdaMinClipped }.count
        let last = n - clipped
        var timesteps: [Int]
        switch config.timestepSpacing {
        case .linspace:
            timesteps = NoiseSchedule.numpyLinspace(0, Double(last - 1), count: steps + 1)
                .map { Int($0.rounded(.toNearestOrEven)) }.reversed().dropLast()
        case .leading:
            let ratio = last / (steps + 1)
            timesteps = (0...steps).map { $0 * ratio }.reversed().dropLast().map { $0 + config.stepsOffset }
        case .trailing:
            timesteps = NoiseSchedule.numpyArange(Double(last), 0, -Double(n) / Double(steps)).map { Int($0.rounded(.toNearestOrEven)) - 1 }
        }
        var sigmas: [Double]
        if config.useKarrasSigmas {
            let logSigmas = trainingSigmas.map { log($0) }
            sigmas = SigmaSchedule.karras(sigmaMin: config.sigmaMin ?? Double(trainingSigmas.first ?? 0),
                                          sigmaMax: config.sigmaMax ?? Double(trainingSigmas.last ?? 0), count: steps)
            // Rounded to whole timesteps except for the cosine schedule, then truncated as torch's int64 cast does.
            let round = config.betaSchedule != .squaredcosCapV2
            timesteps = sigmas.map { s in
                let t = SigmaSchedule.timestep(ofSigma: s, logSigmas: logSigmas)
                return Int(round ? t.rounded(.toNearestOrEven) : t)
            }
        } else {
            sigmas = try timesteps.map { t in
                guard t >= 0 && t < trainingSigmas.count else {
                    throw DiffusionError.invalidArgument(op: "DPM-Solver timesteps", message: "timestep \(t) is outside 0..<\(trainingSigmas.count)")
                }
                return Double(trainingSigmas[t])
            }
        }
        let all = sigmas.map { Float($0) } + [SigmaSchedule.finalSigma(config.finalSigmasType, trainingSigmas: trainingSigmas)]
        return DPMSolverRun(config: config, integerTimesteps: timesteps, sigmas: all)
    }
}

/// The multistep state: the last `solver_order` data predictions and how many steps have run.
struct DPMSolverRun: SchedulerRun {
    let config: SchedulerConfig
    let integerTimesteps: [Int]
    let sigmas: [Float]
    private(set) var stepIndex = 0
    private var started = false
    private var modelOutputs: [[Float]] = []
    private var lowerOrderSteps = 0

    init(config: SchedulerConfig, integerTimesteps: [Int], sigmas: [Float]) {
        self.config = config
        self.integerTimesteps = integerTimesteps
        self.sigmas = sigmas
    }

    var timesteps: [Float] { integerTimesteps.map(Float.init) }
    var initNoiseSigma: Float { 1 }
    var needsNoise: Bool { config.algorithmType == .sdeDpmsolverPlusPlus }

    mutating func begin(at index: Int) throws {
        try RunChecks.begin(index, count: integerTimesteps.count, started: started, op: "DPM-Solver")
        stepIndex = index
    }

    func scaleModelInput(_ sample: Tensor) throws -> Tensor { sample }

    /// alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma alpha_t: the alpha-space coefficients of a sigma.
    static func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }

    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor {
        try RunChecks.inRun(stepIndex, count: integerTimesteps.count, op: "DPM-Solver add_noise")
        let (alpha, sigma) = Self.alphaSigma(sigmas[stepIndex])
        return try NoiseSchedule.blend(original, noise, signal: alpha, noise: sigma, op: "DPM-Solver add_noise")
    }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        let i = stepIndex, count = integerTimesteps.count
        try RunChecks.inRun(i, count: count, op: "DPM-Solver step")
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "DPM-Solver step")
        let z = needsNoise ? try RunChecks.noise(noise, like: sample, op: "DPM-Solver step") : nil
        let finalStep = i == count - 1
            && (config.eulerAtFinal || (config.lowerOrderFinal && count < 15) || config.finalSigmasType == .zero)
        let secondToLast = i == count - 2 && config.lowerOrderFinal && count < 15
        let x = sample.scalars
        let (alphaS, sigmaS) = Self.alphaSigma(sigmas[i])
        let x0 = config.predictionType.originalSample(modelOutput.scalars, sample: x, alpha: alphaS, sigma: sigmaS)
        modelOutputs = Array((modelOutputs + [x0]).suffix(config.solverOrder))
        let order = config.solverOrder
        let prev: [Float]
        if order == 1 || lowerOrderSteps < 1 || finalStep {
            prev = firstOrder(x, z)
        } else if order == 2 || lowerOrderSteps < 2 || secondToLast {
            prev = secondOrder(x, z)
        } else {
            prev = thirdOrder(x, z)
        }
        if lowerOrderSteps < order { lowerOrderSteps += 1 }
        stepIndex += 1
        started = true
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }

    /// alpha, sigma and lambda = log alpha - log sigma at sigmas[index].
    private func point(_ index: Int) -> (alpha: Float, sigma: Float, lambda: Float) {
        let (alpha, sigma) = Self.alphaSigma(sigmas[index])
        return (alpha, sigma, log(alpha) - log(sigma))
    }

    /// x_t = (sigma_t / sigma_s) x_s - alpha_t (e^-h - 1) D0, plus the SDE variant's noise.
    private func firstOrder(_ x: [Float], _ z: [Float]?) -> [Float] {
        let t = point(stepIndex + 1), s = point(stepIndex)
        let h = t.lambda - s.lambda
        let m0 = modelOutputs[modelOutputs.count - 1]
        if let z {
            let c1 = t.sigma / s.sigma * exp(-h), c2 = t.alpha * (1 - exp(-2 * h)), c3 = t.sigma * (1 - exp(-2 * h)).squareRoot()
            return (0..<x.count).map { i in c1 * x[i] + c2 * m0[i] + c3 * z[i] }
        }
        let c1 = t.sigma / s.sigma, c2 = t.alpha * (exp(-h) - 1)
        return (0..<x.count).map { i in c1 * x[i] - c2 * m0[i] }
    }

    /// The two-step update with D1 = (m0 - m1) / r0, r0 = h_0 / h (midpoint or Heun form).
    private func secondOrder(_ x: [Float], _ z: [Float]?) -> [Float] {
        let t = point(stepIndex + 1), s0 = point(stepIndex), s1 = point(stepIndex - 1)
        let m0 = modelOutputs[modelOutputs.count - 1], m1 = modelOutputs[modelOutputs.count - 2]
        let h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda
        let r0 = h0 / h
        let inverse = 1 / r0
        let d1 = zip(m0, m1).map { inverse * ($0 - $1) }
        let heun = config.solverType == .heun
        if let z {
            let c1 = t.sigma / s0.sigma * exp(-h), c2 = t.alpha * (1 - exp(-2 * h))
            let c3 = heun ? t.alpha * ((1 - exp(-2 * h)) / (-2 * h) + 1) : 0.5 * c2
            let c4 = t.sigma * (1 - exp(-2 * h)).squareRoot()
            return (0..<x.count).map { i in c1 * x[i] + c2 * m0[i] + c3 * d1[i] + c4 * z[i] }
        }
        let c1 = t.sigma / s0.sigma, c2 = t.alpha * (exp(-h) - 1)
        if heun {
            let c3 = t.alpha * ((exp(-h) - 1) / h + 1)
            return (0..<x.count).map { i in c1 * x[i] - c2 * m0[i] + c3 * d1[i] }
        }
        let c3 = 0.5 * c2
        return (0..<x.count).map { i in c1 * x[i] - c2 * m0[i] - c3 * d1[i] }
    }

    /// The three-step update with first and second divided differences D1, D2.
    private func thirdOrder(_ x: [Float], _ z: [Float]?) -> [Float] {
        let t = point(stepIndex + 1), s0 = point(stepIndex), s1 = point(stepIndex - 1), s2 = point(stepIndex - 2)
        let k = modelOutputs.count
        let m0 = modelOutputs[k - 1], m1 = modelOutputs[k - 2], m2 = modelOutputs[k - 3]
        let h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda, h1 = s1.lambda - s2.lambda
        let r0 = h0 / h, r1 = h1 / h
        let inverse0 = 1 / r0, inverse1 = 1 / r1, w = r0 / (r0 + r1), v = 1 / (r0 + r1)
        var d1 = [Float](repeating: 0, count: x.count), d2 = d1
        for i in x.indices {
            let d10 = inverse0 * (m0[i] - m1[i]), d11 = inverse1 * (m1[i] - m2[i])
            d1[i] = d10 + w * (d10 - d11)
            d2[i] = v * (d10 - d11)
        }
        if let z {
            let e2 = exp(-2 * h)
            let c1 = t.sigma / s0.sigma * exp(-h), c2 = t.alpha * (1 - e2)
            let c3 = t.alpha * ((1 - e2) / (-2 * h) + 1)
            let c4 = t.alpha * ((1 - e2 - 2 * h) / ((2 * h) * (2 * h)) - 0.5)
            let c5 = t.sigma * (1 - exp(-2 * h)).squareRoot()
            return (0..<x.count).map { i in c1 * x[i] + c2 * m0[i] + c3 * d1[i] + c4 * d2[i] + c5 * z[i] }
        }
        let c1 = t.sigma / s0.sigma, c2 = t.alpha * (exp(-h) - 1)
        let c3 = t.alpha * ((exp(-h) - 1) / h + 1), c4 = t.alpha * ((exp(-h) - 1 + h) / (h * h) - 0.5)
        return (0..<x.count).map { i in c1 * x[i] - c2 * m0[i] + c3 * d1[i] - c4 * d2[i] }
    }
}
