import Diffusion
import Foundation
import Matching
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

    static func latentChoice(_ args: Arguments) throws -> MatchSettings.LatentChoice {
        let s = try args.string("latent")
        guard let l = MatchSettings.LatentChoice(rawValue: s) else {
            throw ArgumentError(parameter: "latent", "\(args.builtin): latent must be \"sample\" or \"mean\", got \"\(s)\"")
        }
        return l
    }

    /// A pipeline as the trainer sees it: frozen encoders (unless their parameters are switched
    /// on), the UNet as a noise predictor, and optionally the untouched base for softneg_anchored.
    static func trainable(_ p: StableDiffusion, base: StableDiffusion?, latent: MatchSettings.LatentChoice) -> TrainableModel {
        TrainableModel(
            encodeText: { try p.encodeText($0) },
            encodeImages: { images, rng in
                let seed = UInt64(try rng.integers(1, in: 0..<Int(Int32.max)).first ?? 0)
                return try p.encodeImage(images, sample: latent == .sample, seed: seed)
            },
            predict: ImageTextMatcher(model: p).epsilonPredictor(),
            basePredict: base.map { ImageTextMatcher(model: $0).epsilonPredictor() },
            alphasCumprod: p.scheduler.schedule.alphasCumprod)
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
            let model = trainable(p, base: kind == .softnegAnchored ? p : nil, latent: try latentChoice(args))
            var rng = RandomGenerator(seed: try ModelBuiltins.seed(args))
            return try noGrad {
                let images = try Tensor.cat(examples.map(\.image), axis: 0)
                let latents = try model.encodeImages(images, &rng)
                let steps = model.alphasCumprod.count
                let timesteps: [Int]
                if args.isNone("timesteps") {
                    timesteps = try rng.integers(examples.count, in: 0..<steps)
                } else {
                    timesteps = try ModelBuiltins.timesteps(args, "timesteps", range: steps)
                    guard timesteps.count == examples.count else {
                        throw ArgumentError(parameter: "timesteps", "loss: \(timesteps.count) timesteps for a batch of \(examples.count)")
                    }
                }
                let noise = args.isNone("noise") ? try rng.normal(latents.shape) : try args.tensor("noise")
                guard noise.shape == latents.shape else {
                    throw ArgumentError(parameter: "noise", "loss: noise must be shaped like the latents \(formatShape(latents.shape)), got \(formatShape(noise.shape))")
                }
                var batch = LossBatch(latents: latents, contexts: try model.encodeText(examples.map(\.caption)), timesteps: timesteps, noise: noise)
                if examples.allSatisfy({ $0.negativeImage != nil }) {
                    batch.negativeLatents = try model.encodeImages(Tensor.cat(examples.compactMap(\.negativeImage), axis: 0), &rng)
                } else if examples.allSatisfy({ $0.negativeCaption != nil }) {
                    batch.negativeContexts = try model.encodeText(examples.compactMap(\.negativeCaption))
                }
                batch.unconditionalContext = try model.encodeText([""])
                let terms = try trainingLoss(kind, batch: batch, lambda: Float(try args.number("lambda")), anchor: Float(try args.number("anchor")),
                                             alphasCumprod: model.alphasCumprod, predict: model.predict, basePredict: model.basePredict)
                return .number(Double(try terms.loss.item()))
            }
        },
    ]
}
