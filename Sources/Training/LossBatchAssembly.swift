import Diffusion
import Tensors

/// Where HardNeg's negative comes from when a batch is assembled.
public enum NegativeSource {
    /// The trainer's mix: one uniform draw u per batch picks the hard-negative images (u < image),
    /// the hard-negative captions (u < image + caption), or else a random other caption of `pool`
    /// per example. A pick that some example of the batch cannot supply falls through to the next.
    case mix(image: Float, caption: Float, pool: FineTuneData)
    /// What the batch holds, without a draw: its negative images when every example has one, else
    /// its negative captions when every example has one (the `loss` builtin's batches).
    case batch
}

extension LossBatch {
    /// Encodes `examples` into the batch a loss of `kind` needs: the one assembly behind both a
    /// training step and the `loss` builtin, so the two compute the same loss from the same draws.
    ///
    /// Draws come from `rng` in this order: the images' latents, the timesteps (unless given, one
    /// per example), the noise (unless given, shaped like the latents), then HardNeg's negatives.
    /// `captions` are the positive captions as the model sees them (the examples' own by default).
    /// The latents carry no gradient; the caption embeddings do when the text encoder is trained.
    public static func assemble(_ kind: LossKind, examples: [FineTuneExample], captions: [String]? = nil,
                                negatives: NegativeSource, timesteps: [Int]? = nil, noise: Tensor? = nil,
                                model: TrainableModel, rng: inout RandomGenerator) throws -> LossBatch {
        guard !examples.isEmpty else { throw TensorError.invalidArgument(op: "loss", message: "the batch holds no examples") }
        let positives = captions ?? examples.map(\.caption)
        guard positives.count == examples.count else {
            throw TensorError.invalidArgument(op: "loss", message: "\(positives.count) captions for \(examples.count) examples")
        }
        let images = try Tensor.cat(examples.map { try $0.image.rank == 3 ? $0.image.unsqueezed(0) : $0.image }, axis: 0)
        let latents = try noGrad { try model.encodeImages(images, &rng) }
        let contexts = try model.encodeText(positives)
        let steps = model.alphasCumprod.count
        let t: [Int]
        if let timesteps {
            guard timesteps.count == examples.count, timesteps.allSatisfy({ $0 >= 0 && $0 < steps }) else {
                throw TensorError.invalidArgument(op: "loss", message: "timesteps must be \(examples.count) whole numbers in 0..<\(steps), got \(timesteps)")
            }
            t = timesteps
        } else {
            t = try rng.integers(examples.count, in: 0..<steps)
        }
        let e: Tensor
        if let noise { e = noise } else { e = try rng.normal(latents.shape) }
        guard e.shape == latents.shape else {
            throw TensorError.shapeMismatch(op: "loss (noise must be shaped like the latents)", lhs: latents.shape, rhs: e.shape)
        }
        var batch = LossBatch(latents: latents, contexts: contexts, timesteps: t, noise: e)
        switch kind {
        case .hardneg:
            try batch.addNegatives(negatives, examples: examples, model: model, rng: &rng)
        case .softneg, .softnegBounded, .softnegAnchored:
            batch.unconditionalContext = try model.encodeText([""])
        case .noneg:
            break
        }
        return batch
    }

    private mutating func addNegatives(_ source: NegativeSource, examples: [FineTuneExample], model: TrainableModel,
                                       rng: inout RandomGenerator) throws {
        let negImages = examples.compactMap(\.negativeImage)
        let negCaptions = examples.compactMap(\.negativeCaption)
        let allImages = negImages.count == examples.count, allCaptions = negCaptions.count == examples.count
        var pickImages = allImages, pickCaptions = allCaptions, pool: FineTuneData?
        if case let .mix(pImage, pCaption, data) = source {
            let u = rng.uniform(count: 1).first ?? 0
            pickImages = u < pImage && allImages
            pickCaptions = !pickImages && u < pImage + pCaption && allCaptions
            pool = data
        }
        if pickImages {
            let imgs = try Tensor.cat(negImages.map { try $0.rank == 3 ? $0.unsqueezed(0) : $0 }, axis: 0)
            negativeLatents = try noGrad { try model.encodeImages(imgs, &rng) }
        } else if pickCaptions {
            negativeContexts = try model.encodeText(negCaptions)
        } else if let pool {
            // A random other example's caption (never the example's own).
            let others = try rng.integers(examples.count, in: 0..<Swift.max(1, pool.count - 1))
            let captions = try zip(examples, others).map { ex, k in
                let c = try pool.caption(k)
                return c == ex.caption ? try pool.caption((k + 1) % pool.count) : c
            }
            negativeContexts = try model.encodeText(captions)
        }
    }
}
