import Benchmarks
import Foundation
import Matching
import Plotting
import Tensors

/// A benchmark task or training set as a language value. It indexes like a list: `ds[0]` is an
/// item record, `ds[-1]` the last, `ds[2:10]` and `ds[mask]` smaller datasets of the same task;
/// `len(ds)` and `for it in ds` walk its items.
public final class DatasetValue: SequenceHost {
    public let dataset: BenchmarkDataset

    public init(_ dataset: BenchmarkDataset) { self.dataset = dataset }

    public var typeName: String { "dataset" }
    public var memberNames: [String] { ["name", "task", "count"] }
    public var count: Int { dataset.task.count }

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

    public func element(_ position: Int) throws -> Value { try itemRecord(position, loader: ImageLoader(size: nil)) }

    public func subsequence(_ positions: [Int]) throws -> Value { .host(DatasetValue(try dataset.subset(positions))) }

    public var description: String { "<dataset \(dataset.name): \(taskName), \(dataset.task.count) items>" }

    /// Item `i` (inside 0..<count) as a record. Every item has `images` (a list of [1,3,H,W]
    /// tensors) and `captions` (a list of strings), so `itm(m, it.images[0], it.captions)` works
    /// on any task; the task's own fields (image_0, caption_1, target, true_index...) stay too.
    func itemRecord(_ i: Int, loader: ImageLoader) throws -> Value {
        func img(_ source: ImageSource) throws -> Value { .tensor(try loader.load(source)) }
        func strings(_ xs: [String]) -> Value { .list(xs.map { .string($0) }) }
        switch dataset.task {
        case let .winoground(xs):
            let x = xs[i]
            let images = [try img(x.image0), try img(x.image1)]
            return .record(Record([("id", .string(x.id)), ("images", .list(images)), ("captions", strings([x.caption0, x.caption1])),
                                   ("caption_0", .string(x.caption0)), ("caption_1", .string(x.caption1)),
                                   ("image_0", images[0]), ("image_1", images[1]), ("tag", x.tag.map { .string($0) } ?? .none)]))
        case let .imageCoDe(xs):
            let x = xs[i]
            return .record(Record([("id", .string(x.id)), ("images", .list(try x.images.map(img))), ("captions", strings([x.caption])),
                                   ("caption", .string(x.caption)), ("target", .number(Double(x.target)))]))
        case let .aro(_, xs):
            let x = xs[i]
            let image = try img(x.image)
            return .record(Record([("id", .string(x.id)), ("images", .list([image])), ("captions", strings(x.captions)),
                                   ("image", image), ("true_index", .number(Double(x.trueIndex))), ("tag", x.group.map { .string($0) } ?? .none)]))
        case let .retrieval(r):
            let image = try img(r.images[i])
            let id = i < r.imageIDs.count ? r.imageIDs[i] : String(i)
            return .record(Record([("id", .string(id)), ("images", .list([image])),
                                   ("captions", strings(r.imageCaptions[i].map { r.captions[$0] })), ("image", image)]))
        case let .training(xs):
            let x = xs[i]
            let image = try img(x.image)
            return .record(Record([("images", .list([image])), ("captions", strings([x.caption])),
                                   ("image", image), ("caption", .string(x.caption)),
                                   ("neg_caption", x.negativeCaptions.first.map { .string($0) } ?? .none),
                                   ("neg_image", try x.negativeImages.first.map(img) ?? .none)]))
        case let .editing(xs):
            let x = xs[i]
            let source = try img(.scene(x.source)), target = try img(.scene(x.target))
            return .record(Record([("images", .list([source, target])),
                                   ("captions", strings([x.sourceCaption.text, x.targetCaption.text])),
                                   ("image", source), ("caption", .string(x.sourceCaption.text)),
                                   ("target_caption", .string(x.targetCaption.text)), ("kind", .string(x.kind.rawValue)),
                                   ("target_image", target)]))
        }
    }
}

/// An evaluation result: metrics with confidence intervals, and the per-item scores behind them.
public final class ResultValue: HostValue {
    public let result: EvaluationResult

    public init(_ result: EvaluationResult) { self.result = result }

    public var typeName: String { "result" }
    public var memberNames: [String] { ["method", "task", "metrics", "items", "per_item", "by_tag"] + result.metrics.map(\.name) }

    public func member(_ name: String) throws -> Value? {
        switch name {
        case "method": return .string(result.method)
        case "task": return .string(result.task)
        case "items": return .number(Double(result.items.count))
        case "metrics":
            return .record(Record(result.metrics.map { ($0.name, Self.record($0)) }))
        case "per_item": return try perItem()
        case "by_tag":
            return .record(Record(try result.metricsByGroup().map { group in
                (group.group, .record(Record(group.metrics.map { ($0.name, Self.record($0)) })))
            }))
        default:
            return result.metric(name).map(Self.record)
        }
    }

    /// One record per item: index, id, tag, scores and whether the protocol counts it correct.
    /// `scores` is the item's score matrix ([caption][image] for Winoground), a single row
    /// (ARO's captions, ImageCoDe's images) as a plain list; `correct` is true or false for a
    /// task with one metric, else a record per metric (Winoground's text, image, group).
    func perItem() throws -> Value {
        if result.metricProtocol == .retrieval && result.items.count < result.totalItems {
            throw BuiltinError("a retrieval shard holds part of the gallery, so its items cannot be judged alone: merge the shards first (merge_results)")
        }
        let outcomes = try result.itemOutcomes()
        return .list(zip(result.items, outcomes.outcomes).map { item, outcome in
            func row(_ xs: [Double]) -> Value { .list(xs.map { .number($0) }) }
            let scores = item.scores.count == 1 ? row(item.scores[0]) : .list(item.scores.map(row))
            func correct(_ o: [Double]) -> Value { o.count == 1 ? .bool(o[0] == 1) : .list(o.map { .bool($0 == 1) }) }
            let perMetric = outcomes.names.compactMap { name in outcome[name].flatMap { $0.isEmpty ? nil : (name, correct($0)) } }
            let correctValue: Value = outcomes.names.count == 1 ? (perMetric.first?.1 ?? .none) : .record(Record(perMetric))
            return .record(Record([("index", .number(Double(item.index))), ("id", .string(item.id)),
                                   ("tag", item.group.map { .string($0) } ?? .none), ("scores", scores), ("correct", correctValue)]))
        })
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
                doc: "One item of a dataset as a record (ds[i] is the same at the native size): images (a list of [1,3,H,W] tensors) and captions (a list), plus the task's own fields, e.g. caption_0, caption_1, image_0, image_1 and tag for Winoground.") { args, _ in
            guard case .host(let h as DatasetValue) = args["ds"] else { throw ArgumentError(parameter: "ds", "item: 'ds' must be a dataset") }
            let i = try args.int("index")
            guard i >= -h.count, i < h.count else {
                throw ArgumentError(parameter: "index", "item: index \(i) outside \(-h.count)..<\(h.count) for the \(h.count) items of \(h.dataset.name)")
            }
            return try h.itemRecord(i < 0 ? i + h.count : i, loader: ImageLoader(size: try args.optionalInt("size")))
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
