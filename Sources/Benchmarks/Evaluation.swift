import Diffusion
import Matching
import Tensors

/// Runs a benchmark task through DiffusionITM: each unit's images and captions share one set
/// of timesteps and noise, scores follow the task's protocol, and the metrics come with
/// bootstrap intervals. Units outside `shard` are skipped, so shards merge into the full run.
public struct Evaluation {
    public var matcher: ImageTextMatcher
    public var loader: ImageLoader
    public var method: String
    public var shard: Shard?
    public var bootstrap = BootstrapSettings()
    /// Overrides the task's macro policy (ARO's paper policy by default).
    public var macroPolicy: MacroPolicy?

    public init(matcher: ImageTextMatcher, loader: ImageLoader, method: String, shard: Shard? = nil) {
        self.matcher = matcher
        self.loader = loader
        self.method = method
        self.shard = shard
    }

    /// The settings a result records, so shards of one run can be checked to agree.
    var settingsRecord: [String: String] {
        let s = matcher.settings
        let timesteps: String
        switch s.timesteps {
        case .grid: timesteps = "grid"
        case .random: timesteps = "random"
        case .explicit(let ts): timesteps = ts.map(String.init).joined(separator: " ")
        }
        return ["samples": String(s.samples), "seed": String(s.seed), "timesteps": timesteps, "norm": s.norm.rawValue,
                "latent": s.latent.rawValue, "uncond": String(s.unconditional), "noise": s.noise == nil ? "seeded" : "given",
                "image_size": loader.size.map(String.init) ?? "native"]
    }

    /// Evaluates every unit of `dataset` in this shard; `progress(done, total)` may throw to stop.
    public func run(_ dataset: BenchmarkDataset, progress: ((Int, Int) throws -> Void)? = nil) throws -> EvaluationResult {
        guard let proto = dataset.task.metricProtocol else {
            if case .editing = dataset.task {
                throw BenchmarkError.invalidArgument(op: "evaluate", message: "\(dataset.name) is an editing task: score it with edit_eval")
            }
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "\(dataset.name) is training data, not a benchmark task")
        }
        let total = dataset.task.count
        let range = shard?.range(total: total) ?? 0..<total
        var items: [ItemScores] = []
        for (done, index) in range.enumerated() {
            items.append(try dataset.task.itemScores(index, scores: scores(dataset.task, index)))
            try progress?(done + 1, range.count)
        }
        // The paper's macro rules are about the real data's relations and attributes; ShapesWorld's
        // groups are balanced by construction, so every group counts there.
        var policy = MacroPolicy.all
        if case let .aro(variant, _) = dataset.task, !dataset.name.hasPrefix("shapes_") { policy = variant.paperMacroPolicy }
        return try EvaluationResult(method: method, task: dataset.name, protocol: proto, totalItems: total, shard: shard,
                                    settings: settingsRecord, bootstrap: bootstrap, macroPolicy: macroPolicy ?? policy, items: items)
    }

    /// The scores of one unit, laid out as its protocol expects (see `MetricProtocol`), each
    /// direction scored as `MatchErrors` defines it.
    func scores(_ task: BenchmarkTask, _ index: Int) throws -> [[Double]] {
        switch task {
        case let .winoground(xs):
            // One 2x2 matrix decides both directions: image scores, which rank each image's
            // captions as its text scores do.
            let item = xs[index]
            let images = [try loader.load(item.image0), try loader.load(item.image1)]
            return try matcher.errors(images: images, captions: [item.caption0, item.caption1]).imageScoreMatrix()
        case let .imageCoDe(xs):
            let item = xs[index]
            return [try matcher.errors(images: item.images.map(loader.load), captions: [item.caption]).imageScores(forCaption: 0)]
        case let .aro(_, xs):
            let item = xs[index]
            return [try matcher.errors(images: [loader.load(item.image)], captions: item.captions).captionScores(forImage: 0)]
        case let .retrieval(r):
            // This gallery image against every caption: text scores, and the image scores that
            // the metric compares across images.
            let errors = try matcher.errors(images: [loader.load(r.images[index])], captions: r.captions)
            return [try errors.captionScores(forImage: 0), try (0..<errors.captionCount).map { try errors.imageScore(caption: $0, image: 0) }]
        case .training:
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "training data has no evaluation protocol")
        case .editing:
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "the editing task is scored by edit_eval, not by DiffusionITM")
        }
    }
}
