import Benchmarks
import Foundation
import Matching
import Plotting
import Tensors

/// A benchmark task or training set as a language value.
public final class DatasetValue: HostValue {
    public let dataset: BenchmarkDataset

    public init(_ dataset: BenchmarkDataset) { self.dataset = dataset }

    public var typeName: String { "dataset" }
    public var memberNames: [String] { ["name", "task", "count"] }

    var taskName: String {
        switch dataset.task {
        case .winoground: return "winoground"
        case .imageCoDe: return "imagecode"
        case let .aro(variant, _): return variant.rawValue
        case .retrieval: return "retrieval"
        case .training: return "training"
        case .editing: return "editing"
        }
    }

    public func member(_ name: String) throws -> Value? {
        switch name {
        case "name": return .string(dataset.name)
        case "task": return .string(taskName)
        case "count": return .number(Double(dataset.task.count))
        default: return nil
        }
    }

    public var description: String { "<dataset \(dataset.name): \(taskName), \(dataset.task.count) items>" }
}

/// An evaluation result: metrics with confidence intervals, and the per-item scores behind them.
public final class ResultValue: HostValue {
    public let result: EvaluationResult

    public init(_ result: EvaluationResult) { self.result = result }

    public var typeName: String { "result" }
    public var memberNames: [String] { ["method", "task", "metrics", "items"] + result.metrics.map(\.name) }

    public func member(_ name: String) throws -> Value? {
        switch name {
        case "method": return .string(result.method)
        case "task": return .string(result.task)
        case "items": return .number(Double(result.items.count))
        case "metrics":
            return .record(Record(result.metrics.map { ($0.name, Self.record($0)) }))
        default:
            return result.metric(name).map(Self.record)
        }
    }

    static func record(_ m: MetricValue) -> Value {
        .record(Record([("value", .number(m.value)), ("low", .number(m.low)), ("high", .number(m.high)), ("n", .number(Double(m.count)))]))
    }

    public var description: String {
        let metrics = result.metrics.map { String(format: "%@ %.3f [%.3f, %.3f]", $0.name, $0.value, $0.low, $0.high) }
        return "<result \(result.method) on \(result.task): \(metrics.joined(separator: ", "))>"
    }
}

/// Datasets, hard negatives, evaluation and result tables: the `benchmarks` area of the builtins.
public enum BenchmarkBuiltins {
    static let formats = ["winoground", "imagecode", "vg_relation", "vg_attribution", "coco_order", "flickr_order", "coco", "negclip"]

    static func dataset(_ args: Arguments, _ name: String) throws -> BenchmarkDataset {
        guard case .host(let h) = args[name], let d = h as? DatasetValue else {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must be a dataset (from dataset or shapes_world)")
        }
        return d.dataset
    }

    static func results(_ v: Value, _ args: Arguments) throws -> [EvaluationResult] {
        switch v {
        case .host(let h as ResultValue): return [h.result]
        case .host(let h as EvaluationResultCarrier): return [h.evaluationResult]
        case .list(let items): return try items.flatMap { try results($0, args) }
        case .string(let path): return [try EvaluationResult.read(path)]
        default:
            throw ArgumentError(parameter: "results", "\(args.builtin): expected results (from evaluate), lists of them or result files, got \(v.typeName)")
        }
    }

    static func worldConfig(_ args: Arguments) throws -> ShapesWorldConfig {
        var config = ShapesWorldConfig(seed: try ModelBuiltins.seed(args), imageSize: try args.int("size"))
        if let objects = try args.optionalInts("objects") {
            guard let lo = objects.first, let hi = objects.last, objects.count <= 2 else {
                throw ArgumentError(parameter: "objects", "shapes_world: objects must be a count or [min, max], got \(objects)")
            }
            (config.minObjects, config.maxObjects) = (lo, hi)
        }
        config.sizeMentionProbability = try args.number("size_mentions")
        guard (0...1).contains(config.sizeMentionProbability) else {
            throw ArgumentError(parameter: "size_mentions", "shapes_world: size_mentions must be in [0, 1], got \(Printer.formatNumber(config.sizeMentionProbability))")
        }
        config.plainWording = try args.bool("plain")
        config.minPairDistance = try args.number("separation")
        guard (0...0.6).contains(config.minPairDistance) else {
            throw ArgumentError(parameter: "separation", "shapes_world: separation must be in [0, 0.6] (canvas units), got \(Printer.formatNumber(config.minPairDistance))")
        }
        do { try config.validate() } catch { throw ArgumentError(parameter: "objects", "\(error)") }
        return config
    }

