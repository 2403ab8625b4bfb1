import Diffusion
import Foundation
import Tensors

/// One generated image and what the checker made of it.
public struct GenerationRecord: SceneCheckedRecord, Codable, Equatable, Sendable {
    public var caption: String
    /// Which of the caption's samples (0-based) this image is.
    public var sample: Int
    /// The seed its initial noise was drawn with.
    public var seed: UInt64
    /// The parsed objects, nil when the image was unparseable.
    public var objects: [SceneObject]?
    /// Why the parser refused the image: `SceneParseError.reason` and its full description.
    public var refusal: String?
    public var refusalMessage: String?
    public var checks: GenerationChecks

    enum CodingKeys: String, CodingKey {
        case caption, sample, seed, objects, refusal, refusalMessage = "refusal_message", checks
    }
}

/// gen_eval's outcome: the metrics (as an `EvaluationResult` of protocol `.generation`, so that
/// `table` shows them and paired differences compare models on the same captions and seeds)
/// and every image's record.
public struct GenerationEvaluationResult: SceneCheckedResult, Codable, Equatable, Sendable {
    public var result: EvaluationResult
    public var records: [GenerationRecord]
}

/// Generates images for captions and checks each with `SceneParser`, GenEval-style
/// (`GenerationChecks`): per-category accuracy over every image, with bootstrap intervals that
/// resample captions. Image k of every caption starts from the noise of seed `seed + k`, so two
/// models (or two settings) see the same noise for the same caption: their results pair up.
public struct GenerationEvaluation: Sendable {
    public var samplesPerCaption: Int = 1
    public var seed: UInt64 = 0
    public var method: String
    public var parser = SceneParser()
    public var bootstrap = BootstrapSettings()
    /// The generation settings (steps, guidance...), recorded in the result as given.
    public var settings: [String: String] = [:]

    public init(method: String, samplesPerCaption: Int = 1, seed: UInt64 = 0) {
        self.method = method
        self.samplesPerCaption = samplesPerCaption
        self.seed = seed
    }

    /// Every caption's meaning, or an error naming the first caption that is not a ShapesWorld one.
    public static func meanings(_ captions: [String]) throws -> [CaptionMeaning] {
        guard !captions.isEmpty else { throw BenchmarkError.invalidArgument(op: "gen_eval", message: "no captions given") }
        return try captions.enumerated().map { k, caption in
            guard let m = CaptionMeaning.parse(caption) else {
                throw BenchmarkError.invalidArgument(
                    op: "gen_eval", message: "caption \(k) \"\(caption)\" is not a ShapesWorld caption (shapes \(Shape.allCases.map(\.rawValue).joined(separator: "/")), colours \(ShapeColor.allCases.map(\.rawValue).joined(separator: "/")), e.g. \"a red square to the left of a blue circle\")")
            }
            return m
        }
    }

    /// The captions gen_eval draws from a dataset: every caption that describes an image
    /// (Winoground's two, the true option of ARO items, ImageCoDe's, retrieval's, training
    /// captions, the editing task's targets), in item order.
    public static func captions(of dataset: BenchmarkDataset) -> [String] {
        switch dataset.task {
        case let .winoground(xs): return xs.flatMap { [$0.caption0, $0.caption1] }
        case let .imageCoDe(xs): return xs.map(\.caption)
        case let .aro(_, xs): return xs.compactMap { $0.captions.indices.contains($0.trueIndex) ? $0.captions[$0.trueIndex] : nil }
        case let .retrieval(r): return r.captions
        case let .training(xs): return xs.map(\.caption)
        case let .editing(xs): return xs.map(\.targetCaption.text)
        }
    }

    /// Runs `generate(caption, seed)` (an image [1,3,H,W] in [0,1]) for every caption and sample.
    /// `progress(done, total)` is called after each image and may throw to stop the run.
    public func run(captions: [String], task: String,
                    generate: (String, UInt64) throws -> Tensor,
                    progress: ((Int, Int) throws -> Void)? = nil) throws -> GenerationEvaluationResult {
        guard samplesPerCaption >= 1 else {
            throw BenchmarkError.invalidArgument(op: "gen_eval", message: "samples_per_caption must be at least 1, got \(samplesPerCaption)")
        }
        let meanings = try Self.meanings(captions)
        let total = captions.count * samplesPerCaption
        var records: [GenerationRecord] = []
        var items: [ItemScores] = []
        for (c, caption) in captions.enumerated() {
            var rows: [[Double]] = []
            for k in 0..<samplesPerCaption {
                let imageSeed = seed &+ UInt64(k)
                let image = try generate(caption, imageSeed)
                let (objects, refusal) = parser.read(image)
                let checks = GenerationChecks(meanings[c], objects: objects)
                records.append(GenerationRecord(caption: caption, sample: k, seed: imageSeed, objects: objects,
                                                refusal: refusal?.reason, refusalMessage: refusal?.description, checks: checks))
                rows.append(checks.scoreRow)
                try progress?(records.count, total)
            }
            items.append(ItemScores(index: c, id: caption, scores: rows))
        }
        var recorded = settings
        recorded["samples_per_caption"] = String(samplesPerCaption)
        recorded["seed"] = String(seed)
        let result = try EvaluationResult(method: method, task: task, protocol: .generation, totalItems: captions.count,
                                          settings: recorded, bootstrap: bootstrap, items: items)
        return GenerationEvaluationResult(result: result, records: records)
    }

    /// The same with `model.generate` (classifier-free guidance; `scheduler`, or the checkpoint's
    /// own when nil) at the model's own image size; `progress` also sees every denoising step
    /// and may throw to stop.
    public func run(model: StableDiffusion, captions: [String], task: String, steps: Int, guidance: Float,
                    negative: String = "", scheduler: SchedulerKind? = nil,
                    progress: ((Int, Int) throws -> Void)? = nil) throws -> GenerationEvaluationResult {
        var evaluation = self
        evaluation.settings.merge(["steps": String(steps), "guidance": String(guidance), "negative": negative,
                                   "scheduler": scheduler?.rawValue ?? "checkpoint"]) { given, _ in given }
        var done = 0
        let total = captions.count * samplesPerCaption
        return try evaluation.run(captions: captions, task: task, generate: { caption, seed in
            try model.generate([caption], steps: steps, guidance: guidance, seed: seed, negative: [negative], scheduler: scheduler) { _ in
                try progress?(done, total)
            }
        }, progress: { finished, all in
            done = finished
            try progress?(finished, all)
        })
    }
}
