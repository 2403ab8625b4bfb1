import Foundation
import Tensors

extension StableDiffusion {
    /// SDEdit (Meng et al. 2022) as diffusers' `StableDiffusionImg2ImgPipeline`: the image's latents
    /// (a VAE posterior sample times scaling_factor; 2 img - 1 in pixel space), noised with the
    /// scheduler's add_noise to the timestep `strength` of the way up the inference schedule
    /// (init = min(int(steps * strength), steps) steps run, from index t_start = steps - init), then
    /// denoised from there with the new prompt and classifier-free guidance. Returns images
    /// [B, 3, H, W] in [0, 1].
    ///
    /// - images: [B, C, H, W] in [0, 1] (one image may serve several prompts); nil when `imageLatents` is given.
    /// - imageLatents: the image already encoded (what diffusers does with a 4-channel `image`).
    /// - posteriorNoise: the standard normal draw of the VAE posterior sample; drawn from `seed` when nil.
    /// - noise: the noise added at the starting timestep [B, C, h, w]; drawn from `seed` when nil.
    /// - scheduler, stepNoise, progress: as for `generate`.
    public func edit(_ images: Tensor?, prompts: [String], strength: Double = 0.6, steps: Int = 50, guidance: Float = 7.5,
                     seed: UInt64 = 0, negative: [String] = [""], scheduler kind: SchedulerKind? = nil,
                     imageLatents: Tensor? = nil, posteriorNoise: Tensor? = nil, noise: Tensor? = nil, stepNoise: Tensor? = nil,
                     progress: ((GenerationProgress) throws -> Void)? = nil) throws -> Tensor {
        guard !prompts.isEmpty else { throw DiffusionError.invalidArgument(op: "edit", message: "no prompt given") }
        guard strength > 0 && strength <= 1 else {
            throw DiffusionError.invalidArgument(op: "edit", message: "strength must be in (0, 1], got \(strength)")
        }
        let scheduler = try makeScheduler(kind)
        guard steps >= 1 && steps <= scheduler.config.numTrainTimesteps else {
            throw DiffusionError.invalidArgument(op: "edit", message: "steps must be in 1...\(scheduler.config.numTrainTimesteps), got \(steps)")
        }
        let denoisingSteps = min(Int(Double(steps) * strength), steps)
        guard denoisingSteps >= 1 else {
            throw DiffusionError.invalidArgument(
                op: "edit", message: "strength \(strength) of \(steps) steps runs no step (int(steps * strength) = 0): raise strength or steps")
        }
        return try noGrad {
            let z0 = try editLatents(images, imageLatents: imageLatents, batch: prompts.count, seed: seed, posteriorNoise: posteriorNoise)
            let start = try noise ?? Tensor.randn(z0.shape, seed: seed)
            guard start.shape == z0.shape else {
                throw DiffusionError.shapeMismatch(op: "edit (noise like the image latents)", expected: z0.shape, found: start.shape)
            }
            var run = try scheduler.run(steps: steps)
            try run.begin(at: steps - denoisingSteps)
            let noisy = try run.addNoise(z0, noise: start)
            let context = try guidanceContext(prompts, negative: negative, guidance: guidance, op: "edit")
            let final = try denoise(noisy, run: &run, context: context, guidance: guidance, seed: seed, stepNoise: stepNoise, progress: progress)
            return try decodeLatents(final)
        }
    }

    /// The latents edit starts from, one row per prompt: given, or encoded from `images` (checked:
    /// [1 or B, C, H, W] in [0, 1], H and W multiples of the VAE's scale factor).
    func editLatents(_ images: Tensor?, imageLatents: Tensor?, batch: Int, seed: UInt64, posteriorNoise: Tensor?) throws -> Tensor {
        let latents: Tensor
        switch (images, imageLatents) {
        case (nil, nil), (.some, .some):
            throw DiffusionError.invalidArgument(op: "edit", message: "give either images or image latents")
        case (nil, .some(let given)):
            let channels = unet.config.inChannels
            guard given.rank == 4, given.shape[1] == channels else {
                throw DiffusionError.shapeMismatch(op: "edit (image latents [B, \(channels), h, w])",
                                                   expected: [given.shape.first ?? batch, channels] + Array(given.shape.dropFirst(2).prefix(2)),
                                                   found: given.shape)
            }
            latents = given
        case (.some(let image), nil):
            let channels = vae?.config.inChannels ?? unet.config.inChannels
            let factor = vaeScaleFactor
            guard image.rank == 4, image.shape[1] == channels, image.shape[2] % factor == 0, image.shape[3] % factor == 0,
                  image.shape[2] > 0, image.shape[3] > 0 else {
                throw DiffusionError.invalidArgument(
                    op: "edit", message: "images must have shape [B, \(channels), H, W] with H and W positive multiples of \(factor), got \(formatShape(image.shape))")
            }
            if let low = image.scalars.min(), let high = image.scalars.max(), low < 0 || high > 1 {
                throw DiffusionError.invalidArgument(op: "edit", message: "images must lie in [0, 1], found values in [\(low), \(high)]")
            }
            latents = try encodeImage(image, posterior: { posterior in
                if let posteriorNoise { return try posterior.sample(noise: posteriorNoise) }
                var generator = RandomGenerator(seed: seed, stream: SamplingNoise.posterior)
                return try posterior.sample(generator: &generator)
            })
        }
        let rows = latents.shape[0]
        guard rows == batch || rows == 1 else {
            throw DiffusionError.invalidArgument(op: "edit", message: "\(rows) images for \(batch) prompts (give one, or one per prompt)")
        }
        guard rows < batch else { return latents }
        return try latents.broadcast(to: [batch] + Array(latents.shape.dropFirst()))
    }
}