    static func readDataset(_ folder: String, format: String, annotations: String?) throws -> BenchmarkDataset {
        let name = URL(fileURLWithPath: folder).lastPathComponent
        switch format {
        case "winoground": return BenchmarkDataset(name: name, task: .winoground(try WinogroundReader.read(folder: folder)))
        case "imagecode": return BenchmarkDataset(name: name, task: .imageCoDe(try ImageCoDeReader.read(folder: folder)))
        case "vg_relation": return BenchmarkDataset(name: name, task: .aro(.vgRelation, try AROReader.readVisualGenome(folder: folder, variant: .vgRelation)))
        case "vg_attribution": return BenchmarkDataset(name: name, task: .aro(.vgAttribution, try AROReader.readVisualGenome(folder: folder, variant: .vgAttribution)))
        case "coco_order": return BenchmarkDataset(name: name, task: .aro(.cocoOrder, try AROReader.readOrder(folder: folder, variant: .cocoOrder)))
        case "flickr_order": return BenchmarkDataset(name: name, task: .aro(.flickrOrder, try AROReader.readOrder(folder: folder, variant: .flickrOrder)))
        case "coco":
            return BenchmarkDataset(name: name, task: .retrieval(try COCOCaptionsReader.read(folder: folder, annotations: annotations ?? "captions.json")))
        default: return BenchmarkDataset(name: name, task: .training(try NegCLIPTSVReader.read(folder: folder)))
        }
    }

    /// `shard:` as given: none, [k, n], or "auto" (from the Slurm array job's variables).
    static func shardArgument(_ args: Arguments) throws -> Shard? {
        switch args["shard"] {
        case .none: return nil
        case .string(let s):
            guard s == Shard.autoName else {
                throw ArgumentError(parameter: "shard", "\(args.builtin): shard must be [k, n] or \"\(Shard.autoName)\", got \"\(s)\"")
            }
            return try Shard.arrayTask(environment: ProcessInfo.processInfo.environment)
        default:
            let s = try args.ints("shard")
            guard s.count == 2 else { throw ArgumentError(parameter: "shard", "\(args.builtin): shard must be [k, n] or \"\(Shard.autoName)\", got \(s)") }
            return try Shard(s[0], of: s[1])
        }
    }

