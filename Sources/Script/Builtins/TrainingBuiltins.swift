import Benchmarks
import Diffusion
import Foundation
import Tensors
import Training

/// The fine-tuning objectives from the language: `loss` for one batch, `finetune` for a run.
public enum TrainingBuiltins {
    static let lossNames = LossKind.allCases.map(\.rawValue).joined(separator: ", ")

    static func lossKind(_ args: Arguments, _ name: String) throws -> LossKind {
        let s = try args.string(name)
        guard let k = LossKind(rawValue: s) else {
            throw ArgumentError(parameter: name, "\(args.builtin): \(name) must be one of \(lossNames); got \"\(s)\"")
        }
        return k
    }

    static func latentChoice(_ args: Arguments) throws -> LatentChoice {
        let s = try args.string("latent")
        guard let l = LatentChoice(rawValue: s) else {
            throw ArgumentError(parameter: "latent", "\(args.builtin): latent must be \"sample\" or \"mean\", got \"\(s)\"")
        }
        return l
    }

    /// `{images, captions, neg_captions?, neg_images?}` as one batch of examples.
    static func examples(_ r: Record, _ args: Arguments, _ name: String) throws -> [FineTuneExample] {
        func field(_ key: String) -> Value? { r[key].flatMap { if case .none = $0 { return nil } else { return $0 } } }
        func fail(_ m: String) -> ArgumentError { ArgumentError(parameter: name, "\(args.builtin): \(name).\(m)") }
        guard let imagesValue = field("images"), let captionsValue = field("captions") else {
            throw fail("images and \(name).captions are required")
        }
        let images = try Convert.tensor(imagesValue)
        guard images.rank == 4 else { throw fail("images must be [B,3,H,W], got \(formatShape(images.shape))") }
        func strings(_ v: Value, _ key: String) throws -> [String] {
            guard case .list(let items) = v else { throw fail("\(key) must be a list of strings") }
            return try items.map { item in
                guard case .string(let s) = item else { throw fail("\(key) must hold strings, found \(item.typeName)") }
                return s
            }
        }
        let captions = try strings(captionsValue, "captions")
        let b = images.shape[0]
        guard captions.count == b else { throw fail("captions has \(captions.count) entries for \(b) images") }
        let negCaptions = try field("neg_captions").map { try strings($0, "neg_captions") }
        if let n = negCaptions, n.count != b { throw fail("neg_captions has \(n.count) entries for \(b) images") }
        let negImages = try field("neg_images").map { try Convert.tensor($0) }
        if let n = negImages, n.shape != images.shape {
            throw fail("neg_images has shape \(formatShape(n.shape)), images \(formatShape(images.shape))")
        }
        return try (0..<b).map { i in
            FineTuneExample(image: try images.sliced(axis: 0, start: i, end: i + 1), caption: captions[i],
                            negativeCaption: negCaptions?[i], negativeImage: try negImages?.sliced(axis: 0, start: i, end: i + 1))
        }
    }

    public static let builtins: [Builtin] = [
        Builtin("loss", [.init("m", ModelBuiltins.model), .init("batch", .record), .init("kind", .string, default: .string("softneg")),
                         .init("lambda", .number, default: .number(1)), .init("anchor", .number, default: .number(1)),
                         .init("seed", .int, default: .number(0)), .init("timesteps", .optional(.tensor), default: .noValue),
                         .init("noise", .optional(.tensor), default: .noValue), .init("latent", .string, default: .string("sample"))],
                returns: "number",
                doc: "One batch's fine-tuning loss ({images, captions, neg_captions?, neg_images?}); kind: noneg, hardneg, softneg, softneg_bounded, softneg_anchored.") { args, _ in
            let p = try ModelBuiltins.pipeline(args)
            let kind = try lossKind(args, "kind")
            let examples = try TrainingBuiltins.examples(try args.record("batch"), args, "batch")
            let model = TrainableModel(p, base: kind == .softnegAnchored ? p : nil, latent: try latentChoice(args))
            var timesteps: [Int]?
            if !args.isNone("timesteps") {
                let t = try ModelBuiltins.timesteps(args, "timesteps", range: model.alphasCumprod.count)
                guard t.count == examples.count else {
                    throw ArgumentError(parameter: "timesteps", "loss: \(t.count) timesteps for a batch of \(examples.count)")
                }
                timesteps = t
            }
            let noise = args.isNone("noise") ? nil : try args.tensor("noise")
            let lambda = Float(try args.number("lambda")), anchor = Float(try args.number("anchor"))
            var rng = RandomGenerator(seed: try ModelBuiltins.seed(args))
            return try noGrad {
                let batch = try LossBatch.assemble(kind, examples: examples, negatives: .batch, timesteps: timesteps, noise: noise,
                                                   model: model, rng: &rng)
                return .number(Double(try trainingLoss(kind, batch: batch, lambda: lambda, anchor: anchor, model: model).loss.item()))
            }
        },
        finetune,
    ]
}

