@preconcurrency import Glibc
import Diffusion
import Tensors
import Training

/// `snbench train [reps]`: one full fine-tuning step of the small UNet config (forward with
/// gradients, MSE against a fixed target, backward, gradient clipping, AdamW) at batch 8, 32x32,
/// the Swift side of `scripts/bench_unet.py train`. Prints "train\t<best s>\t<median s>\t<peak RSS MB>".
enum TrainStepBenchmark {
    static func run(_ arguments: [String]) throws {
        let reps = arguments.first.flatMap { Int($0) } ?? 3
        guard let spec = UNetBenchmark.config("small") else { throw DiffusionError.invalidArgument(op: "snbench train", message: "no small config") }
        let c = spec.config
        let weights = try WeightStore(freshWithSeed: 0, origin: "random small")
        let unet = try UNet2DConditionModel(config: c, weights: weights)
        let parameters = weights.parameters.sorted { $0.key < $1.key }.map { (name: $0.key, parameter: $0.value) }
        for (_, p) in parameters { p.requiresGrad = true }
        let optimizer = AdamW(parameters)
        var generator = RandomGenerator(seed: 1)
        let x = try generator.normal([spec.batch, c.inChannels, spec.size, spec.size])
        let target = try generator.normal([spec.batch, c.inChannels, spec.size, spec.size])
        let context = try generator.normal([spec.batch, spec.tokens, c.crossAttentionDim[0]])
        let t = Tensor(Array(repeating: Float(500), count: spec.batch))
        func step() throws {
            let out = try unet(x, timestep: t, encoderHiddenStates: context)
            let loss = try ((out - target) * (out - target)).mean()
            try loss.backward()
            _ = clipGradientNorm(parameters.map(\.parameter), maxNorm: 1)
            optimizer.step(lr: 1e-4)
            optimizer.zeroGrad()
        }
        report("train", try measure(reps, step))
    }
}

/// Seconds of each of `reps` runs of `body`, after one warm-up run.
func measure(_ reps: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try body()
    return try (0..<reps).map { _ in
        let t0 = now()
        try body()
        return now() - t0
    }
}

/// One result line: name, best and median seconds, the process's peak RSS in MB.
func report(_ name: String, _ times: [Double]) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let sorted = times.sorted()
    guard let best = sorted.first else { return }
    let peakMB = Double(usage.ru_maxrss) / 1024
    print("\(name)\t\(String(format: "%.3f", best))\t\(String(format: "%.3f", sorted[sorted.count / 2]))\t\(String(format: "%.0f", peakMB))")
}
