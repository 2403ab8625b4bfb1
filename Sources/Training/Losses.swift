import Diffusion
import Tensors

/// The fine-tuning objectives: the paper's NoNeg, HardNeg and SoftNeg, and two variants of SoftNeg
/// that keep its unconditional term from running away. Every example shares its x_t, t and e
/// between the positive and whatever it is compared with.
public enum LossKind: String, Sendable, CaseIterable {
    /// L_pos = E ||e - eps(x_t, t, w)||^2, the plain denoising loss.
    case noneg
    /// L_pos - min(L_neg, lambda * L_pos), the bound detached.
    case hardneg
    /// E [ ||e - eps(x_t, t, w)||^2 - ||e - eps(x_t, t, "")||^2 ], gradients through both terms.
    case softneg
    /// SoftNeg with the unconditional term bounded as HardNeg bounds its negative:
    /// L_pos - min(L_0, lambda * L_pos), the bound detached. The model gains nothing from
    /// pushing the unconditional error beyond lambda times the conditional one.
    case softnegBounded = "softneg_bounded"
    /// SoftNeg with the unconditional branch held to the frozen base model:
    /// L_pos - L_0 + anchor * E ||eps(x_t, t, "") - eps_base(x_t, t, "")||^2. Raising L_0 now
    /// costs a quadratic distillation penalty, so it settles instead of running away.
    case softnegAnchored = "softneg_anchored"
}

/// One batch of training examples, already encoded.
public struct LossBatch {
    /// Image latents x0 [B,C,H,W].
    public var latents: Tensor
    /// Caption embeddings [B,L,D].
    public var contexts: Tensor
    /// Hard-negative caption embeddings [B,L,D] (hardneg without negative images).
    public var negativeContexts: Tensor?
    /// Hard-negative image latents [B,C,H,W]; used with the positive captions, preferred over negative captions.
    public var negativeLatents: Tensor?
    /// The empty caption's embedding [1,L,D] (softneg).
    public var unconditionalContext: Tensor?
    /// One timestep per example [B] and noise like the latents.
    public var timesteps: [Int]
    public var noise: Tensor

    public init(latents: Tensor, contexts: Tensor, negativeContexts: Tensor? = nil, negativeLatents: Tensor? = nil,
                unconditionalContext: Tensor? = nil, timesteps: [Int], noise: Tensor) {
        self.latents = latents
        self.contexts = contexts
        self.negativeContexts = negativeContexts
        self.negativeLatents = negativeLatents
        self.unconditionalContext = unconditionalContext
        self.timesteps = timesteps
        self.noise = noise
    }
}

/// The pieces of a loss, for logging: the loss itself and the errors it was made of.
public struct LossTerms {
    public let loss: Tensor
    /// Mean ||e - eps_w||^2 over the batch.
    public let positiveError: Float
    /// Mean error of the negative (hardneg) or of the empty caption (softneg).
    public let comparisonError: Float?
}

/// E ||e - eps||^2 averaged over the latent and the batch.
func denoisingError(_ noise: Tensor, _ prediction: Tensor) throws -> Tensor {
    try (noise - prediction).square().mean()
}

