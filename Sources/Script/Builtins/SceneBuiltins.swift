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

    /// What a model or function is called in result tables: `method:` when given, else the
    /// model's name (as `evaluate` labels results) or the function's.
    static func method(_ args: Arguments) throws -> String {
        if let m = try args.optionalString("method") { return m }
        if case .host(let h as ModelValue) = args["m"] { return h.pipeline.name }
        if case .function(let f) = args["m"] { return f.name }
        if case .builtin(let b) = args["m"] { return b.name }
        return "model"
    }

    static let checkedSettings: [BuiltinParameter] = [
        .init("method", .optional(.string), default: .noValue), .init("resamples", .int, default: .number(1000)),
        .init("out", .optional(.string), default: .noValue),
    ]

    /// Options that only a model takes (a function generates or edits as it likes), with
    /// generate's and edit's defaults.
    static let generationOptions: [BuiltinParameter] = [
        .init("guidance", .number, default: .number(7.5)), .init("steps", .int, default: .number(50)),
        .init("negative", .string, default: .string("")), .init("scheduler", .optional(.string), default: .noValue),
    ]
    static let strengthOption = BuiltinParameter("strength", .number, default: .number(0.6))

    /// Refuses a model-only option given with a function m, naming it: it would do nothing.
    static func checkUnset(_ options: [BuiltinParameter], _ args: Arguments) throws {
        for option in options {
            let given = args[option.name]
            let unset: Bool
            switch (given, option.defaultValue?.value) {
            case (.number(let a), .number(let b)?): unset = a == b
            case (.string(let a), .string(let b)?): unset = a == b
            case (.none, .none?): unset = true
            default: unset = false
            }
            guard unset else {
                throw ArgumentError(parameter: option.name, "\(args.builtin): '\(option.name)' applies to a model; the function m works as it likes")
            }
        }
    }

    static let modelOrFunction = ValueType.oneOf([ModelBuiltins.model, .callable])

    public static let builtins: [Builtin] = [
        Builtin("parse_scene", [.init("img", .tensor)], returns: "list",
                doc: "The objects of a ShapesWorld-style image ([1,3,H,W] or [3,H,W] in [0,1], square): a list of {shape, colour, size, x, y} (centres in canvas units, y down), sorted by x; an error naming the region and the reason when the image is unparseable (no palette colour, faint, fragment, too large, touching, no or ambiguous shape, blurred, noisy).") { args, _ in
            .list(try SceneParser().parse(try args.tensor("img")).map(value))
        },
        Builtin("gen_eval", [.init("m", modelOrFunction), .init("captions", .oneOf([.list, .string, .host("dataset")])),
                             .init("samples_per_caption", .int, default: .number(1))] + generationOptions
                             + [.init("seed", .int, default: .number(0))] + checkedSettings,
                returns: "result",
                doc: "GenEval on ShapesWorld: generates samples_per_caption images per caption (image k from seed + k) and checks each with parse_scene: object, colour, binding, relation, count, all, with bootstrap 95% CIs over captions; unparseable images fail every category and are counted apart (result.refusals, result.records). m: a model (scheduler: \(ModelBuiltins.schedulerNames), default the checkpoint's), or fn(caption, seed) -> image.") { args, ctx in
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
                                            scheduler: try ModelBuiltins.choice(args, "scheduler", SchedulerKind.self), progress: progress)
            } else {
                try checkUnset(generationOptions, args)
                let f = args["m"]
                result = try evaluation.run(captions: captions, task: task, generate: { caption, seed in
                    try image(try ctx.call(f, [.string(caption), .number(Double(seed))]), from: "gen_eval's function")
                }, progress: progress)
            }
            if let out = try args.optionalString("out") { try result.write(to: ctx.interpreter.resolvePath(out)) }
            return .host(CheckedResultValue(result))
        },
        Builtin("edit_eval", [.init("m", modelOrFunction), .init("ds", .host("dataset")), strengthOption] + generationOptions
                              + [.init("seed", .int, default: .number(0)), .init("tolerance", .number, default: .number(0.05)),
                                 .init("size", .optional(.int), default: .noValue)] + checkedSettings,
                returns: "result",
                doc: "Scores editing on shapes_world(\"editing\"): each item's source, rendered at size (default the model's, else 32), is edited towards its target caption (item k with seed + k) and read by parse_scene: success (target caption true, source caption not), preservation (every object keeps what the edit leaves alone: shape, colour unless recoloured, centre within tolerance unless moved), overall and per edit kind, with bootstrap 95% CIs; unparseable images fail both. m: a model, edited with SDEdit (edit: strength, steps, guidance, negative, scheduler), or fn(image, caption, seed) -> image.") { args, ctx in
            let ds = try BenchmarkBuiltins.dataset(args, "ds")
            guard case let .editing(items) = ds.task else {
                throw ArgumentError(parameter: "ds", "edit_eval: '\(ds.name)' is not an editing task (use shapes_world(\"editing\", count: n))")
            }
            var model: StableDiffusion?
            if case .host(let h as ModelValue) = args["m"] { model = h.pipeline }
            let size = try args.optionalInt("size") ?? model.flatMap { p in p.unet.config.sampleSize.map { $0[0] * p.vaeScaleFactor } } ?? 32
            guard size >= 16, size <= 1024 else { throw ArgumentError(parameter: "size", "edit_eval: size must be in 16...1024, got \(size)") }
            var evaluation = EditEvaluation(method: try method(args), seed: try ModelBuiltins.seed(args),
                                            tolerance: try args.number("tolerance"), imageSize: size)
            evaluation.bootstrap = try bootstrap(args)
            let meter = ProgressMeter("edit_eval", total: items.count)
            let progress: (Int, Int) throws -> Void = { done, _ in
                try Interrupt.check()
                meter.update(done)
            }
            let result: EditEvaluationResult
            if let model {
                result = try evaluation.run(model: model, items: items, task: ds.name, strength: try args.number("strength"),
                                            steps: try ModelBuiltins.steps(args, model), guidance: Float(try args.number("guidance")),
                                            negative: try args.string("negative"),
                                            scheduler: try ModelBuiltins.choice(args, "scheduler", SchedulerKind.self), progress: progress)
            } else {
                try checkUnset([strengthOption] + generationOptions, args)
                let f = args["m"]
                result = try evaluation.run(items, task: ds.name, edit: { source, caption, seed in
                    try image(try ctx.call(f, [.tensor(source), .string(caption), .number(Double(seed))]), from: "edit_eval's function")
                }, progress: progress)
            }
            if let out = try args.optionalString("out") { try result.write(to: ctx.interpreter.resolvePath(out)) }
            return .host(CheckedResultValue(result))
        },
    ]
}
