import Diffusion
import Matching
import Tensors

/// `snbench itm MODEL [samples] [reps]`: DiffusionITM on one Winoground-style item (2 images x
/// 2 captions, conditional and unconditional errors at `samples` grid timesteps, batches of 16),
/// the Swift side of `scripts/bench_unet.py itm`. Prints "itm\t<best s>\t<median s>\t<peak RSS MB>"
/// (seconds per item).
enum ITMBenchmark {
    static let captions = ["a red square to the left of a blue circle", "a blue square to the left of a red circle"]

    static func run(_ arguments: [String]) throws {
        guard let path = arguments.first else {
            throw DiffusionError.invalidArgument(op: "snbench itm", message: "usage: snbench itm MODEL [samples] [reps]")
        }
        let samples = arguments.count > 1 ? Int(arguments[1]) ?? 32 : 32
        let reps = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
        let model = try StableDiffusion.load(from: path)
        var settings = MatchSettings()
        settings.samples = samples
        settings.batchSize = 16
        let matcher = ImageTextMatcher(model: model, settings: settings)
        let size = model.unet.config.sampleSize.map { $0[0] * model.vaeScaleFactor } ?? 32
        var generator = RandomGenerator(seed: 2)
        let images = try (0..<2).map { _ in try generator.uniform([1, 3, size, size], lo: 0, hi: 1) }
        _ = try matcher.errors(images: images, captions: captions)  // warm-up
        var times: [Double] = []
        for _ in 0..<reps {
            let t0 = now()
            _ = try matcher.errors(images: images, captions: captions)
            times.append(now() - t0)
        }
        report("itm", times)
    }
}
