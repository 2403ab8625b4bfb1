import Tensors

/// Everything that defines a fine-tuning run; saved in checkpoints so a resumed run is the same run.
public struct FineTuneConfig: Codable, Sendable, Equatable {
    public var loss: LossKind = .softneg
    public var steps: Int = 100
    public var learningRate: Float = 1e-4
    public var batchSize: Int = 8
    /// LoRA rank on the attention projections; 0 trains the whole UNet.
    public var loraRank: Int = 4
    public var lambda: Float = 1
    /// Weight of the distillation term of softneg_anchored.
    public var anchor: Float = 1
    public var seed: UInt64 = 0
    public var schedule: LearningRateSchedule = .constant
    public var warmupSteps: Int = 0
    public var maxGradNorm: Float = 1
    public var weightDecay: Float = 1e-2
    /// HardNeg's mix per batch: a hard-negative image, a hard-negative caption, or a random other caption.
    public var negativeImageProbability: Float = 0.5
    public var negativeCaptionProbability: Float = 0.25
    /// Save a checkpoint every this many steps (0: only at the end).
    public var checkpointEvery: Int = 0
    /// Share of positive captions replaced by "" (diffusers' `proportion_empty_prompts`): what
    /// trains the unconditional branch that guidance, DiffusionITM's image score and SoftNeg use.
    /// 0 when fine-tuning, as in diffusers; training from scratch uses 0.1 as Stable Diffusion did.
    public var uncondProb: Float = 0

    public init() {}

    /// Rejects settings that cannot train, naming the setting.
    public func validate() throws {
        func fail(_ m: String) -> TensorError { TensorError.invalidArgument(op: "finetune", message: m) }
        guard steps >= 0 else { throw fail("steps must be >= 0, got \(steps)") }
        guard batchSize > 0 else { throw fail("batch must be > 0, got \(batchSize)") }
        guard loraRank >= 0 else { throw fail("lora must be >= 0 (0 = full fine-tuning), got \(loraRank)") }
        guard learningRate.isFinite, learningRate > 0 else { throw fail("lr must be a positive number, got \(learningRate)") }
        guard uncondProb >= 0, uncondProb <= 1 else { throw fail("uncond_prob must be in [0, 1], got \(uncondProb)") }
        guard negativeImageProbability >= 0, negativeCaptionProbability >= 0,
              negativeImageProbability + negativeCaptionProbability <= 1 else {
            throw fail("negative mix probabilities must be >= 0 and add up to at most 1")
        }
    }

    enum CodingKeys: String, CodingKey {
        case loss, steps, learningRate = "lr", batchSize = "batch", loraRank = "lora", lambda, anchor, seed, schedule
        case warmupSteps = "warmup", maxGradNorm = "max_grad_norm", weightDecay = "weight_decay"
        case negativeImageProbability = "p_neg_image", negativeCaptionProbability = "p_neg_caption"
        case checkpointEvery = "checkpoint_every", uncondProb = "uncond_prob"
    }

    /// Absent keys keep their defaults, so checkpoints written before a setting existed still resume.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        let d = FineTuneConfig()
        loss = try read(.loss, d.loss)
        steps = try read(.steps, d.steps)
        learningRate = try read(.learningRate, d.learningRate)
        batchSize = try read(.batchSize, d.batchSize)
        loraRank = try read(.loraRank, d.loraRank)
        lambda = try read(.lambda, d.lambda)
        anchor = try read(.anchor, d.anchor)
        seed = try read(.seed, d.seed)
        schedule = try read(.schedule, d.schedule)
        warmupSteps = try read(.warmupSteps, d.warmupSteps)
        maxGradNorm = try read(.maxGradNorm, d.maxGradNorm)
        weightDecay = try read(.weightDecay, d.weightDecay)
        negativeImageProbability = try read(.negativeImageProbability, d.negativeImageProbability)
        negativeCaptionProbability = try read(.negativeCaptionProbability, d.negativeCaptionProbability)
        checkpointEvery = try read(.checkpointEvery, d.checkpointEvery)
        uncondProb = try read(.uncondProb, d.uncondProb)
    }
}

extension LossKind: Codable {}
