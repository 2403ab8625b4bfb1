import Foundation
import Tensors

/// Which stream of a seed each kind of sampling noise is drawn from, so that one kind never
/// shifts another (generate's initial latents keep their bits whatever the scheduler).
enum SamplingNoise {
    /// generate's initial latents; edit's noise at its starting timestep.
    static let initial: UInt64 = 0
    /// The fresh noise of ancestral steps (DDPM, Euler ancestral, SDE-DPM-Solver++), one draw per step.
    static let steps: UInt64 = 1
    /// edit's sample of the VAE posterior.
    static let posterior: UInt64 = 2
}

extension StableDiffusion {
    /// Text-to-image with classifier-free guidance, as diffusers' `StableDiffusionPipeline`: the
    /// initial noise times the scheduler's init_noise_sigma, then per timestep one batched UNet call on
    /// [uncond; cond] (its input scaled by the scheduler), eps = eps_u + g (eps_c - eps_u) when g > 1,
    /// and a scheduler step. Returns images [B, 3, H, W] in [0, 1].
    ///
    /// - latents: the initial noise [B, C, h, w] (B = number of prompts); drawn from `seed` when nil.
    /// - height, width: image size in pixels when `latents` is nil; default the UNet's sample_size
    ///   times the VAE's scale factor.
    /// - scheduler: sample with this algorithm, built from the checkpoint's scheduler config,
    ///   instead of the checkpoint's own class.
    /// - stepNoise: ancestral schedulers' per-step noise [steps, B, C, h, w] (entry i for step i);
    ///   drawn from `seed` when nil.
    /// - progress: called after every step; throwing from it stops the sampling between steps.
    public func generate(_ prompts: [String], steps: Int = 50, guidance: Float = 7.5, seed: UInt64 = 0,
                         latents: Tensor? = nil, negative: [String] = [""], height: Int? = nil, width: Int? = nil,
                         scheduler kind: SchedulerKind? = nil, stepNoise: Tensor? = nil,
                         progress: ((GenerationProgress) throws -> Void)? = nil) throws -> Tensor {
        guard !prompts.isEmpty else {
            throw DiffusionError.invalidArgument(op: "generate", message: "no prompt given")
        }
        let batch = prompts.count
        let initial = try latents ?? Tensor.randn(latentShape(batch: batch, height: height, width: width), seed: seed)
        let channels = unet.config.inChannels
        guard initial.rank == 4, initial.shape[0] == batch, initial.shape[1] == channels else {
            throw DiffusionError.shapeMismatch(op: "generate (latents [prompts, \(channels), h, w])",
                                               expected: [batch, channels] + Array(initial.shape.dropFirst(2).prefix(2)), found: initial.shape)
        }
        return try noGrad {
            let context = try guidanceContext(prompts, negative: negative, guidance: guidance, op: "generate")
            let final = try sample(initial, context: context, guidance: guidance, steps: steps, scheduler: kind,
                                   seed: seed, stepNoise: stepNoise, progress: progress)
            return try decodeLatents(final)
        }
    }

    /// The UNet's conditioning for B prompts: [negative; prompts] (2B rows) when guidance > 1, else
    /// the B prompts alone (diffusers skips the unconditional branch for g <= 1).
    func guidanceContext(_ prompts: [String], negative: [String], guidance: Float, op: String) throws -> Tensor {
        guard !prompts.isEmpty else {
            throw DiffusionError.invalidArgument(op: op, message: "no prompt given")
        }
        let batch = prompts.count
        guard negative.count == 1 || negative.count == batch else {
            throw DiffusionError.invalidArgument(op: op, message: "\(negative.count) negative prompts for \(batch) prompts (give one, or one per prompt)")
        }
        let cond = try encodeText(prompts)
        guard guidance > 1 else { return cond }
        return try Tensor.cat([encodeText(negative.count == batch ? negative : Array(repeating: negative[0], count: batch)), cond], axis: 0)
    }

    /// The sampling loop from initial noise `latents` to x_0, with the pipeline's scheduler or
    /// `kind`. `context` holds [uncond; cond] (2B rows) when guidance > 1, else the B conditional rows.
    public func sample(_ latents: Tensor, context: Tensor, guidance: Float, steps: Int, scheduler kind: SchedulerKind? = nil,
                       seed: UInt64 = 0, stepNoise: Tensor? = nil,
                       progress: ((GenerationProgress) throws -> Void)? = nil) throws -> Tensor {
        var run = try makeScheduler(kind).run(steps: steps)
        let sigma = run.initNoiseSigma
        let start = sigma == 1 ? latents : latents * sigma
        return try denoise(start, run: &run, context: context, guidance: guidance, seed: seed, stepNoise: stepNoise, progress: progress)
    }

