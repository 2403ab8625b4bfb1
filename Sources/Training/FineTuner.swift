import Foundation
import Tensors

/// One line of the training log: both errors are kept so a run shows what the loss did to them.
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var step: Int
    public var learningRate: Float
    public var loss: Float
    /// Mean ||e - eps(x_t, t, w)||^2 of the positives.
    public var positiveError: Float
    /// The negatives' (hardneg) or the empty caption's (softneg variants) error.
    public var comparisonError: Float?
    public var gradientNorm: Float
}

/// The fine-tuning loop: seeded batches, the chosen loss, clipping, AdamW, checkpoints.
/// Each step draws its randomness from (seed, step) alone, so a run resumed from a
/// checkpoint continues exactly as the uninterrupted run would have.
public final class FineTuner {
    public let config: FineTuneConfig
    public let model: TrainableModel
    public let data: FineTuneData
    let optimizer: AdamW
    private var sampler: BatchSampler
    public private(set) var step = 0
    public private(set) var log: [TrainingRecord] = []

    public init(model: TrainableModel, parameters: [(name: String, parameter: Parameter)], data: FineTuneData, config: FineTuneConfig) throws {
        try config.validate()
        guard data.count > 0 else { throw TensorError.invalidArgument(op: "finetune", message: "no training examples") }
        guard !parameters.isEmpty else { throw TensorError.invalidArgument(op: "finetune", message: "nothing to train") }
        self.config = config
        self.model = model
        self.data = data
        self.optimizer = AdamW(parameters, hyper: .init(weightDecay: config.weightDecay))
        self.sampler = BatchSampler(count: data.count, batchSize: config.batchSize, seed: config.seed)
        for (_, p) in parameters { p.requiresGrad = true }
    }

    /// Trains until `config.steps`, or until `shouldStop` (checked after every step) says so;
    /// `checkpoint` runs every `checkpointEvery` steps and at the end.
    public func run(shouldStop: () -> Bool = { false }, checkpoint: ((FineTuner) throws -> Void)? = nil) throws {
        let meter = ProgressMeter("finetune \(config.loss.rawValue)", total: config.steps, initial: step)
        var recent: [Float] = []
        while step < config.steps {
            let record = try trainStep()
            recent = Array((recent + [record.loss]).suffix(20))
            meter.update(step, detail: Self.progressDetail(record, loss: config.loss, recent: recent))
            if config.checkpointEvery > 0, step % config.checkpointEvery == 0, step < config.steps { try checkpoint?(self) }
            if shouldStop() { break }
        }
        try checkpoint?(self)
    }

    /// `loss 0.0089 (mean of last 20), conditional error 0.002012, unconditional 0.002834`: each
    /// error named, with as many digits as it takes to tell the two apart.
    static func progressDetail(_ record: TrainingRecord, loss kind: LossKind, recent: [Float]) -> String {
        let mean = recent.reduce(0, +) / Float(max(recent.count, 1))
        var detail = String(format: "loss %.4g (mean of last %d), conditional error ", mean, recent.count)
        guard let comparison = record.comparisonError else {
            return detail + String(format: "%.4g", record.positiveError)
        }
        var digits = 4
        while digits < 9, record.positiveError != comparison,
              String(format: "%.\(digits)g", record.positiveError) == String(format: "%.\(digits)g", comparison) {
            digits += 1
        }
        detail += String(format: "%.\(digits)g", record.positiveError)
        return detail + (kind == .hardneg ? ", negative " : ", unconditional ") + String(format: "%.\(digits)g", comparison)
    }

