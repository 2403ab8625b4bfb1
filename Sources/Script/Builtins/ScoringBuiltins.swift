import Diffusion
import Matching
import Tensors

/// DiffusionITM from the language: `errors` for one image, `itm` for retrieval either way.
public enum ScoringBuiltins {
    static let text = ValueType.oneOf([.string, .list])
    static let images = ValueType.oneOf([.tensor, .list])

    /// The keyword arguments `errors` and `itm` share, after the images and captions.
    static let settingsParameters: [BuiltinParameter] = [
        .init("samples", .int, default: .number(10)),
        .init("seed", .int, default: .number(0)),
        .init("timesteps", .optional(.oneOf([.string, .tensor])), default: .noValue),
        .init("noise", .optional(.tensor), default: .noValue),
        .init("norm", .string, default: .string("l2")),
        .init("latent", .string, default: .string("sample")),
        .init("uncond", .bool, default: .bool(true)),
        .init("batch", .int, default: .number(8)),
    ]

    /// `timesteps:` none (the reference grid), "random" (`samples` seeded draws) or explicit numbers.
    static func settings(_ args: Arguments) throws -> MatchSettings {
        var s = MatchSettings()
        s.samples = try args.int("samples")
        guard s.samples >= 1 else { throw ArgumentError(parameter: "samples", "\(args.builtin): samples must be >= 1, got \(s.samples)") }
        s.seed = try ModelBuiltins.seed(args)
        switch args["timesteps"] {
        case .none: s.timesteps = .grid
        case .string(let word):
            guard word == "random" || word == "grid" else {
                throw ArgumentError(parameter: "timesteps", "\(args.builtin): timesteps must be \"grid\", \"random\" or a list of numbers, got \"\(word)\"")
            }
            s.timesteps = word == "random" ? .random : .grid
        default:
            let range = try ModelBuiltins.pipeline(args).scheduler.schedule.alphasCumprod.count
            s.timesteps = .explicit(try ModelBuiltins.timesteps(args, "timesteps", range: range))
        }
        s.noise = args.isNone("noise") ? nil : try args.tensor("noise")
        let norm = try args.string("norm")
        guard let n = DiffusionITM.ErrorNorm(rawValue: norm) else {
            throw ArgumentError(parameter: "norm", "\(args.builtin): norm must be \"l2\" or \"mse\", got \"\(norm)\"")
        }
        s.norm = n
        let latent = try args.string("latent")
        guard let l = LatentChoice(rawValue: latent) else {
            throw ArgumentError(parameter: "latent", "\(args.builtin): latent must be \"sample\" or \"mean\", got \"\(latent)\"")
        }
        s.latent = l
        s.unconditional = try args.bool("uncond")
        s.batchSize = try args.int("batch")
        guard s.batchSize >= 1 else { throw ArgumentError(parameter: "batch", "\(args.builtin): batch must be >= 1") }
        return s
    }

    /// One image tensor, or a list of them; `single` tells which.
    static func imageList(_ args: Arguments, _ name: String) throws -> (images: [Tensor], single: Bool) {
        if case .list(let items) = args[name] {
            guard !items.isEmpty else { throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' is an empty list") }
            return (try items.enumerated().map { i, v in
                guard case .tensor(let t) = v, t.rank == 3 || (t.rank == 4 && t.shape[0] == 1) else {
                    throw ArgumentError(parameter: name, "\(args.builtin): element \(i) of '\(name)' must be an image [1,3,H,W] or [3,H,W]")
                }
                return t
            }, false)
        }
        let t = try ModelBuiltins.batched(args, name)
        let rows = try (0..<t.shape[0]).map { try t.sliced(axis: 0, start: $0, end: $0 + 1) }
        return (rows, t.shape[0] == 1)
    }

    static func run(_ args: Arguments, images: [Tensor], captions: [String]) throws -> MatchErrors {
        let matcher = ImageTextMatcher(model: try ModelBuiltins.pipeline(args), settings: try settings(args))
        let meter = ProgressMeter(args.builtin, total: images.count * (try matcher.timesteps().count))
        return try matcher.errors(images: images, captions: captions) { done, total in
            try Interrupt.check()
            meter.update(done)
            _ = total
        }
    }

    static func tensor(_ rows: [[Float]]) throws -> Tensor {
        try Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
    }

    public static let builtins: [Builtin] = [
        Builtin("errors", [.init("m", ModelBuiltins.model), .init("img", .tensor), .init("captions", text)] + settingsParameters,
                returns: "record",
                doc: "DiffusionITM errors of each caption for one image: {cond [N,T], uncond [T], timesteps [T]} (noise and timesteps shared by all captions).") { args, _ in
            let img = try ModelBuiltins.batched(args, "img")
            guard img.shape[0] == 1 else {
                throw ArgumentError(parameter: "img", "errors: one image [1,3,H,W] at a time, got \(formatShape(img.shape)); use itm for several")
            }
            let (captions, _) = try ModelBuiltins.texts(args, "captions")
            let r = try run(args, images: [img], captions: captions)
            return .record(Record([
                ("cond", .tensor(try tensor(r.cond.first ?? []))),
                ("uncond", r.uncond.first.map { .tensor(Tensor($0)) } ?? .none),
                ("timesteps", .tensor(Tensor(r.timesteps.map(Float.init)))),
            ]))
        },
        Builtin("itm", [.init("m", ModelBuiltins.model), .init("img", images), .init("caption", text)] + settingsParameters,
                returns: "record",
                doc: "Image-text matching. One image, N captions: scores [N] = -mean cond error (the text score), best = the best caption's index. One caption, N images: scores [N] = -mean(cond - uncond) (the image score), best = the best image's index. Several of each: scores [captions, images] = -mean(cond - uncond), best_caption (one per image, by the text score) and best_image (one per caption, by the image score). Always also cond, uncond and timesteps.") { args, _ in
            let (imgs, _) = try imageList(args, "img")
            let (captions, _) = try ModelBuiltins.texts(args, "caption")
            let r = try run(args, images: imgs, captions: captions)
            let t = Tensor(r.timesteps.map(Float.init))
            func best(_ scores: [Double]) -> Value { .number(Double(MatchErrors.best(scores))) }
            var fields: [(String, Value)] = []
            if imgs.count == 1 {
                let scores = try r.captionScores(forImage: 0)
                fields = [("scores", .tensor(Tensor(scores.map(Float.init)))), ("best", best(scores))]
            } else if captions.count == 1 {
                let scores = try r.imageScores(forCaption: 0)
                fields = [("scores", .tensor(Tensor(scores.map(Float.init)))), ("best", best(scores))]
            } else {
                fields = [("scores", .tensor(try tensor(try r.imageScoreMatrix().map { $0.map(Float.init) }))),
                          ("best_caption", .list(try imgs.indices.map { best(try r.captionScores(forImage: $0)) })),
                          ("best_image", .list(try captions.indices.map { best(try r.imageScores(forCaption: $0)) }))]
            }
            let cond = imgs.count == 1 ? try tensor(r.cond.first ?? [])
                : try Tensor(shape: [imgs.count, captions.count, r.timesteps.count], scalars: r.cond.flatMap { $0.flatMap { $0 } })
            let uncond: Value = r.uncond.isEmpty ? .none
                : .tensor(imgs.count == 1 ? Tensor(r.uncond.first ?? []) : try tensor(r.uncond))
            return .record(Record(fields + [("cond", .tensor(cond)), ("uncond", uncond), ("timesteps", .tensor(t))]))
        },
    ]
}
