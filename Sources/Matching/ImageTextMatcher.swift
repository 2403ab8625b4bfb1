import Diffusion
import Tensors

/// The choices of a DiffusionITM measurement. Defaults are the reference implementation's.
public struct MatchSettings: Sendable {
    public enum TimestepChoice: Sendable, Equatable {
        /// t = 10, 10 + r, ... < 990, r = 1000 / samples.
        case grid
        /// `samples` timesteps drawn uniformly from the seed.
        case random
        case explicit([Int])
    }

    public var samples = 10
    public var timesteps = TimestepChoice.grid
    public var seed: UInt64 = 0
    /// One noise per timestep [T,C,h,w]; drawn from the seed when nil.
    public var noise: Tensor?
    public var norm = DiffusionITM.ErrorNorm.l2
    public var latent = LatentChoice.sample
    /// Whether to measure the unconditional error (needed for image retrieval).
    public var unconditional = true
    /// Rows per UNet call.
    public var batchSize = 8

    public init() {}
}

/// Errors of every caption against every image of one comparison, with the timesteps and
/// noise they share.
public struct MatchErrors: Sendable {
    /// cond[i][c][k]: image i, caption c, timestep k.
    public var cond: [[[Float]]]
    /// uncond[i][k], empty when the unconditional error was not measured.
    public var uncond: [[Float]]
    public var timesteps: [Int]

    public init(cond: [[[Float]]], uncond: [[Float]], timesteps: [Int]) {
        self.cond = cond
        self.uncond = uncond
        self.timesteps = timesteps
    }
}

/// DiffusionITM on a loaded pipeline: every image is encoded once, every caption once, and all
/// of them share the timesteps and noise of the comparison.
public struct ImageTextMatcher {
    public let model: StableDiffusion
    public var settings: MatchSettings

    public init(model: StableDiffusion, settings: MatchSettings = MatchSettings()) {
        self.model = model
        self.settings = settings
    }

    /// The timesteps this comparison uses.
    public func timesteps() throws -> [Int] {
        let total = model.scheduler.schedule.alphasCumprod.count
        switch settings.timesteps {
        case .grid:
            return DiffusionITM.gridTimesteps(samples: settings.samples)
        case .random:
            var rng = RandomGenerator(seed: settings.seed, stream: 1)
            return try rng.integers(settings.samples, in: 0..<total)
        case .explicit(let ts):
            for t in ts where t < 0 || t >= total {
                throw DiffusionError.invalidArgument(op: "errors", message: "timestep \(t) is outside 0..<\(total)")
            }
            return ts
        }
    }

    /// Errors of `captions` against each of `images` ([1,3,H,W] or [3,H,W] in [0,1]).
    public func errors(images: [Tensor], captions: [String], progress: ((Int, Int) throws -> Void)? = nil) throws -> MatchErrors {
        guard !images.isEmpty, !captions.isEmpty else {
            throw DiffusionError.invalidArgument(op: "errors", message: "need at least one image and one caption")
        }
        let ts = try timesteps()
        guard !ts.isEmpty else { throw DiffusionError.invalidArgument(op: "errors", message: "no timesteps (samples must be >= 1)") }
        return try noGrad {
            let contexts = try model.encodeText(captions)
            let empty = settings.unconditional ? try model.encodeText([""]) : nil
            var result = MatchErrors(cond: [], uncond: [], timesteps: ts)
            var noise = settings.noise
            for (i, image) in images.enumerated() {
                let img = image.rank == 3 ? try image.unsqueezed(0) : image
                let z0 = try model.encodeImage(img, sample: settings.latent == .sample, seed: settings.seed &+ UInt64(i) &* 7919)
                let shape = [ts.count] + Array(z0.shape.dropFirst())
                if noise == nil { noise = try Tensor.randn(shape, seed: settings.seed) }
                guard let e = noise, e.shape == shape else {
                    throw DiffusionError.shapeMismatch(op: "errors (noise: one [C,h,w] latent per timestep)", expected: shape, found: noise?.shape ?? [])
                }
                let (cond, uncond) = try DiffusionITM.errors(
                    latent: z0, contexts: contexts, unconditionalContext: empty, timesteps: ts, noise: e,
                    alphasCumprod: model.scheduler.schedule.alphasCumprod, norm: settings.norm, batchSize: settings.batchSize,
                    predict: model.epsilonPredictor(), progress: { k, n in try progress?(i * n + k, images.count * n) })
                let steps = ts.count
                result.cond.append((0..<captions.count).map { c in Array(cond.scalars[(c * steps)..<((c + 1) * steps)]) })
                result.uncond.append(uncond?.scalars ?? [])
            }
            if result.uncond.allSatisfy(\.isEmpty) { result.uncond = [] }
            return result
        }
    }
}
