import Foundation
import Tensors

/// The k-diffusion view of a noise schedule (Karras et al. 2022) that Euler, Euler ancestral, LMS
/// and DPM-Solver sample with: sigma_t = sqrt((1 - abar_t) / abar_t), x = x_t / sqrt(abar_t) =
/// x0 + sigma e. One home for how their inference sigmas and timesteps are chosen, with numpy's and
/// torch's arithmetic (float32 tables, float64 interpolation) so the values are diffusers' own.
enum SigmaSchedule {
    /// abar_t as these classes hold it: with zero-terminal-SNR rescaling, the last one is 2^-24
    /// instead of 0, so that sigma stays finite.
    static func alphasCumprod(_ schedule: NoiseSchedule) -> [Float] {
        var a = schedule.alphasCumprod
        if schedule.config.rescaleBetasZeroSnr, !a.isEmpty { a[a.count - 1] = 0x1p-24 }
        return a
    }

    /// sigma_t = ((1 - abar_t) / abar_t) ** 0.5 per training timestep, float32 as torch computes it.
    static func trainingSigmas(_ alphasCumprod: [Float]) -> [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// np.interp(x, arange(count), table): piecewise-linear in float64, exact at whole numbers.
    static func interpolate(_ x: Double, _ table: [Float]) -> Double {
        let n = table.count
        guard n > 0, !x.isNaN else { return x }
        if x <= 0 { return Double(table[0]) }
        if x >= Double(n - 1) { return Double(table[n - 1]) }
        let j = Int(x.rounded(.down))
        if Double(j) == x { return Double(table[j]) }
        let slope = (Double(table[j + 1]) - Double(table[j])) / (Double(j + 1) - Double(j))
        return slope * (x - Double(j)) + Double(table[j])
    }

    /// Karras et al. (2022) eq. 5, rho = 7: sigma_i = (max^(1/rho) + i/(n-1) (min^(1/rho) - max^(1/rho)))^rho.
    static func karras(sigmaMin: Double, sigmaMax: Double, count n: Int) -> [Double] {
        let rho = 7.0
        let minInv = pow(sigmaMin, 1 / rho), maxInv = pow(sigmaMax, 1 / rho)
        return NoiseSchedule.numpyLinspace(0, 1, count: n).map { pow(maxInv + $0 * (minInv - maxInv), rho) }
    }

    /// diffusers' `_sigma_to_t`: the fractional training timestep whose log sigma is `sigma`'s,
    /// interpolating linearly in log sigma between the two neighbouring entries of `logSigmas`
    /// (numpy float32 logs of the training sigmas).
    static func timestep(ofSigma sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = log(max(sigma, 1e-10))
        guard logSigmas.count >= 2 else { return 0 }
        // The last index whose log sigma is <= the target (0 when none is), at most count - 2.
        var low = 0
        for (i, l) in logSigmas.enumerated() where logSigma - Double(l) >= 0 { low = i }
        low = min(low, logSigmas.count - 2)
        let lo = logSigmas[low], hi = logSigmas[low + 1]
        let w = min(max((Double(lo) - logSigma) / Double(lo - hi), 0), 1)
        return (1 - w) * Double(low) + w * Double(low + 1)
    }

    /// Euler's, Euler ancestral's and LMS's inference timesteps: linspace spacing keeps
    /// np.linspace(0, n_train - 1, steps)'s fractional values (float32); leading and trailing are
    /// DDIM's whole timesteps.
    static func fractionalTimesteps(_ schedule: NoiseSchedule, steps: Int) throws -> [Float] {
        let config = schedule.config
        guard config.timestepSpacing == .linspace else { return try schedule.timesteps(steps: steps).map(Float.init) }
        _ = try schedule.timesteps(steps: steps)  // the same range check
        return NoiseSchedule.numpyLinspace(0, Double(config.numTrainTimesteps - 1), count: steps).reversed().map { Float($0) }
    }

    /// Euler's and LMS's set_timesteps: the sigmas at their timesteps, by np.interp; with Karras
    /// sigmas, rho = 7 sigmas between the smallest and largest of those (or the config's
    /// sigma_min / sigma_max) and the fractional timesteps they fall at. Without the final sigma.
    static func inferenceSigmas(_ schedule: NoiseSchedule, trainingSigmas table: [Float], steps: Int, karras: Bool,
                                sigmaMin: Double?, sigmaMax: Double?) throws -> (timesteps: [Float], sigmas: [Float]) {
        let timesteps = try fractionalTimesteps(schedule, steps: steps)
        let sigmas = timesteps.map { interpolate(Double($0), table) }
        guard karras, let smallest = sigmas.last, let largest = sigmas.first else { return (timesteps, sigmas.map { Float($0) }) }
        let logSigmas = table.map { log($0) }
        let k = SigmaSchedule.karras(sigmaMin: sigmaMin ?? smallest, sigmaMax: sigmaMax ?? largest, count: steps)
        return (k.map { Float(timestep(ofSigma: $0, logSigmas: logSigmas)) }, k.map { Float($0) })
    }

    /// diffusers' init_noise_sigma: the largest sigma for linspace and trailing spacing,
    /// sqrt(max^2 + 1) for leading.
    static func initNoiseSigma(_ sigmas: [Float], spacing: SchedulerConfig.Spacing) -> Float {
        let largest = sigmas.max() ?? 0
        return spacing == .leading ? (largest * largest + 1).squareRoot() : largest
    }

    /// The last sigma appended after the inference sigmas: 0, or the first training sigma.
    static func finalSigma(_ type: SchedulerConfig.FinalSigmas, trainingSigmas: [Float]) -> Float {
        type == .zero ? 0 : (trainingSigmas.first ?? 0)
    }

    /// Refuses the sigma options these ports do not implement, naming the key.
    static func checkSupported(_ config: SchedulerConfig) throws {
        if config.useExponentialSigmas { throw config.unsupported(.useExponentialSigmas, true) }
        if config.useBetaSigmas { throw config.unsupported(.useBetaSigmas, true) }
    }
}

/// The stepping state the k-diffusion runs share: timesteps, their sigmas (one more, the final
/// one) and the index of the next step.
struct SigmaRun {
    let timesteps: [Float]
    let sigmas: [Float]
    let initNoiseSigma: Float
    private(set) var stepIndex = 0
    let op: String

    init(timesteps: [Float], sigmas: [Float], initNoiseSigma: Float, op: String) {
        self.timesteps = timesteps
        self.sigmas = sigmas
        self.initNoiseSigma = initNoiseSigma
        self.op = op
    }

    mutating func begin(at index: Int) throws {
        try RunChecks.begin(index, count: timesteps.count, started: stepIndex != 0, op: op)
        stepIndex = index
    }

    /// The current sigma and the next, checking the run is not over.
    func current() throws -> (sigma: Float, next: Float) {
        try RunChecks.inRun(stepIndex, count: timesteps.count, op: "\(op) step")
        return (sigmas[stepIndex], sigmas[stepIndex + 1])
    }

    /// x / sqrt(sigma^2 + 1): the UNet's input is x_t, the k-diffusion sample scaled back.
    func scaleModelInput(_ sample: Tensor) throws -> Tensor {
        let sigma = try current().sigma
        let d = (sigma * sigma + 1).squareRoot()
        return try Tensor(shape: sample.shape, scalars: sample.scalars.map { $0 / d })
    }

    /// x0 + sigma e at the current step's sigma.
    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor {
        try NoiseSchedule.blend(original, noise, signal: 1, noise: try current().sigma, op: "\(op) add_noise")
    }

    mutating func advance() { stepIndex += 1 }
}
