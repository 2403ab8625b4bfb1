import Foundation
import Tensors

extension StableDiffusion {
    /// A randomly initialised pipeline, to train from scratch: every weight drawn as PyTorch's
    /// default initialisation would (`WeightStore(freshWithSeed:)`), each component from its own
    /// seed derived from `seed`, so the same arguments always give the same model.
    ///
    /// - tokenizerFiles: a CLIP tokenizer folder's files by name (vocab.json, merges.txt and the
    ///   two JSON settings files, e.g. from `BPEVocabulary.files`); kept byte for byte so `save`
    ///   writes them under `tokenizer/`.
    /// - textEncoder: its `vocab_size` must be the tokenizer's vocabulary size, its `eos_token_id`
    ///   the tokenizer's EOS (transformers pools the text at that token) and its positions must
    ///   cover the tokenizer's `model_max_length`.
    public static func fresh(unet: UNetConfig, textEncoder: CLIPTextConfig, tokenizerFiles: [String: Data],
                             scheduler: SchedulerConfig, vae: VAEConfig? = nil, seed: UInt64) throws -> StableDiffusion {
        let origin = "fresh model (seed \(seed))"
        let tokenizer = try loadTokenizer(tokenizerFiles, origin: origin)
        try checkTokenizer(tokenizer, fits: textEncoder, origin: origin)
        try scheduler.validate(path: "\(origin) scheduler")

        let unetModel = try UNet2DConditionModel(
            config: unet, weights: WeightStore(freshWithSeed: componentSeed(seed, .unet), origin: "\(origin) unet"))
        let textWeights = WeightStore(freshWithSeed: componentSeed(seed, .textEncoder), origin: "\(origin) text_encoder")
        let textModel = try CLIPTextModel(textWeights, config: textEncoder)
        let vaeModel = try vae.map {
            try AutoencoderKL(config: $0, weights: WeightStore(freshWithSeed: componentSeed(seed, .vae), origin: "\(origin) vae"))
        }
        var verbatim: [String: Data] = [:]
        for (name, data) in tokenizerFiles { verbatim["tokenizer/\(name)"] = data }
        return try StableDiffusion(tokenizer: tokenizer, textEncoder: textModel, unet: unetModel, vae: vaeModel,
                                   scheduler: scheduler, origin: origin, verbatimFiles: verbatim)
    }

    enum Component: UInt64 { case unet = 1, textEncoder = 2, vae = 3 }

    /// SplitMix64's finaliser over (seed, component): unrelated streams for the components of one
    /// seed, and for one component across nearby seeds.
    static func componentSeed(_ seed: UInt64, _ component: Component) -> UInt64 {
        var z = seed &+ component.rawValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The tokenizer as `CLIPTokenizer(folder:)` reads it, from the files staged in a temporary folder.
    static func loadTokenizer(_ files: [String: Data], origin: String) throws -> CLIPTokenizer {
        for required in ["vocab.json", "merges.txt"] where files[required] == nil {
            throw DiffusionError.invalidArgument(op: origin, message: "the tokenizer files have no \(required) (given: \(files.keys.sorted().joined(separator: ", ")))")
        }
        for name in files.keys where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw DiffusionError.invalidArgument(op: origin, message: "tokenizer file name '\(name)' must be a plain file name")
        }
        let fm = FileManager.default
        let folder = fm.temporaryDirectory.appendingPathComponent("softneg-tokenizer-\(UUID().uuidString)")
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw DiffusionError.file(path: folder.path, message: "cannot stage the tokenizer files: \(error.localizedDescription)")
        }
        defer { try? fm.removeItem(at: folder) }
        for (name, data) in files {
            try AtomicFile.write([UInt8](data), to: folder.appendingPathComponent(name).path)
        }
        return try CLIPTokenizer(folder: folder)
    }

    static func checkTokenizer(_ tokenizer: CLIPTokenizer, fits config: CLIPTextConfig, origin: String) throws {
        guard config.vocabSize == tokenizer.vocabularySize else {
            throw DiffusionError.invalidArgument(
                op: origin, message: "the text encoder's vocab_size \(config.vocabSize) is not the tokenizer's vocabulary size \(tokenizer.vocabularySize)")
        }
        guard config.eosTokenId == tokenizer.eosTokenID else {
            throw DiffusionError.invalidArgument(
                op: origin, message: "the text encoder's eos_token_id \(config.eosTokenId) is not the tokenizer's EOS id \(tokenizer.eosTokenID)")
        }
        guard config.maxPositionEmbeddings >= tokenizer.modelMaxLength else {
            throw DiffusionError.invalidArgument(
                op: origin, message: "the text encoder has \(config.maxPositionEmbeddings) positions (max_position_embeddings) but the tokenizer pads to \(tokenizer.modelMaxLength) (model_max_length)")
        }
    }
}

