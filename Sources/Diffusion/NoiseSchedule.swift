import Foundation
import Tensors

/// The forward-process schedule of a scheduler config: betas, alphas = 1 - betas and their
/// cumulative product, with diffusers' arithmetic. diffusers builds betas in float32 (torch
/// linspace, then squared for scaled_linear) and takes `torch.cumprod`, which accumulates
/// float32 inputs in double on the CPU and rounds each prefix product to float32; both are
/// reproduced here so `alphasCumprod` carries diffusers' own float32 values.
public struct NoiseSchedule: Sendable {
    public let config: SchedulerConfig
    public let betas: [Float]
    public let alphas: [Float]
    public let alphasCumprod: [Float]

    public init(_ config: SchedulerConfig) {
        self.config = config
        var betas: [Float]
        let n = config.numTrainTimesteps
        if let trained = config.trainedBetas {
            betas = trained.map { Float($0) }
        } else {
            switch config.betaSchedule {
            case .linear:
                betas = NoiseSchedule.linspace(Float(config.betaStart), Float(config.betaEnd), count: n)
            case .scaledLinear:
                betas = NoiseSchedule.linspace(Float(config.betaStart.squareRoot()), Float(config.betaEnd.squareRoot()), count: n)
                    .map { $0 * $0 }
            case .squaredcosCapV2:
                betas = NoiseSchedule.cosineBetas(count: n)
            }
        }
        if config.rescaleBetasZeroSnr { betas = NoiseSchedule.rescaledToZeroTerminalSNR(betas) }
        self.betas = betas
        alphas = betas.map { 1 - $0 }
        alphasCumprod = NoiseSchedule.cumulativeProduct(alphas)
    }