extension TrainingBuiltins {
    /// `data`: a training dataset, a list of {image, caption, neg_caption?, neg_image?} records,
    /// or one {images, captions, neg_captions?, neg_images?} batch record.
    static func trainingData(_ args: Arguments, size: Int?) throws -> FineTuneData {
        switch args["data"] {
        case .host(let h as DatasetValue):
            guard case let .training(examples) = h.dataset.task else {
                throw ArgumentError(parameter: "data", "finetune: \(h.dataset.name) is a benchmark task, not training data (shapes_world(\"training\") or a NegCLIP TSV)")
            }
            let loader = ImageLoader(size: size)
            return FineTuneData(count: examples.count, example: { i in
                let e = examples[i]
                return FineTuneExample(image: try loader.load(e.image), caption: e.caption, negativeCaption: e.negativeCaptions.first,
                                       negativeImage: try e.negativeImages.first.map { try loader.load($0) })
            }, caption: { examples[$0].caption })
        case .record(let r):
            return FineTuneData(try examples(r, args, "data"))
        case .list(let items):
            return FineTuneData(try items.enumerated().map { i, item in
                guard case .record(let r) = item, case .string(let caption)? = r["caption"], let image = r["image"] else {
                    throw ArgumentError(parameter: "data", "finetune: data[\(i)] must be a record {image, caption, neg_caption?, neg_image?}")
                }
                var negCaption: String?
                if case .string(let s)? = r["neg_caption"] { negCaption = s }
                let negImage = try r["neg_image"].flatMap { v -> Tensor? in if case .none = v { return nil } else { return try Convert.tensor(v) } }
                let img = try Convert.tensor(image)
                return FineTuneExample(image: img.rank == 3 ? try img.unsqueezed(0) : img, caption: caption,
                                       negativeCaption: negCaption, negativeImage: try negImage.map { $0.rank == 3 ? try $0.unsqueezed(0) : $0 })
            })
        default:
            throw ArgumentError(parameter: "data", "finetune: data must be a training dataset, a list of records or a batch record, got \(args["data"].typeName)")
        }
    }

    static func config(_ args: Arguments) throws -> FineTuneConfig {
        var c = FineTuneConfig()
        c.loss = try lossKind(args, "loss")
        c.steps = try args.int("steps")
        c.learningRate = Float(try args.number("lr"))
        c.batchSize = try args.int("batch")
        c.loraRank = try args.int("lora")
        c.lambda = Float(try args.number("lambda"))
        c.anchor = Float(try args.number("anchor"))
        c.seed = try ModelBuiltins.seed(args)
        let schedule = try args.string("schedule")
        guard let s = LearningRateSchedule(rawValue: schedule) else {
            throw ArgumentError(parameter: "schedule", "finetune: schedule must be constant, warmup or cosine; got \"\(schedule)\"")
        }
        c.schedule = s
        c.warmupSteps = try args.int("warmup")
        c.maxGradNorm = Float(try args.number("max_grad_norm"))
        c.weightDecay = Float(try args.number("weight_decay"))
        c.negativeImageProbability = Float(try args.number("p_neg_image"))
        c.negativeCaptionProbability = Float(try args.number("p_neg_caption"))
        c.checkpointEvery = try args.int("checkpoint_every")
        c.uncondProb = Float(try args.number("uncond_prob"))
        do { try c.validate() } catch { throw ArgumentError(parameter: "steps", "\(error)") }
        return c
    }

