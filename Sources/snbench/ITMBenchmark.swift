import Diffusion
import Matching
import Tensors

/// `snbench itm MODEL|sd15|sd15-64 [samples] [reps]`: DiffusionITM on one Winoground-style item (2 images
/// x 2 captions, conditional and unconditional errors at `samples` grid timesteps, the default
/// batch size),
/// the Swift side of `scripts/bench_unet.py itm`. MODEL is a diffusers folder (images and captions
/// go through its VAE/text encoder); `sd15` is Stable Diffusion 1.5's UNet with random weights on
/// random 4x32x32 latents (4x64x64 for sd15-64) and random 77x768 caption states. Prints
/// "itm\t<best s>\t<median s>\t<peak RSS MB>" (seconds per item; "itm-sd15", "itm-sd15-64").
enum ITMBenchmark {
    static let captions = ["a red square to the left of a blue circle", "a blue square to the left of a red circle"]

    static func run(_ arguments: [String]) throws {
        guard let source = arguments.first else {
            throw DiffusionError.invalidArgument(op: "snbench itm", message: "usage: snbench itm MODEL|sd15|sd15-64 [samples] [reps]")
        }
        let samples = arguments.count > 1 ? Int(arguments[1]) ?? 32 : 32
        let reps = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
        let sd15 = UNetBenchmark.config(source) != nil && source.hasPrefix("sd15")
        let item = sd15 ? try randomSD15Item(source, samples: samples) : try modelItem(source, samples: samples)
        report(sd15 ? "itm-\(source)" : "itm", try measure(reps, item))
    }

    static func modelItem(_ path: String, samples: Int) throws -> () throws -> Void {
        let model = try StableDiffusion.load(from: path)
        var settings = MatchSettings()
        settings.samples = samples
        let matcher = ImageTextMatcher(model: model, settings: settings)
        let size = model.unet.config.sampleSize.map { $0[0] * model.vaeScaleFactor } ?? 32
        var generator = RandomGenerator(seed: 2)
        let images = try (0..<2).map { _ in try generator.uniform([1, 3, size, size], lo: 0, hi: 1) }
        return { _ = try matcher.errors(images: images, captions: captions) }
    }

    static func randomSD15Item(_ name: String, samples: Int) throws -> () throws -> Void {
        guard let spec = UNetBenchmark.config(name) else { throw DiffusionError.invalidArgument(op: "snbench itm", message: "no sd15 config") }
        let unet = try UNet2DConditionModel(config: spec.config, weights: WeightStore(freshWithSeed: 0, origin: "random sd15"))
        var generator = RandomGenerator(seed: 2)
        let latents = try (0..<2).map { _ in try generator.normal([1, 4, spec.size, spec.size]) }
        let contexts = try generator.normal([2, spec.tokens, 768]), empty = try generator.normal([1, spec.tokens, 768])
        let noise = try generator.normal([samples, 4, spec.size, spec.size])
        let alphasCumprod = NoiseSchedule(SchedulerConfig()).alphasCumprod
        return {
            try noGrad {
                for z0 in latents {
                    _ = try DiffusionITM.errors(latent: z0, contexts: contexts, unconditionalContext: empty,
                                                timesteps: DiffusionITM.gridTimesteps(samples: samples), noise: noise,
                                                alphasCumprod: alphasCumprod, batchSize: MatchSettings().batchSize) { x, t, c in
                        try unet(x, timestep: t, encoderHiddenStates: c)
                    }
                }
            }
        }
    }
}
