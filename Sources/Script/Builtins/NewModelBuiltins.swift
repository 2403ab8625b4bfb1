import Benchmarks
import Diffusion
import Tensors

/// Models made here rather than loaded: the `new_model` recipe of the bundled default model.
public enum NewModelBuiltins {
    /// Every caption a dataset holds (negatives included), or the strings of a list.
    static func captions(_ args: Arguments, _ name: String) throws -> [String] {
        switch args[name] {
        case .host(let h as DatasetValue):
            switch h.dataset.task {
            case let .training(xs): return xs.flatMap { [$0.caption] + $0.negativeCaptions }
            case let .winoground(xs): return xs.flatMap { [$0.caption0, $0.caption1] }
            case let .imageCoDe(xs): return xs.map(\.caption)
            case let .aro(_, xs): return xs.flatMap(\.captions)
            case let .retrieval(r): return r.captions
            case let .editing(xs): return xs.flatMap { [$0.sourceCaption.text, $0.targetCaption.text] }
            }
        default:
            return try ModelBuiltins.texts(args, name).texts
        }
    }

    public static let builtins: [Builtin] = [
        Builtin("new_model", [.init("vocab_from", .any), .init("seed", .int, default: .number(0)), .init("size", .int, default: .number(32)),
                              .init("max_length", .int, default: .number(32)), .init("merges", .int, default: .number(400)),
                              .init("words", .bool, default: .bool(false)), .init("channels", .optional(.ints), default: .noValue),
                              .init("attention", .optional(.list), default: .noValue)],
                returns: "model",
                doc: "A randomly initialised pixel-space text-to-image model (DefaultModelRecipe: UNet 32/64/64, 2-layer 64-wide CLIP text encoder) with a BPE tokenizer of at most `merges` merges learned from the captions of vocab_from (a dataset or a list of strings); words: true merges until every word is one token. channels (per UNet block, default [32, 64, 64]) and attention (per block, whether it holds cross-attention; default [false, true, true]) reshape the UNet.") { args, _ in
            let size = try args.int("size"), maxLength = try args.int("max_length"), merges = try args.int("merges")
            guard size >= 8, size % 4 == 0 else { throw ArgumentError(parameter: "size", "new_model: size must be a multiple of 4, at least 8; got \(size)") }
            guard maxLength >= 4, maxLength <= 77 else { throw ArgumentError(parameter: "max_length", "new_model: max_length must be in 4...77, got \(maxLength)") }
            guard merges >= 0, merges <= 100_000 else { throw ArgumentError(parameter: "merges", "new_model: merges must be in 0...100000, got \(merges)") }
            var recipe = DefaultModelRecipe(size: size, modelMaxLength: maxLength)
            recipe.tokenizer.merges = merges
            if try args.bool("words") { recipe.tokenizer = BPETrainer(merges: 100_000, minPairCount: 1) }
            if !args.isNone("channels") || !args.isNone("attention") {
                let channels = try args.optionalInts("channels") ?? recipe.unet.blockOutChannels
                let attention = try (try args.optionalList("attention") ?? recipe.unet.downBlockTypes.map { .bool($0.hasPrefix("CrossAttn")) }).map { v -> Bool in
                    guard case .bool(let b) = v else { throw ArgumentError(parameter: "attention", "new_model: attention must be a list of true/false, one per block") }
                    return b
                }
                do { try recipe.setBlocks(channels: channels, attention: attention) } catch {
                    throw ArgumentError(parameter: args.isNone("channels") ? "attention" : "channels", "\(error)")
                }
            }
            return .host(ModelValue(try recipe.build(captions: try captions(args, "vocab_from"), seed: try ModelBuiltins.seed(args))))
        },
        Builtin("copy_model", [.init("m", ModelBuiltins.model)], returns: "model",
                doc: "An independent copy of a model: the same weights (LoRA adapters included) in new parameters, so training the copy leaves m as it was.") { args, _ in
            .host(ModelValue(try ModelBuiltins.pipeline(args).copy()))
        },
    ]
}
