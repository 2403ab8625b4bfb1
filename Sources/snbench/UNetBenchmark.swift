@preconcurrency import Glibc
import Diffusion
import Tensors

/// `snbench unet small|sd15|sd15-64 [reps]`: UNet forward time with random weights, the Swift side of
/// scripts/bench_unet.py (same configs, inputs of the same shapes). Prints
/// "<config>\t<best seconds>\t<median seconds>\t<peak RSS MB>".
enum UNetBenchmark {
    struct Case { let config: UNetConfig, batch: Int, size: Int, tokens: Int }

    static func config(_ name: String) -> Case? {
        var c = UNetConfig()
        switch name {
        case "small":
            // block_out_channels 64/128/256, 2 layers per block, cross_attention_dim 128, 3-channel 32x32, batch 8.
            c.sampleSize = [32]
            c.inChannels = 3
            c.outChannels = 3
            c.blockOutChannels = [64, 128, 256]
            c.downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
            c.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
            c.layersPerBlock = [2, 2, 2]
            c.onlyCrossAttention = [false, false, false]
            c.crossAttentionDim = [128, 128, 128]
            c.transformerLayersPerBlock = [1, 1, 1]
            c.attentionHeadDim = [8, 8, 8]
            return Case(config: c, batch: 8, size: 32, tokens: 77)
        case "sd15", "sd15-64":
            // Stable Diffusion 1.5's unet/config.json: diffusers' defaults but these. Latents of
            // 32x32 (256-pixel images), or 64x64 (512 pixels, SD-1.5's own size) for sd15-64.
            c.sampleSize = [64]
            c.crossAttentionDim = [768, 768, 768, 768]
            return Case(config: c, batch: 1, size: name == "sd15" ? 32 : 64, tokens: 77)
        default:
            return nil
        }
    }

    static func run(_ arguments: [String]) throws {
        guard let name = arguments.first, let spec = config(name) else {
            fputs("usage: snbench unet small|sd15|sd15-64 [reps]\n", stderr)
            exit(2)
        }
        let reps = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
        let unet = try UNet2DConditionModel(config: spec.config, weights: WeightStore(freshWithSeed: 0, origin: "random \(name)"))
        var generator = RandomGenerator(seed: 1)
        let c = spec.config
        let x = try generator.normal([spec.batch, c.inChannels, spec.size, spec.size])
        let context = try generator.normal([spec.batch, spec.tokens, c.crossAttentionDim[0]])
        let t = Tensor(Array(repeating: Float(500), count: spec.batch))
        let times = try noGrad { try measure(reps) { _ = try unet(x, timestep: t, encoderHiddenStates: context) } }
        report(name, times)
    }
}