/// What SoftNeg's bundled default model is made of: a CLIP-BPE tokenizer learned from the training
/// captions, a small CLIP text encoder and a pixel-space UNet.
///
/// - UNet: 32x32 RGB in and out, channels 32/64/64 with one resnet per block, attention at 16x16
///   and 8x8 (DownBlock2D + CrossAttnDownBlock2D x2, mirrored on the way up) and in the mid
///   block, 4 heads, text width 64: 1.69M parameters (attention at 32x32 and 16x16 instead would
///   give 1.5M, but attention at full resolution costs the most time per parameter). 8 normalisation groups: the default 32 would normalise each of the first block's
///   32 channels alone, discarding the per-channel means that carry colour in pixel space.
/// - Text encoder: 2 pre-LN layers, width 64, 4 heads, MLP 256, 32 positions (ShapesWorld's
///   longest caption is 16 tokens with BOS and EOS), quick-GELU as SD-1.x.
/// - Scheduler: DDPM's linear betas 1e-4 to 0.02 over 1000 steps, the schedule DDPM trains
///   32x32 pixel models with: by t = 999 only sqrt(alpha_bar) = 0.006 of the image is left, so
///   sampling from pure noise matches training. SD's scaled_linear is tuned for VAE latents and
///   leaves 0.068 of the signal at t = 999, which in pixel space is a visible colour cast that
///   sampling from noise never reproduces. x0 clipped to [-1, 1] when sampling, as pixels are.
public struct DefaultModelRecipe: Codable, Sendable, Equatable {
    public var tokenizer = BPETrainer(merges: 400, minPairCount: 2)
    /// The tokenizer's model_max_length (the text encoder needs at least as many positions).
    public var modelMaxLength: Int
    /// Its vocabulary size and special token ids are set from the learned tokenizer; its
    /// hidden_size must be the UNet's cross_attention_dim.
    public var textEncoder: CLIPTextConfig
    public var unet: UNetConfig
    public var scheduler: SchedulerConfig

    public init(size: Int = 32, modelMaxLength: Int = 32) {
        self.modelMaxLength = modelMaxLength
        var text = CLIPTextConfig()
        text.hiddenSize = 64
        text.intermediateSize = 256
        text.numHiddenLayers = 2
        text.numAttentionHeads = 4
        text.maxPositionEmbeddings = modelMaxLength
        textEncoder = text

        var u = UNetConfig()
        u.sampleSize = [size]
        u.inChannels = 3
        u.outChannels = 3
        // Attention at 16x16 and 8x8 only: self-attention over the 1024 pixels of the full
        // resolution would cost more than the rest of the UNet for little gain in 32x32 scenes.
        u.downBlockTypes = ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]
        u.upBlockTypes = ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"]
        u.blockOutChannels = [32, 64, 64]
        u.layersPerBlock = [1, 1, 1]
        u.onlyCrossAttention = [false, false, false]
        u.crossAttentionDim = [64, 64, 64]
        u.transformerLayersPerBlock = [1, 1, 1]
        u.attentionHeadDim = [4, 4, 4]
        u.normNumGroups = 8
        unet = u

        var s = SchedulerConfig()
        s.className = "DDPMScheduler"
        s.betaSchedule = .linear
        s.betaStart = 0.0001
        s.betaEnd = 0.02
        s.numTrainTimesteps = 1000
        s.clipSample = true
        s.predictionType = .epsilon
        scheduler = s
    }

    enum CodingKeys: String, CodingKey {
        case tokenizer, modelMaxLength = "model_max_length", textEncoder = "text_encoder", unet, scheduler
    }

    /// Sets the UNet's channels per block and which blocks (from the full resolution down) hold
    /// cross-attention; the up blocks mirror the down blocks, as in SD.
    public mutating func setBlocks(channels: [Int], attention: [Bool]) throws {
        guard !channels.isEmpty, channels.count == attention.count else {
            throw DiffusionError.invalidArgument(op: "new_model", message: "channels and attention need one entry per block, got \(channels.count) and \(attention.count)")
        }
        let groups = unet.normNumGroups ?? 1
        guard channels.allSatisfy({ $0 > 0 && $0 % groups == 0 }) else {
            throw DiffusionError.invalidArgument(op: "new_model", message: "channels must be positive multiples of \(groups) (the normalisation groups), got \(channels)")
        }
        let n = channels.count
        unet.blockOutChannels = channels
        unet.downBlockTypes = attention.map { $0 ? "CrossAttnDownBlock2D" : "DownBlock2D" }
        unet.upBlockTypes = attention.reversed().map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }
        unet.layersPerBlock = Array(repeating: unet.layersPerBlock.first ?? 1, count: n)
        unet.onlyCrossAttention = Array(repeating: false, count: n)
        unet.crossAttentionDim = Array(repeating: textEncoder.hiddenSize, count: n)
        unet.transformerLayersPerBlock = Array(repeating: 1, count: n)
        unet.attentionHeadDim = Array(repeating: unet.attentionHeadDim.first ?? 4, count: n)
    }

    /// Learns the tokenizer from `captions` and builds the randomly initialised pipeline.
    public func build(captions: [String], seed: UInt64) throws -> StableDiffusion {
        let vocabulary = try tokenizer.train(captions)
        var text = textEncoder
        text.vocabSize = vocabulary.size
        text.bosTokenId = vocabulary.startOfTextID
        text.eosTokenId = vocabulary.endOfTextID
        text.padTokenId = vocabulary.endOfTextID
        return try StableDiffusion.fresh(unet: unet, textEncoder: text, tokenizerFiles: vocabulary.files(modelMaxLength: modelMaxLength),
                                         scheduler: scheduler, seed: seed)
    }
}