    /// torch.linspace(start, end, count) in float32 as the CPU kernel computes it: the first half
    /// counts up from `start`, the second half down from `end`, each with one fused multiply-add.
    static func linspace(_ start: Float, _ end: Float, count: Int) -> [Float] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (end - start) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(count - 1 - i))
        }
    }

    /// Glide's cosine schedule: beta_i = min(1 - abar((i+1)/n) / abar(i/n), 0.999),
    /// abar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2, in double as diffusers computes it.
    static func cosineBetas(count n: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<n).map { i in
            Float(min(1 - alphaBar(Double(i + 1) / Double(n)) / alphaBar(Double(i) / Double(n)), 0.999))
        }
    }

    /// Lin et al. 2023: shift sqrt(abar) so the last timestep has zero SNR, rescale so the first is
    /// unchanged, and convert back to betas (float32 throughout, as diffusers does).
    static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        guard let _ = betas.first else { return betas }
        var root = cumulativeProduct(betas.map { 1 - $0 }).map { $0.squareRoot() }
        let first = root[0], last = root[root.count - 1]
        let scale = first / (first - last)
        root = root.map { ($0 - last) * scale }
        let abar = root.map { $0 * $0 }
        var alphas = [abar[0]]
        for i in 1..<abar.count { alphas.append(abar[i] / abar[i - 1]) }
        return alphas.map { 1 - $0 }
    }

    /// torch.cumprod on float32 CPU tensors: a double accumulator, each prefix rounded to float32.
    static func cumulativeProduct(_ xs: [Float]) -> [Float] {
        var acc = 1.0
        return xs.map { x in
            acc *= Double(x)
            return Float(acc)
        }
    }

    /// The inference timesteps of `set_timesteps(steps)`, largest first, for the config's
    /// `timestep_spacing` (and `steps_offset` for "leading"), as diffusers' DDIM and DDPM compute them.
    public func timesteps(steps: Int) throws -> [Int] {
        let n = config.numTrainTimesteps
        guard steps >= 1 && steps <= n else {
            throw DiffusionError.invalidArgument(op: "timesteps", message: "steps must be in 1...\(n) (num_train_timesteps), got \(steps)")
        }
        switch config.timestepSpacing {
        case .leading:
            let ratio = n / steps
            return (0..<steps).reversed().map { $0 * ratio + config.stepsOffset }
        case .trailing:
            // np.round(np.arange(n, 0, -n / steps)) - 1
            return NoiseSchedule.numpyArange(Double(n), 0, -Double(n) / Double(steps)).map { Int($0.rounded(.toNearestOrEven)) - 1 }
        case .linspace:
            // np.linspace(0, n - 1, steps).round()[::-1]
            return NoiseSchedule.numpyLinspace(0, Double(n - 1), count: steps).reversed().map { Int($0.rounded(.toNearestOrEven)) }
        }
    }

    /// np.arange(start, stop, step) in float64 with numpy's arithmetic: ceil((stop - start) / step)
    /// values; after the first two, start + i * ((start + step) - start).
    static func numpyArange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let count = max(Int(((stop - start) / step).rounded(.up)), 0)
        let d = (start + step) - start
        return (0..<count).map { i in i == 0 ? start : (i == 1 ? start + step : start + Double(i) * d) }
    }

    /// np.linspace(start, stop, count) in float64: start + i * step, the last one exactly `stop`.
    static func numpyLinspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : Double($0) * step + start }
    }

    /// abar_t, checked against the training range.
    public func alphaCumprod(at t: Int, op: String) throws -> Float {
        guard t >= 0 && t < alphasCumprod.count else {
            throw DiffusionError.invalidArgument(op: op, message: "timestep \(t) is outside 0..<\(alphasCumprod.count)")
        }
        return alphasCumprod[t]
    }

    /// The forward process, one timestep per batch row (or one for all rows):
    /// x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) e.
    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try NoiseSchedule.addNoise(original, noise: noise, timesteps: timesteps, alphasCumprod: alphasCumprod)
    }

    /// The one implementation of the forward process, for any table of abar_t. The samples are
    /// data (images, latents), so no gradient flows through it.
    public static func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int], alphasCumprod: [Float]) throws -> Tensor {
        guard original.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(op: "add_noise (noise like the samples)", expected: original.shape, found: noise.shape)
        }
        let rows = original.rank == 0 ? 1 : original.shape[0]
        guard timesteps.count == rows || timesteps.count == 1 else {
            throw DiffusionError.invalidArgument(op: "add_noise",
                                                 message: "\(timesteps.count) timesteps for a batch of \(rows): give one per row or one for all")
        }
        let x = original.scalars, e = noise.scalars
        let perRow = rows == 0 ? 0 : x.count / rows
        var out = [Float](repeating: 0, count: x.count)
        for r in 0..<rows {
            let t = timesteps.count == 1 ? timesteps[0] : timesteps[r]
            guard t >= 0 && t < alphasCumprod.count else {
                throw DiffusionError.invalidArgument(op: "add_noise", message: "timestep \(t) is outside 0..<\(alphasCumprod.count)")
            }
            let abar = alphasCumprod[t]
            mix(x, e, signal: abar.squareRoot(), noise: (1 - abar).squareRoot(), rows: r * perRow..<(r + 1) * perRow, into: &out)
        }
        return try Tensor(shape: original.shape, scalars: out)
    }

    /// a x + b e at one noise level for the whole batch: the schedulers' add_noise at their current
    /// step (Euler and LMS: a = 1, b = sigma; DPM-Solver: a = alpha_t, b = sigma_t).
    static func blend(_ original: Tensor, _ noise: Tensor, signal a: Float, noise b: Float, op: String) throws -> Tensor {
        guard original.shape == noise.shape else {
            throw DiffusionError.shapeMismatch(op: "\(op) (noise like the samples)", expected: original.shape, found: noise.shape)
        }
        var out = [Float](repeating: 0, count: original.count)
        mix(original.scalars, noise.scalars, signal: a, noise: b, rows: 0..<out.count, into: &out)
        return try Tensor(shape: original.shape, scalars: out)
    }

    /// out = a x + b e over `range`: the forward process's one formula.
    private static func mix(_ x: [Float], _ e: [Float], signal a: Float, noise b: Float, rows range: Range<Int>, into out: inout [Float]) {
        for i in range { out[i] = a * x[i] + b * e[i] }
    }
}