    /// The denoising loop text-to-image and image-to-image share, from the run's current step to
    /// its end: per timestep, the scheduler-scaled input (doubled for guidance) through the UNet,
    /// classifier-free guidance, and the scheduler's step (with fresh noise when it asks for some:
    /// entry k of `stepNoise` for the k-th step taken, else drawn from `seed`'s step stream).
    func denoise(_ start: Tensor, run: inout any SchedulerRun, context: Tensor, guidance: Float, seed: UInt64,
                 stepNoise: Tensor?, progress: ((GenerationProgress) throws -> Void)?) throws -> Tensor {
        let timesteps = Array(run.timesteps.dropFirst(run.stepIndex))
        if let stepNoise, stepNoise.shape != [timesteps.count] + start.shape {
            throw DiffusionError.shapeMismatch(op: "step noise ([steps] + the latents' shape)", expected: [timesteps.count] + start.shape,
                                               found: stepNoise.shape)
        }
        let guided = guidance > 1
        var generator = RandomGenerator(seed: seed, stream: SamplingNoise.steps)
        var x = start
        let began = Date()
        for (k, t) in timesteps.enumerated() {
            let input = try run.scaleModelInput(guided ? try Tensor.cat([x, x], axis: 0) : x)
            let output = try noisePrediction(input, timesteps: [t], context: context)
            let guidedOutput = guided ? try classifierFreeGuidance(output, scale: guidance) : output
            var noise: Tensor?
            if run.needsNoise {
                noise = try stepNoise.map { try Self.entry(k, of: $0) } ?? Tensor.randn(x.shape, generator: &generator)
            }
            x = try run.step(guidedOutput, sample: x, noise: noise).prevSample
            try progress?(GenerationProgress(step: k + 1, total: timesteps.count, timestep: t,
                                             elapsed: Date().timeIntervalSince(began)))
        }
        return x
    }

    /// Row `k` of a stacked tensor [K, ...] as a tensor [...].
    static func entry(_ k: Int, of stacked: Tensor) throws -> Tensor {
        let rest = Array(stacked.shape.dropFirst())
        let size = rest.reduce(1, *)
        return try Tensor(shape: rest, scalars: Array(stacked.scalars[(k * size)..<((k + 1) * size)]))
    }

    /// The initial latent shape for `batch` images of `height` x `width` pixels.
    public func latentShape(batch: Int, height: Int? = nil, width: Int? = nil) throws -> [Int] {
        let factor = vaeScaleFactor
        let size = unet.config.sampleSize
        guard let h = height ?? size.map({ $0[0] * factor }), let w = width ?? size.map({ $0[$0.count > 1 ? 1 : 0] * factor }) else {
            throw DiffusionError.invalidArgument(op: "generate", message: "the UNet config has no sample_size: give height and width, or latents")
        }
        guard batch > 0, h > 0, w > 0, h % factor == 0, w % factor == 0 else {
            throw DiffusionError.invalidArgument(op: "generate", message: "image size \(h)x\(w) must be positive multiples of \(factor)")
        }
        return [batch, unet.config.inChannels, h / factor, w / factor]
    }
}

/// Classifier-free guidance (Ho & Salimans): eps = eps_u + g (eps_c - eps_u), where `prediction`
/// stacks the unconditional rows over the conditional ones.
public func classifierFreeGuidance(_ prediction: Tensor, scale: Float) throws -> Tensor {
    let halves = try prediction.chunked(2, axis: 0)
    guard halves.count == 2, halves[0].shape == halves[1].shape else {
        throw DiffusionError.invalidArgument(op: "classifier-free guidance", message: "expected [uncond; cond] rows, got \(formatShape(prediction.shape))")
    }
    return try halves[0] + scale * (halves[1] - halves[0])
}

/// Where a sampling run is, reported after each step.
public struct GenerationProgress: Sendable {
    public let step: Int, total: Int
    /// The timestep just denoised (Euler's and LMS's may be fractional).
    public let timestep: Float
    /// Seconds since sampling started.
    public let elapsed: Double
}
