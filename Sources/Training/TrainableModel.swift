import Diffusion
import Tensors

/// What the trainer needs from a model, as closures, so this module does not depend on how
/// the pipeline is put together (and tests can train toy models).
public struct TrainableModel {
    /// Captions -> embeddings [B,L,D]; records gradients only if the text encoder is trained.
    public var encodeText: ([String]) throws -> Tensor
    /// Images [B,3,H,W] in [0,1] -> latents x0 (a posterior sample drawn from the generator).
    public var encodeImages: (Tensor, inout RandomGenerator) throws -> Tensor
    public var predict: NoisePredictor
    /// The frozen starting model, for softneg_anchored.
    public var basePredict: NoisePredictor?
    public var alphasCumprod: [Float]

    public init(encodeText: @escaping ([String]) throws -> Tensor,
                encodeImages: @escaping (Tensor, inout RandomGenerator) throws -> Tensor,
                predict: @escaping NoisePredictor, basePredict: NoisePredictor? = nil, alphasCumprod: [Float]) {
        self.encodeText = encodeText
        self.encodeImages = encodeImages
        self.predict = predict
        self.basePredict = basePredict
        self.alphasCumprod = alphasCumprod
    }
}

extension TrainableModel {
    /// A pipeline as the trainer sees it: its text encoder (frozen unless its parameters require
    /// gradients), its VAE choosing latents by `latent`, its UNet as a noise predictor, and
    /// optionally the untouched `base` for softneg_anchored. Each image batch draws one seed from
    /// the step's generator for its posterior sample (drawn even for the mean, so the other draws
    /// of a step do not depend on the choice).
    public init(_ p: StableDiffusion, base: StableDiffusion? = nil, latent: LatentChoice) {
        self.init(
            encodeText: { try p.encodeText($0) },
            encodeImages: { images, rng in
                let seed = UInt64(try rng.integers(1, in: 0..<Int(Int32.max)).first ?? 0)
                return try p.encodeImage(images, sample: latent == .sample, seed: seed)
            },
            predict: p.epsilonPredictor(),
            basePredict: base.map { $0.epsilonPredictor() },
            alphasCumprod: p.scheduler.schedule.alphasCumprod)
    }
}