    static let finetune = Builtin(
        "finetune",
        [.init("m", ModelBuiltins.model), .init("data", .any), .init("loss", .string, default: .string("softneg")),
         .init("steps", .int, default: .number(100)), .init("lr", .number, default: .number(1e-4)), .init("batch", .int, default: .number(8)),
         .init("lora", .int, default: .number(4)), .init("lambda", .number, default: .number(1)), .init("anchor", .number, default: .number(1)),
         .init("seed", .int, default: .number(0)), .init("save", .optional(.string), default: .noValue),
         .init("save_lora", .optional(.string), default: .noValue), .init("checkpoint", .optional(.string), default: .noValue),
         .init("checkpoint_every", .int, default: .number(0)), .init("resume", .optional(.string), default: .noValue),
         .init("train_text_encoder", .bool, default: .bool(false)), .init("schedule", .string, default: .string("constant")),
         .init("warmup", .int, default: .number(0)), .init("latent", .string, default: .string("sample")),
         .init("size", .optional(.int), default: .noValue), .init("p_neg_image", .number, default: .number(0.5)),
         .init("p_neg_caption", .number, default: .number(0.25)), .init("max_grad_norm", .number, default: .number(1)),
         .init("weight_decay", .number, default: .number(0.01)), .init("uncond_prob", .number, default: .number(0)),
         .init("name", .optional(.string), default: .noValue)],
        returns: "model",
        doc: "Fine-tunes a copy of m (m is left as it was) with noneg, hardneg, softneg, softneg_bounded or softneg_anchored; LoRA rank `lora` on the attention projections (0: the whole UNet); checkpoint/resume; Ctrl-C saves and returns. uncond_prob: share of captions replaced by \"\" (diffusers' proportion_empty_prompts; 0 for fine-tuning, 0.1 when training from scratch, as Stable Diffusion). The result's .log holds both errors per step; its name (evaluate's method) is name:, else m's name + \"+\" + loss, e.g. shapes-base+noneg, and save: records it in the folder."
    ) { args, ctx in
        let base = try ModelBuiltins.pipeline(args)
        let config = try config(args)
        let size = try args.optionalInt("size") ?? base.unet.config.sampleSize.map { $0[0] * base.vaeScaleFactor }
        func path(_ name: String) throws -> String? { try args.optionalString(name).map { ctx.interpreter.resolvePath($0) } }
        let files = FineTuningRun.Files(checkpoint: try path("checkpoint"), lora: try path("save_lora"), model: try path("save"))
        let run = try FineTuningRun(base: base, data: try trainingData(args, size: size), config: config,
                                    trainTextEncoder: try args.bool("train_text_encoder"), latent: try latentChoice(args),
                                    name: try args.optionalString("name"), files: files)
        if let resume = try path("resume") {
            ctx.print("resumed at step \(try run.resume(from: resume)) of \(config.steps)\n")
        }
        try run.run(shouldStop: { Interrupt.isRequested })
        if Interrupt.isRequested {
            // A termination signal (a batch system preempting the job) ends the run here, before
            // the model is saved or used: run again with resume: the checkpoint to continue.
            if let signal = Interrupt.termination {
                ctx.print("finetune: stopped by \(Interrupt.signalName(signal)) after step \(run.tuner.step) of \(config.steps)"
                          + (files.checkpoint.map { "; checkpoint saved to \($0)" } ?? " (no checkpoint: given, nothing saved)") + "\n")
                try Interrupt.stopIfTerminating()
            }
            Interrupt.clear()
            ctx.print("finetune: interrupted after step \(run.tuner.step) of \(config.steps)\(files.checkpoint.map { "; checkpoint saved to \($0)" } ?? "")\n")
        }
        return .host(ModelValue(try run.finish(), trainingLog: run.tuner.log))
    }
}