    /// One optimisation step on the batch that belongs to the current step number.
    @discardableResult
    public func trainStep() throws -> TrainingRecord {
        var rng = RandomGenerator(seed: config.seed, stream: UInt64(step))
        let examples = try sampler.indices(step: step).map { try data.example($0) }
        let batch = try LossBatch.assemble(
            config.loss, examples: examples, captions: droppingCaptions(examples.map(\.caption)),
            negatives: .mix(image: config.negativeImageProbability, caption: config.negativeCaptionProbability, pool: data),
            model: model, rng: &rng)
        let terms = try trainingLoss(config.loss, batch: batch, lambda: config.lambda, anchor: config.anchor, model: model)
        guard (try terms.loss.item()).isFinite else {
            throw TensorError.invalidArgument(op: "finetune", message: "the loss became \(try terms.loss.item()) at step \(step); lower lr")
        }
        try terms.loss.backward()
        let params = optimizer.parameters.map(\.parameter)
        let norm = clipGradientNorm(params, maxNorm: config.maxGradNorm)
        let lr = config.schedule.rate(base: config.learningRate, step: step, totalSteps: config.steps, warmupSteps: config.warmupSteps)
        optimizer.step(lr: lr)
        optimizer.zeroGrad()
        step += 1
        let record = TrainingRecord(step: step, learningRate: lr, loss: try terms.loss.item(), positiveError: terms.positiveError,
                                    comparisonError: terms.comparisonError, gradientNorm: norm)
        log.append(record)
        return record
    }

    /// Replaces each caption by "" with probability `uncondProb`, from a stream of its own so the
    /// batch's timesteps and noise are the same whatever the probability.
    func droppingCaptions(_ captions: [String]) -> [String] {
        guard config.uncondProb > 0 else { return captions }
        var rng = RandomGenerator(seed: config.seed, stream: 1 << 42 | UInt64(step))
        let draws = rng.uniform(count: captions.count)
        return zip(captions, draws).map { caption, u in u < config.uncondProb ? "" : caption }
    }

    // MARK: checkpoints

    /// The trained parameters and optimizer state as tensors, plus metadata (step, config, log).
    public func checkpointState() throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        var tensors: [String: Tensor] = [:]
        for (name, p) in optimizer.parameters {
            tensors["param/\(name)"] = p.value
            if let m = optimizer.firstMoments[name], let v = optimizer.secondMoments[name] {
                tensors["adam_m/\(name)"] = try Tensor(shape: p.shape, scalars: m)
                tensors["adam_v/\(name)"] = try Tensor(shape: p.shape, scalars: v)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            "step": String(step),
            "adam_step": String(optimizer.stepCount),
            "config": String(decoding: try encoder.encode(config), as: UTF8.self),
            "log": String(decoding: try encoder.encode(log), as: UTF8.self),
        ]
        return (tensors, metadata)
    }

    /// Continues from a checkpoint written by `checkpointState` for the same config.
    public func restore(tensors: [String: Tensor], metadata: [String: String]) throws {
        func fail(_ m: String) -> TensorError { TensorError.invalidArgument(op: "finetune resume", message: m) }
        guard let stepText = metadata["step"], let saved = Int(stepText), let adamText = metadata["adam_step"], let adamStep = Int(adamText) else {
            throw fail("the checkpoint has no step count")
        }
        if let configText = metadata["config"], let savedConfig = try? JSONDecoder().decode(FineTuneConfig.self, from: Data(configText.utf8)),
           savedConfig.loss != config.loss || savedConfig.seed != config.seed || savedConfig.batchSize != config.batchSize || savedConfig.loraRank != config.loraRank
            || savedConfig.uncondProb != config.uncondProb {
            throw fail("the checkpoint was made with a different loss, seed, batch, lora rank or uncond_prob")
        }
        var first: [String: [Float]] = [:], second: [String: [Float]] = [:]
        for (name, p) in optimizer.parameters {
            guard let value = tensors["param/\(name)"] else { throw fail("missing parameter '\(name)'") }
            guard value.shape == p.shape else { throw TensorError.shapeMismatch(op: "finetune resume '\(name)'", lhs: p.shape, rhs: value.shape) }
            p.value = value
            first[name] = tensors["adam_m/\(name)"]?.scalars
            second[name] = tensors["adam_v/\(name)"]?.scalars
        }
        optimizer.restore(step: adamStep, first: first, second: second)
        step = saved
        log = (metadata["log"].flatMap { try? JSONDecoder().decode([TrainingRecord].self, from: Data($0.utf8)) }) ?? []
    }
}
