import Diffusion
import Foundation
import Tensors

/// One edited image and what the checker made of it.
public struct EditRecord: SceneCheckedRecord, Codable, Equatable, Sendable {
    public var id: String
    public var kind: EditKind
    public var sourceCaption: String
    public var targetCaption: String
    /// The seed the edit's noise was drawn with.
    public var seed: UInt64
    /// The parsed objects of the edited image, nil when it was unparseable.
    public var objects: [SceneObject]?
    /// Why the parser refused the image: `SceneParseError.reason` and its full description.
    public var refusal: String?
    public var refusalMessage: String?
    public var checks: EditChecks

    enum CodingKeys: String, CodingKey {
        case id, kind, sourceCaption = "source_caption", targetCaption = "target_caption", seed, objects, refusal
        case refusalMessage = "refusal_message", checks
    }
}

/// edit_eval's outcome: the metrics (an `EvaluationResult` of protocol `.editing`, which `table`
/// shows) and every edit's record.
public struct EditEvaluationResult: SceneCheckedResult, Codable, Equatable, Sendable {
    public var result: EvaluationResult
    public var records: [EditRecord]
}

/// Edits every item's rendered source towards its target caption and checks the result with
/// `SceneParser` (`EditChecks`). Edit k uses seed `seed + k`, so two editors (or two strengths)
/// see the same noise for the same item and their results pair up.
public struct EditEvaluation: Sendable {
    public var method: String
    public var seed: UInt64 = 0
    /// How far (canvas units, each axis) an object kept in place may drift.
    public var tolerance: Double = 0.05
    /// Side of the rendered sources.
    public var imageSize: Int = 32
    public var parser = SceneParser()
    public var bootstrap = BootstrapSettings()
    /// The editing settings (strength, steps...), recorded in the result as given.
    public var settings: [String: String] = [:]

    public init(method: String, seed: UInt64 = 0, tolerance: Double = 0.05, imageSize: Int = 32) {
        self.method = method
        self.seed = seed
        self.tolerance = tolerance
        self.imageSize = imageSize
    }

    /// Runs `edit(source image [1,3,S,S], target caption, seed)` on every item. `progress(done,
    /// total)` is called after each edit and may throw to stop the run.
    public func run(_ items: [EditingItem], task: String, edit: (Tensor, String, UInt64) throws -> Tensor,
                    progress: ((Int, Int) throws -> Void)? = nil) throws -> EditEvaluationResult {
        guard !items.isEmpty else { throw BenchmarkError.invalidArgument(op: "edit_eval", message: "no editing items given") }
        guard tolerance >= 0, tolerance.isFinite else {
            throw BenchmarkError.invalidArgument(op: "edit_eval", message: "tolerance must be a non-negative number, got \(tolerance)")
        }
        let renderer = ShapesWorldRenderer()
        var records: [EditRecord] = []
        var scores: [ItemScores] = []
        for (k, item) in items.enumerated() {
            let itemSeed = seed &+ UInt64(k)
            let edited = try edit(try renderer.render(item.source, size: imageSize), item.targetCaption.text, itemSeed)
            let (objects, refusal) = parser.read(edited)
            let checks = EditChecks(item, objects: objects, tolerance: tolerance)
            records.append(EditRecord(id: item.id, kind: item.kind, sourceCaption: item.sourceCaption.text,
                                      targetCaption: item.targetCaption.text, seed: itemSeed, objects: objects,
                                      refusal: refusal?.reason, refusalMessage: refusal?.description, checks: checks))
            scores.append(ItemScores(index: k, id: item.id, scores: [checks.scoreRow], group: item.kind.rawValue))
            try progress?(k + 1, items.count)
        }
        var recorded = settings
        recorded["seed"] = String(seed)
        recorded["tolerance"] = String(tolerance)
        recorded["image_size"] = String(imageSize)
        let result = try EvaluationResult(method: method, task: task, protocol: .editing, totalItems: items.count,
                                          settings: recorded, bootstrap: bootstrap, items: scores)
        return EditEvaluationResult(result: result, records: records)
    }

    /// The same with `model.edit` (SDEdit: the source noised to `strength` of the schedule, then
    /// denoised towards the target caption with guidance; `scheduler`, or the checkpoint's own
    /// when nil); `progress` also sees every denoising step and may throw to stop.
    public func run(model: StableDiffusion, items: [EditingItem], task: String, strength: Double, steps: Int,
                    guidance: Float, negative: String = "", scheduler: SchedulerKind? = nil,
                    progress: ((Int, Int) throws -> Void)? = nil) throws -> EditEvaluationResult {
        var evaluation = self
        evaluation.settings.merge(["strength": String(strength), "steps": String(steps), "guidance": String(guidance),
                                   "negative": negative, "scheduler": scheduler?.rawValue ?? "checkpoint"]) { given, _ in given }
        var done = 0
        return try evaluation.run(items, task: task, edit: { image, caption, seed in
            try model.edit(image, prompts: [caption], strength: strength, steps: steps, guidance: guidance, seed: seed,
                           negative: [negative], scheduler: scheduler) { _ in
                try progress?(done, items.count)
            }
        }, progress: { finished, all in
            done = finished
            try progress?(finished, all)
        })
    }
}