/// Computes the chosen objective. The positive and its comparison go through the model in one batch.
public func trainingLoss(_ kind: LossKind, batch: LossBatch, lambda: Float = 1, anchor: Float = 1, alphasCumprod: [Float],
                         predict: NoisePredictor, basePredict: NoisePredictor? = nil) throws -> LossTerms {
    let b = batch.latents.shape.first ?? 0
    guard batch.latents.rank == 4, batch.contexts.rank == 3, batch.contexts.shape[0] == b, batch.timesteps.count == b else {
        throw TensorError.shapeMismatch(op: "loss (images [B,C,H,W] vs captions [B,L,D])", lhs: batch.latents.shape, rhs: batch.contexts.shape)
    }
    let xt = try NoiseSchedule.addNoise(batch.latents, noise: batch.noise, timesteps: batch.timesteps, alphasCumprod: alphasCumprod)
    let t = Tensor(batch.timesteps.map(Float.init))
    switch kind {
    case .noneg:
        let lPos = try denoisingError(batch.noise, predict(xt, t, batch.contexts))
        return LossTerms(loss: lPos, positiveError: try lPos.item(), comparisonError: nil)

    case .hardneg:
        let (x2, ctx2): (Tensor, Tensor)
        if let negLatents = batch.negativeLatents {
            guard negLatents.shape == batch.latents.shape else {
                throw TensorError.shapeMismatch(op: "loss (images vs neg_images)", lhs: batch.latents.shape, rhs: negLatents.shape)
            }
            let xtNeg = try NoiseSchedule.addNoise(negLatents, noise: batch.noise, timesteps: batch.timesteps, alphasCumprod: alphasCumprod)
            (x2, ctx2) = (try Tensor.cat([xt, xtNeg], axis: 0), try Tensor.cat([batch.contexts, batch.contexts], axis: 0))
        } else if let negContexts = batch.negativeContexts {
            guard negContexts.shape == batch.contexts.shape else {
                throw TensorError.shapeMismatch(op: "loss (captions vs neg_captions)", lhs: batch.contexts.shape, rhs: negContexts.shape)
            }
            (x2, ctx2) = (try Tensor.cat([xt, xt], axis: 0), try Tensor.cat([batch.contexts, negContexts], axis: 0))
        } else {
            throw TensorError.invalidArgument(op: "loss", message: "hardneg needs neg_captions or neg_images in the batch")
        }
        let eps = try predict(x2, try Tensor.cat([t, t], axis: 0), ctx2).chunked(2, axis: 0)
        let lPos = try denoisingError(batch.noise, eps[0])
        let lNeg = try denoisingError(batch.noise, eps[1])
        let loss = try hardNegativeLoss(positive: lPos, negative: lNeg, lambda: lambda)
        return LossTerms(loss: loss, positiveError: try lPos.item(), comparisonError: try lNeg.item())

    case .softneg, .softnegBounded, .softnegAnchored:
        guard let u = batch.unconditionalContext else {
            throw TensorError.invalidArgument(op: "loss", message: "\(kind.rawValue) needs the empty caption's embedding")
        }
        let uncond = try u.broadcast(to: batch.contexts.shape)
        let eps = try predict(try Tensor.cat([xt, xt], axis: 0), try Tensor.cat([t, t], axis: 0),
                              try Tensor.cat([batch.contexts, uncond], axis: 0)).chunked(2, axis: 0)
        let lPos = try denoisingError(batch.noise, eps[0])
        let lUncond = try denoisingError(batch.noise, eps[1])
        let loss: Tensor
        switch kind {
        case .softnegBounded:
            loss = try hardNegativeLoss(positive: lPos, negative: lUncond, lambda: lambda)
        case .softnegAnchored:
            guard let basePredict else {
                throw TensorError.invalidArgument(op: "loss", message: "softneg_anchored needs the frozen base model")
            }
            let baseEps = try noGrad { try basePredict(xt, t, uncond) }
            loss = try lPos - lUncond + anchor * denoisingError(baseEps, eps[1])
        default:
            loss = try lPos - lUncond
        }
        return LossTerms(loss: loss, positiveError: try lPos.item(), comparisonError: try lUncond.item())
    }
}

/// The chosen objective with `model`'s predictors and noise schedule.
public func trainingLoss(_ kind: LossKind, batch: LossBatch, lambda: Float = 1, anchor: Float = 1, model: TrainableModel) throws -> LossTerms {
    try trainingLoss(kind, batch: batch, lambda: lambda, anchor: anchor, alphasCumprod: model.alphasCumprod,
                     predict: model.predict, basePredict: model.basePredict)
}

/// HardNeg: L_pos - min(L_neg, lambda * L_pos), with the bound lambda * L_pos detached so the
/// negative term can only push the negative error up to the positive one's scale.
public func hardNegativeLoss(positive: Tensor, negative: Tensor, lambda: Float) throws -> Tensor {
    let bound = positive.detached() * lambda
    return try positive - Tensor.minimum(negative, bound)
}
