import Foundation
import Tensors

/// The linear multistep method in sigma space (k-diffusion's `sample_lms`) as diffusers'
/// LMSDiscreteScheduler: x_next = x + sum_k c_k d_{i-k}, with d = (x - x0) / sigma the ODE's
/// derivative at the last (up to) four steps and c_k the integral from sigma_i to sigma_{i+1} of
/// the Lagrange basis polynomial of step i - k.
public struct LMSDiscreteScheduler: DiffusionScheduler {
    public let schedule: NoiseSchedule
    let trainingSigmas: [Float]
    /// How many past derivatives a step combines (diffusers' default `order` argument of `step`).
    static let order = 4

    /// `config` read as an LMSDiscreteScheduler.
    public init(_ config: SchedulerConfig) throws {
        let config = try config.resolved(for: .lms)
        try config.validate(path: config.origin)
        try SigmaSchedule.checkSupported(config)
        schedule = NoiseSchedule(config)
        trainingSigmas = SigmaSchedule.trainingSigmas(schedule.alphasCumprod)
    }

    public var kind: SchedulerKind { .lms }
    public var config: SchedulerConfig { schedule.config }

    public func run(steps: Int) throws -> any SchedulerRun {
        // LMS's Karras conversion ignores the config's sigma_min / sigma_max.
        let (timesteps, sigmas) = try SigmaSchedule.inferenceSigmas(schedule, trainingSigmas: trainingSigmas, steps: steps,
                                                                    karras: config.useKarrasSigmas, sigmaMin: nil, sigmaMax: nil)
        let all = sigmas + [0]
        return LMSRun(sigmaRun: SigmaRun(timesteps: timesteps, sigmas: all,
                                         initNoiseSigma: SigmaSchedule.initNoiseSigma(all, spacing: config.timestepSpacing), op: "LMS"),
                      prediction: config.predictionType)
    }

    /// integral over [sigmas[t], sigmas[t + 1]] of prod_{k != j, k < order} (tau - sigmas[t - k]) /
    /// (sigmas[t - j] - sigmas[t - k]): exact (3-point Gauss-Legendre is exact up to degree 5 and
    /// the polynomial has degree order - 1 <= 3), where diffusers integrates numerically to 1e-4.
    static func coefficient(order: Int, t: Int, j: Int, sigmas: [Float]) -> Double {
        func basis(_ tau: Double) -> Double {
            var product = 1.0
            for k in 0..<order where k != j {
                product *= (tau - Double(sigmas[t - k])) / (Double(sigmas[t - j]) - Double(sigmas[t - k]))
            }
            return product
        }
        let a = Double(sigmas[t]), b = Double(sigmas[t + 1])
        let mid = (a + b) / 2, half = (b - a) / 2
        let node = (3.0 / 5.0).squareRoot()
        return half * (5.0 / 9.0 * basis(mid - half * node) + 8.0 / 9.0 * basis(mid) + 5.0 / 9.0 * basis(mid + half * node))
    }
}

struct LMSRun: SchedulerRun {
    var sigmaRun: SigmaRun
    let prediction: SchedulerConfig.Prediction
    /// The derivatives of the last `order` steps, oldest first.
    private var derivatives: [[Float]] = []

    init(sigmaRun: SigmaRun, prediction: SchedulerConfig.Prediction) {
        self.sigmaRun = sigmaRun
        self.prediction = prediction
    }

    var timesteps: [Float] { sigmaRun.timesteps }
    var initNoiseSigma: Float { sigmaRun.initNoiseSigma }
    var stepIndex: Int { sigmaRun.stepIndex }
    var needsNoise: Bool { false }
    mutating func begin(at index: Int) throws { try sigmaRun.begin(at: index) }
    func scaleModelInput(_ sample: Tensor) throws -> Tensor { try sigmaRun.scaleModelInput(sample) }
    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor { try sigmaRun.addNoise(original, noise: noise) }

    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep {
        let sigma = try sigmaRun.current().sigma
        try RunChecks.sameShape(modelOutput, as: sample, "model output", op: "LMS step")
        let x = sample.scalars
        let x0 = prediction.originalSample(modelOutput.scalars, sample: x, sigma: sigma)
        derivatives = Array((derivatives + [zip(x, x0).map { ($0 - $1) / sigma }]).suffix(LMSDiscreteScheduler.order))
        // As diffusers: the order follows the step index, not how many derivatives a run that
        // began late (img2img) has gathered; the coefficients pair with the newest ones first.
        let i = sigmaRun.stepIndex
        let order = min(i + 1, LMSDiscreteScheduler.order)
        var sum = [Float](repeating: 0, count: x.count)
        for (j, derivative) in zip(0..<order, derivatives.reversed()) {
            let c = Float(LMSDiscreteScheduler.coefficient(order: order, t: i, j: j, sigmas: sigmaRun.sigmas))
            for n in sum.indices { sum[n] = sum[n] + c * derivative[n] }
        }
        let prev = zip(x, sum).map { $0 + $1 }
        sigmaRun.advance()
        return SchedulerStep(prevSample: try Tensor(shape: sample.shape, scalars: prev),
                             predOriginalSample: try Tensor(shape: sample.shape, scalars: x0))
    }
}
