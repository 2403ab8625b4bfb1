import Benchmarks
import Diffusion
import Foundation
import Tensors

/// Results that carry an `EvaluationResult`, so `table` and `merge_results` take them.
protocol EvaluationResultCarrier {
    var evaluationResult: EvaluationResult { get }
}

/// A gen_eval or edit_eval result: metrics with intervals (as `evaluate`'s results) plus every
/// image's record.
final class CheckedResultValue: HostValue, EvaluationResultCarrier {
    let evaluationResult: EvaluationResult
    /// Every image's record as a language value, built once.
    let records: [Value]
    let refusals: [String: Int]

    init(_ result: GenerationEvaluationResult) {
        evaluationResult = result.result
        records = result.records.map(SceneBuiltins.value)
        refusals = result.refusals
    }

    init(_ result: EditEvaluationResult) {
        evaluationResult = result.result
        records = result.records.map(SceneBuiltins.value)
        refusals = result.refusals
    }

    var typeName: String { "result" }
    var memberNames: [String] {
        ["method", "task", "metrics", "items", "records", "refusals"] + evaluationResult.metrics.map(\.name)
    }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "method": return .string(evaluationResult.method)
        case "task": return .string(evaluationResult.task)
        case "items": return .number(Double(evaluationResult.items.count))
        case "metrics": return .record(Record(evaluationResult.metrics.map { ($0.name, ResultValue.record($0)) }))
        case "records": return .list(records)
        case "refusals": return .record(Record(refusals.keys.sorted().map { ($0, .number(Double(refusals[$0] ?? 0))) }))
        default: return evaluationResult.metric(name).map(ResultValue.record)
        }
    }

    var description: String {
        let metrics = evaluationResult.metrics.prefix(7).map { String(format: "%@ %.3f [%.3f, %.3f]", $0.name, $0.value, $0.low, $0.high) }
        return "<result \(evaluationResult.method) on \(evaluationResult.task): \(metrics.joined(separator: ", "))>"
    }
}

/// Reading ShapesWorld images back into scenes, and scoring what models generate and edit with
/// that reading: the `benchmarks` area's scene checker.
public enum SceneBuiltins {
    static func value(_ o: SceneObject) -> Value {
        .record(Record([("shape", .string(o.shape.rawValue)), ("colour", .string(o.color.rawValue)),
                        ("size", .string(o.size.rawValue)), ("x", .number(o.x)), ("y", .number(o.y))]))
    }

    static func value(_ objects: [SceneObject]?) -> Value {
        objects.map { .list($0.map(value)) } ?? .none
    }

    static func value(_ r: GenerationRecord) -> Value {
        var fields: [(String, Value)] = [("caption", .string(r.caption)), ("sample", .number(Double(r.sample))),
                                         ("seed", .number(Double(r.seed))), ("objects", value(r.objects)),
                                         ("refusal", r.refusal.map { .string($0) } ?? .none),
                                         ("message", r.refusalMessage.map { .string($0) } ?? .none)]
        for c in GenerationCategory.allCases { fields.append((c.rawValue, r.checks.passed[c].map { .bool($0) } ?? .none)) }
        fields.append(("unparseable", .bool(r.checks.unparseable)))
        return .record(Record(fields))
    }

    static func value(_ r: EditRecord) -> Value {
        .record(Record([("id", .string(r.id)), ("kind", .string(r.kind.rawValue)), ("source_caption", .string(r.sourceCaption)),
                        ("target_caption", .string(r.targetCaption)), ("seed", .number(Double(r.seed))), ("objects", value(r.objects)),
                        ("refusal", r.refusal.map { .string($0) } ?? .none), ("message", r.refusalMessage.map { .string($0) } ?? .none),
                        ("success", .bool(r.checks.success)), ("preservation", .bool(r.checks.preservation)),
                        ("unparseable", .bool(r.checks.unparseable))]))
    }

    /// An image a user function returned, as [1,3,H,W].
    static func image(_ v: Value, from what: String) throws -> Tensor {
        let t: Tensor
        do { t = try Convert.tensor(v) } catch { throw BuiltinError("\(what) must return an image tensor, got \(v.typeName)") }
        switch t.rank {
        case 4: return t
        case 3: return try t.unsqueezed(0)
        default: throw BuiltinError("\(what) must return an image [1,3,H,W] or [3,H,W], got \(formatShape(t.shape))")
        }
    }

    static func bootstrap(_ args: Arguments) throws -> BootstrapSettings {
        let resamples = try args.int("resamples")
        guard resamples >= 1 else { throw ArgumentError(parameter: "resamples", "\(args.builtin): resamples must be at least 1, got \(resamples)") }
        return BootstrapSettings(resamples: resamples, seed: try ModelBuiltins.seed(args))
    }

    /// What a model or function is called in result tables: `method:` when given.
    static func method(_ args: Arguments) throws -> String {
        if let m = try args.optionalString("method") { return m }
        if case .host(let h as ModelValue) = args["m"] { return h.pipeline.origin }
        if case .function(let f) = args["m"] { return f.name }
        if case .builtin(let b) = args["m"] { return b.name }
        return "model"
    }

    static let checkedSettings: [BuiltinParameter] = [
        .init("method", .optional(.string), default: .noValue), .init("resamples", .int, default: .number(1000)),
        .init("out", .optional(.string), default: .noValue),
    ]