    public static let builtins: [Builtin] = [
        Builtin("dataset", [.init("path", .string), .init("format", .string), .init("annotations", .optional(.string), default: .noValue)],
                returns: "dataset",
                doc: "Reads a benchmark folder in its published format: \(formats.joined(separator: ", ")).") { args, ctx in
            let format = try args.string("format")
            guard formats.contains(format) else {
                throw ArgumentError(parameter: "format", "dataset: format must be one of \(formats.joined(separator: ", ")); got \"\(format)\"")
            }
            return .host(DatasetValue(try readDataset(ctx.interpreter.resolvePath(try args.string("path")), format: format,
                                                         annotations: try args.optionalString("annotations"))))
        },
        Builtin("shapes_world", [.init("task", .string), .init("count", .int, default: .number(100)), .init("seed", .int, default: .number(0)),
                                 .init("size", .int, default: .number(32)), .init("out", .optional(.string), default: .noValue),
                                 .init("objects", .optional(.ints), default: .noValue), .init("size_mentions", .number, default: .number(0.25)),
                                 .init("plain", .bool, default: .bool(false)), .init("separation", .number, default: .number(0))],
                returns: "dataset",
                doc: "ShapesWorld items of a task (\(ShapesWorldTask.allCases.map(\.rawValue).joined(separator: ", ")), or the text-retrieval probes swap_attribute, swap_relation, swap_object, replace_colour, or editing: scenes with a target caption one edit away, for edit_eval), deterministic by seed; out: also writes them in the real benchmark's format. The world: objects per scene (2, 3 or [min, max]; default [2, 3]), size_mentions (share of captions naming sizes), plain (one wording per meaning: \"a red square to the left of a blue circle\"), separation (least centre distance of the described pair, canvas units).") { args, ctx in
            let taskName = try args.string("task")
            let count = try args.int("count")
            guard count >= 1 else { throw ArgumentError(parameter: "count", "shapes_world: count must be >= 1, got \(count)") }
            let world = try ShapesWorld(try worldConfig(args))
            let isProbe = taskName == "replace_colour" || (taskName.hasPrefix("swap_") && CaptionSwap(rawValue: String(taskName.dropFirst(5))) != nil)
            if isProbe, !args.isNone("out") {
                // A probe's pairs are one swap kind each, not a benchmark's attribute or relation
                // pairs: no published format holds them, and writing nothing silently would mislead.
                throw ArgumentError(parameter: "out", "shapes_world: out: writes the benchmark tasks in their published formats; the probe \"\(taskName)\" has none (its pairs are one swap kind, not VG-Attribution's attribute pairs). Use a benchmark task (\(ShapesWorldTask.allCases.map(\.rawValue).joined(separator: ", "))) or save the probe's items yourself")
            }
            if taskName.hasPrefix("swap_"), let kind = CaptionSwap(rawValue: String(taskName.dropFirst(5))) {
                return .host(DatasetValue(try world.swapDataset(kind, count: count)))
            }
            if taskName == "replace_colour" {
                return .host(DatasetValue(try world.colourReplacementDataset(count: count)))
            }
            if taskName == "editing" {
                guard args.isNone("out") else {
                    throw ArgumentError(parameter: "out", "shapes_world: the editing task has no published file format to write")
                }
                try ctx.checkSize(count, "ShapesWorld items")
                return .host(DatasetValue(try world.editingDataset(count: count)))
            }
            guard let task = ShapesWorldTask(rawValue: taskName) else {
                throw ArgumentError(parameter: "task", "shapes_world: task must be one of \(ShapesWorldTask.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(taskName)\"")
            }
            try ctx.checkSize(count, "ShapesWorld items")
            if let out = try args.optionalString("out") { try world.write(task, count: count, to: ctx.interpreter.resolvePath(out)) }
            return .host(DatasetValue(try world.dataset(task, count: count)))
        },
        Builtin("item", [.init("ds", .host("dataset")), .init("index", .int), .init("size", .optional(.int), default: .noValue)],
                returns: "record",
                doc: "One item of a dataset as a record of images (tensors [1,3,H,W]) and captions, e.g. {caption_0, caption_1, image_0, image_1} for Winoground.") { args, _ in
            let ds = try dataset(args, "ds")
            let i = try args.int("index")
            guard i >= 0, i < ds.task.count else {
                throw ArgumentError(parameter: "index", "item: index \(i) outside 0..<\(ds.task.count) items of \(ds.name)")
            }
            let loader = ImageLoader(size: try args.optionalInt("size"))
            func img(_ source: ImageSource) throws -> Value { .tensor(try loader.load(source)) }
            switch ds.task {
            case let .winoground(xs):
                let x = xs[i]
                return .record(Record([("caption_0", .string(x.caption0)), ("caption_1", .string(x.caption1)),
                                       ("image_0", try img(x.image0)), ("image_1", try img(x.image1)), ("tag", x.tag.map { .string($0) } ?? .none)]))
            case let .imageCoDe(xs):
                let x = xs[i]
                return .record(Record([("caption", .string(x.caption)), ("images", .list(try x.images.map(img))), ("target", .number(Double(x.target)))]))
            case let .aro(_, xs):
                let x = xs[i]
                return .record(Record([("image", try img(x.image)), ("captions", .list(x.captions.map { .string($0) })),
                                       ("true_index", .number(Double(x.trueIndex)))]))
            case let .retrieval(r):
                return .record(Record([("image", try img(r.images[i])), ("captions", .list(r.imageCaptions[i].map { .string(r.captions[$0]) }))]))
            case let .training(xs):
                let x = xs[i]
                return .record(Record([("image", try img(x.image)), ("caption", .string(x.caption)),
                                       ("neg_caption", x.negativeCaptions.first.map { .string($0) } ?? .none),
                                       ("neg_image", try x.negativeImages.first.map(img) ?? .none)]))
            case let .editing(xs):
                let x = xs[i]
                return .record(Record([("image", try img(.scene(x.source))), ("caption", .string(x.sourceCaption.text)),
                                       ("target_caption", .string(x.targetCaption.text)), ("kind", .string(x.kind.rawValue)),
                                       ("target_image", try img(.scene(x.target)))]))
            }
        },
        Builtin("negatives", [.init("caption", .string), .init("kind", .string, default: .string("swap_objects")),
                              .init("count", .int, default: .number(1)), .init("seed", .int, default: .number(0)),
                              .init("command", .optional(.string), default: .noValue), .init("timeout", .number, default: .number(30))],
                returns: "list",
                doc: "Hard-negative captions: ARO's perturbations (\(NegativeKind.names.joined(separator: ", "))), swap_objects, swap_attributes, swap_relation, or command: an external generator.") { args, _ in
            let kind: NegativeKind
            if let command = try args.optionalString("command") {
                kind = .command(command, timeout: try args.number("timeout"))
            } else {
                let name = try args.string("kind")
                guard let k = NegativeKind(name: name, timeout: try args.number("timeout")) else {
                    throw ArgumentError(parameter: "kind", "negatives: unknown kind \"\(name)\"; one of \(NegativeKind.names.joined(separator: ", ")), swap_objects, swap_attributes, swap_relation")
                }
                kind = k
            }
            let out = try Benchmarks.negatives(try args.string("caption"), kind: kind, count: try args.int("count"), seed: try ModelBuiltins.seed(args))
            return .list(out.map { .string($0) })
        },
        Builtin("evaluate", [.init("m", ModelBuiltins.model), .init("ds", .host("dataset")), .init("method", .optional(.string), default: .noValue)]
                + ScoringBuiltins.settingsParameters
                + [.init("size", .optional(.int), default: .noValue), .init("shard", .optional(.oneOf([.ints, .string])), default: .noValue),
                   .init("resamples", .int, default: .number(1000)), .init("out", .optional(.string), default: .noValue)],
                returns: "result",
                doc: "Runs a benchmark with DiffusionITM under its protocol (Winoground text/image/group, ImageCoDe R@1, ARO accuracy, retrieval R@1/R@5) with bootstrap 95% CIs; the result is labelled method:, else the model's name (m.name); shard: [k, n] or \"auto\" (the Slurm array task; the whole dataset outside one); out: writes <out>.json and .csv (<out>.shard-<k>-of-<n>.* for a shard, which merge_results(<out>) finds).") { args, ctx in
            let model = try ModelBuiltins.pipeline(args)
            let ds = try dataset(args, "ds")
            let shard = try shardArgument(args)
            let size = try args.optionalInt("size") ?? model.unet.config.sampleSize.map { $0[0] * model.vaeScaleFactor }
            var evaluation = Evaluation(matcher: ImageTextMatcher(model: model, settings: try ScoringBuiltins.settings(args)),
                                        loader: ImageLoader(size: size), method: try args.optionalString("method") ?? model.name, shard: shard)
            evaluation.bootstrap = BootstrapSettings(resamples: try args.int("resamples"), seed: try ModelBuiltins.seed(args))
            let meter = ProgressMeter("evaluate \(ds.name)", total: shard?.range(total: ds.task.count).count ?? ds.task.count)
            let result = try evaluation.run(ds) { done, _ in
                try Interrupt.check()
                meter.update(done)
            }
            if let out = try args.optionalString("out") { try result.write(to: ShardFiles.base(ctx.interpreter.resolvePath(out), shard: shard)) }
            return .host(ResultValue(result))
        },
        Builtin("merge_results", [.init("results", .oneOf([.list, .string])), .init("out", .optional(.string), default: .noValue)], returns: "result",
                doc: "Joins the shard results of one evaluation into the unsharded result: a list of results or .json files, or the out: name the shards were written under (finds <name>.shard-<k>-of-<n>.json and refuses a missing or doubled shard); out: writes <out>.json and .csv.") { args, ctx in
            var parts: [EvaluationResult] = [], sources: [String] = []
            let given: [Value]
            if case .list(let items) = args["results"] { given = items } else { given = [args["results"]] }
            for (i, v) in given.enumerated() {
                guard case .string(let name) = v else {
                    parts += try results(v, args)
                    sources += Array(repeating: "result \(i + 1) of the list", count: parts.count - sources.count)
                    continue
                }
                let path = ctx.interpreter.resolvePath(name)
                if FileManager.default.fileExists(atPath: path) {
                    parts.append(try EvaluationResult.read(path))
                    sources.append(path)
                    continue
                }
                for (shard, file) in try ShardFiles.find(path) {
                    let part = try EvaluationResult.read(file)
                    guard part.shard == shard else {
                        throw BenchmarkError.mergeConflict(message: "\(file) is named shard \(shard.index) of \(shard.count) but holds \(part.shard.map { "shard \($0.index) of \($0.count)" } ?? "an unsharded result")")
                    }
                    parts.append(part)
                    sources.append(file)
                }
            }
            let merged = try EvaluationResult.merge(parts, sources: sources)
            if let out = try args.optionalString("out") { try merged.write(to: ctx.interpreter.resolvePath(out)) }
            return .host(ResultValue(merged))
        },
        Builtin("table", [.init("results", .any, variadic: true), .init("percent", .bool, default: .bool(true)),
                          .init("digits", .int, default: .number(1)), .init("baseline", .optional(.string), default: .noValue)],
                returns: "table",
                doc: "A table of results: methods as rows, task metrics as columns, with 95% intervals; with baseline: a method name, each method's difference from it on the same items, with paired bootstrap intervals. Refuses two results of one method on one task. Shows as aligned text, as a Markdown or HTML table in reports; t.markdown is the Markdown.") { args, _ in
            let all = try results(args["results"], args), percent = try args.bool("percent"), digits = try args.int("digits")
            let cells = try args.optionalString("baseline").map { try differenceTable(all, baseline: $0, percent: percent, digits: digits) }
                ?? Benchmarks.table(all, percent: percent, digits: digits)
            return .host(TableValue(.numeric(header: cells.header, rows: cells.rows, note: cells.note)))
        },
    ]
}