    public static let builtins: [Builtin] = [
        Builtin("parse_scene", [.init("img", .tensor)], returns: "list",
                doc: "The objects of a ShapesWorld-style image ([1,3,H,W] or [3,H,W] in [0,1], square): a list of {shape, colour, size, x, y} (centres in canvas units, y down), sorted by x; an error naming the region and the reason when the image is unparseable (no palette colour, faint, fragment, too large, touching, no or ambiguous shape, blurred, noisy).") { args, _ in
            .list(try SceneParser().parse(try args.tensor("img")).map(value))
        },
        Builtin("gen_eval", [.init("m", .oneOf([ModelBuiltins.model, .callable])), .init("captions", .oneOf([.list, .string, .host("dataset")])),
                             .init("samples_per_caption", .int, default: .number(1)), .init("guidance", .number, default: .number(defaultGuidance)),
                             .init("steps", .int, default: .number(Double(defaultSteps))), .init("seed", .int, default: .number(0)),
                             .init("negative", .string, default: .string(""))] + checkedSettings,
                returns: "result",
                doc: "GenEval on ShapesWorld: generates samples_per_caption images per caption (image k from seed + k) and checks each with parse_scene: object, colour, binding, relation, count, all, with bootstrap 95% CIs over captions; unparseable images fail every category and are counted apart (result.refusals, result.records). m: a model, or fn(caption, seed) -> image.") { args, ctx in
            let captions: [String]
            let task: String
            if case .host(let h as DatasetValue) = args["captions"] {
                captions = GenerationEvaluation.captions(of: h.dataset)
                task = h.dataset.name
            } else {
                captions = try ModelBuiltins.texts(args, "captions").texts
                task = "captions"
            }
            let samples = try args.int("samples_per_caption")
            guard samples >= 1 else {
                throw ArgumentError(parameter: "samples_per_caption", "gen_eval: samples_per_caption must be at least 1, got \(samples)")
            }
            try ctx.checkSize(captions.count * samples, "generated images")
            var evaluation = GenerationEvaluation(method: try method(args), samplesPerCaption: samples, seed: try ModelBuiltins.seed(args))
            evaluation.bootstrap = try bootstrap(args)
            let meter = ProgressMeter("gen_eval", total: captions.count * samples)
            let progress: (Int, Int) throws -> Void = { done, _ in
                try Interrupt.check()
                meter.update(done)
            }
            let result: GenerationEvaluationResult
            if case .host(let h as ModelValue) = args["m"] {
                let p = h.pipeline
                result = try evaluation.run(model: p, captions: captions, task: task, steps: try ModelBuiltins.steps(args, p),
                                            guidance: Float(try args.number("guidance")), negative: try args.string("negative"),
                                            progress: progress)
            } else {
                for name in ["guidance", "steps", "negative"] where !isDefault(args, name) {
                    throw ArgumentError(parameter: name, "gen_eval: '\(name)' applies to a model; the function m generates as it likes")
                }
                let f = args["m"]
                result = try evaluation.run(captions: captions, task: task, generate: { caption, seed in
                    try image(try ctx.call(f, [.string(caption), .number(Double(seed))]), from: "gen_eval's function")
                }, progress: progress)
            }
            if let out = try args.optionalString("out") { try result.write(to: ctx.interpreter.resolvePath(out)) }
            return .host(CheckedResultValue(result))
        },
        Builtin("edit_eval", [.init("m", .callable), .init("ds", .host("dataset")), .init("seed", .int, default: .number(0)),
                              .init("tolerance", .number, default: .number(0.05)), .init("size", .int, default: .number(32))] + checkedSettings,
                returns: "result",
                doc: "Scores an editor on shapes_world(\"editing\"): m(image, target_caption, seed) -> image is run on every item (item k with seed + k) and the result read by parse_scene: success (target caption true, source caption not), preservation (every object keeps what the edit leaves alone: shape, colour unless recoloured, centre within tolerance unless moved), overall and per edit kind, with bootstrap 95% CIs; unparseable images fail both.") { args, ctx in
            let ds = try BenchmarkBuiltins.dataset(args, "ds")
            guard case let .editing(items) = ds.task else {
                throw ArgumentError(parameter: "ds", "edit_eval: '\(ds.name)' is not an editing task (use shapes_world(\"editing\", count: n))")
            }
            let size = try args.int("size")
            guard size >= 16, size <= 1024 else { throw ArgumentError(parameter: "size", "edit_eval: size must be in 16...1024, got \(size)") }
            var evaluation = EditEvaluation(method: try method(args), seed: try ModelBuiltins.seed(args),
                                            tolerance: try args.number("tolerance"), imageSize: size)
            evaluation.bootstrap = try bootstrap(args)
            let meter = ProgressMeter("edit_eval", total: items.count)
            let f = args["m"]
            let result = try evaluation.run(items, task: ds.name, edit: { source, caption, seed in
                try image(try ctx.call(f, [.tensor(source), .string(caption), .number(Double(seed))]), from: "edit_eval's function")
            }, progress: { done, _ in
                try Interrupt.check()
                meter.update(done)
            })
            if let out = try args.optionalString("out") { try result.write(to: ctx.interpreter.resolvePath(out)) }
            return .host(CheckedResultValue(result))
        },
    ]

    /// gen_eval's generation defaults, as `generate`'s.
    static let defaultGuidance = 7.5
    static let defaultSteps = 50

    /// Whether a model-only option still has its declared default, i.e. was not set for a function.
    static func isDefault(_ args: Arguments, _ name: String) -> Bool {
        switch (name, args[name]) {
        case ("guidance", .number(let g)): return g == defaultGuidance
        case ("steps", .number(let n)): return n == Double(defaultSteps)
        case ("negative", .string(let s)): return s.isEmpty
        default: return false
        }
    }
}
