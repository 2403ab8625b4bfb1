import Foundation
import Tensors

/// A loaded Stable Diffusion pipeline: what diffusers' `StableDiffusionPipeline` holds, plus the
/// operations the rest of SoftNeg builds on (text and image encoding, noise prediction, sampling).
/// A pipeline without a VAE works in pixel space: its "latents" are images scaled to [-1, 1].
public struct StableDiffusion: Sendable {
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL?
    /// The scheduler of the checkpoint's `_class_name`, as `StableDiffusionPipeline.from_pretrained`
    /// builds it (a class not implemented here samples with DDIM on its betas, after a notice).
    public let scheduler: any DiffusionScheduler
    /// `scheduler_config.json` as the checkpoint has it: `makeScheduler` reads it as another class.
    public let schedulerConfig: SchedulerConfig
    /// Where the pipeline was loaded from, for messages.
    public let origin: String
    /// What results and tables call this model: the folder's name (`shapes-base`) unless the
    /// folder records one (`_softneg_name` in model_index.json); a fine-tuned copy gets its own
    /// (`shapes-base+noneg`), so two models never share a row by accident.
    public var name: String
    /// Files `save` writes back byte for byte, by path inside the pipeline folder: the tokenizer's
    /// files and the scheduler config as the checkpoint had them (keys this code does not model,
    /// such as PNDM's `skip_prk_steps`, survive a round trip).
    public let verbatimFiles: [String: Data]

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel,
                vae: AutoencoderKL?, scheduler: SchedulerConfig, origin: String, verbatimFiles: [String: Data] = [:]) throws {
        try Self.checkTextWidth(textEncoder.config.hiddenSize, unet: unet, origin: origin)
        if let vae, vae.config.latentChannels != unet.config.inChannels {
            throw DiffusionError.invalidArgument(
                op: "pipeline \(origin)",
                message: "the VAE's latent_channels \(vae.config.latentChannels) does not match the UNet's in_channels \(unet.config.inChannels)")
        }
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.unet = unet
        self.vae = vae
        self.scheduler = try scheduler.scheduler()
        schedulerConfig = scheduler
        self.origin = origin
        self.name = Self.defaultName(origin: origin)
        self.verbatimFiles = verbatimFiles
    }

    /// The last component of a folder or file path, without `.safetensors`: `examples/models/shapes-base/`
    /// gives `shapes-base`.
    public static func defaultName(origin: String) -> String {
        var last = URL(fileURLWithPath: origin).standardizedFileURL.lastPathComponent
        if last.hasSuffix(".safetensors") { last = String(last.dropLast(".safetensors".count)) }
        return last.isEmpty ? origin : last
    }

    /// The UNet attends to the text encoder's states: their widths must agree.
    static func checkTextWidth(_ width: Int, unet: UNet2DConditionModel, origin: String) throws {
        guard unet.config.crossAttentionDim.allSatisfy({ $0 == width }) else {
            throw DiffusionError.invalidArgument(
                op: "pipeline \(origin)",
                message: "the text encoder's hidden_size \(width) does not match the UNet's cross_attention_dim \(unet.config.crossAttentionDim)")
        }
    }

    /// Whether the model denoises images directly (no VAE).
    public var isPixelSpace: Bool { vae == nil }

    /// How much smaller latents are than images: 2^(VAE blocks - 1), 1 in pixel space.
    public var vaeScaleFactor: Int { vae.map { 1 << max($0.config.blockOutChannels.count - 1, 0) } ?? 1 }

    // MARK: - Text

    /// Token ids [B, L], padded and truncated to the tokenizer's `model_max_length` as the pipeline does.
    public func tokenize(_ texts: [String]) throws -> [[Int]] {
        try tokenizer(texts)
    }

    /// The text encoder's last_hidden_state [B, L, D] for each text: the UNet's conditioning.
    public func encodeText(_ texts: [String]) throws -> Tensor {
        guard !texts.isEmpty else {
            throw DiffusionError.invalidArgument(op: "encode_text", message: "no text to encode")
        }
        return try textEncoder(tokenize(texts))
    }

    // MARK: - Images and latents

    /// Images [B, 3, H, W] in [0, 1] -> what the UNet denoises: the VAE posterior's mean (or a sample
    /// drawn with `seed`) times `scaling_factor`; in pixel space the image mapped to [-1, 1].
    public func encodeImage(_ image: Tensor, sample: Bool = false, seed: UInt64 = 0) throws -> Tensor {
        try encodeImage(image, posterior: sample ? { try $0.sample(noise: Tensor.randn($0.mean.shape, seed: seed)) } : nil)
    }

    /// The same with `posterior` choosing the latents from the VAE posterior (nil: its mean).
    func encodeImage(_ image: Tensor, posterior choose: ((DiagonalGaussian) throws -> Tensor)?) throws -> Tensor {
        let channels = vae?.config.inChannels ?? unet.config.inChannels
        guard image.rank == 4, image.shape[1] == channels else {
            throw DiffusionError.shapeMismatch(op: "encode_image (images [B, \(channels), H, W] in [0, 1])",
                                               expected: [image.shape.first ?? 1, channels] + Array(image.shape.dropFirst(2).prefix(2)),
                                               found: image.shape)
        }
        let scaled = 2 * image - 1
        guard let vae else { return scaled }
        let posterior = try vae.encode(scaled)
        let latents = try choose?(posterior) ?? posterior.mean
        return latents * Float(vae.config.scalingFactor)
    }

    /// Latents -> images [B, 3, H, W] in [0, 1]: vae.decode(z / scaling_factor) (or z itself in pixel
    /// space), then (x / 2 + 0.5) clamped to [0, 1] as diffusers' image processor does.
    public func decodeLatents(_ latents: Tensor) throws -> Tensor {
        let decoded = try vae.map { try $0.decode(latents * (1 / Float($0.config.scalingFactor))) } ?? latents
        guard decoded.rank == 4 else {
            throw DiffusionError.invalidArgument(op: "decode_latents", message: "expected latents [B, C, h, w], got \(formatShape(latents.shape))")
        }
        return (decoded * 0.5 + 0.5).clamped(0, 1)
    }

    // MARK: - Denoising

    /// The UNet's noise (or v) prediction for x_t [B, C, h, w] at `timesteps` (one, or one per row)
    /// under the text conditioning `context` [B, L, D].
    public func noisePrediction(_ x: Tensor, timesteps: [Int], context: Tensor) throws -> Tensor {
        try noisePrediction(x, timesteps: timesteps.map(Float.init), context: context)
    }

    /// The same at timesteps that may be fractional (Euler's and LMS's are): the UNet embeds t as a float.
    public func noisePrediction(_ x: Tensor, timesteps: [Float], context: Tensor) throws -> Tensor {
        try unet(x, timestep: try Tensor(shape: [timesteps.count], scalars: timesteps), encoderHiddenStates: context)
    }

    /// The pipeline's own scheduler (nil), or the `kind` built from the checkpoint's scheduler
    /// config as diffusers' `Kind.from_config(pipe.scheduler.config)` builds it.
    public func makeScheduler(_ kind: SchedulerKind?) throws -> any DiffusionScheduler {
        guard let kind else { return scheduler }
        return try schedulerConfig.scheduler(kind)
    }
}

// MARK: - Checkpoints

extension StableDiffusion {
    /// Loads a diffusers pipeline folder (`model_index.json` with `unet/`, `text_encoder/`,
    /// `tokenizer/`, `scheduler/` and an optional `vae/`), or an original single-file `.safetensors`
    /// checkpoint whose tokenizer and scheduler (and, when present, configs) come from the pipeline
    /// folder `config`. `variant` ("fp16") picks weight files of that precision variant; every weight
    /// is converted to Float32.
    public static func load(from path: String, variant: String? = nil, config: String? = nil) throws -> StableDiffusion {
        if path.hasSuffix(".safetensors") { return try loadSingleFile(path, config: config) }
        let root = URL(fileURLWithPath: path)
        let index = try PipelineIndex(root.appendingPathComponent("model_index.json"))
        let unet = try UNet2DConditionModel.load(from: path, variant: variant)
        let vae = index.has("vae") ? try AutoencoderKL.load(from: path, variant: variant) : nil
        let textFolder = try ComponentFiles.componentFolder(path, component: "text_encoder")
        let textConfig = try ComponentFiles.config(CLIPTextConfig.self, in: textFolder)
        let textWeights = WeightStore(try ComponentFiles.weights(in: textFolder, variant: variant), origin: textFolder.path)
        var pipeline = try assemble(root: root, unet: unet, vae: vae, textConfig: textConfig, textWeights: textWeights, origin: path)
        if let name = index.name { pipeline.name = name }
        return pipeline
    }

    static func loadSingleFile(_ path: String, config: String?) throws -> StableDiffusion {
        guard let config else {
            throw DiffusionError.invalidArgument(
                op: "load \(path)",
                message: "a single-file checkpoint holds no tokenizer or scheduler: give config: a diffusers pipeline folder of the same model family")
        }
        let root = URL(fileURLWithPath: config)
        _ = try PipelineIndex(root.appendingPathComponent("model_index.json"))
        let single = try SingleFileCheckpoint.load(path, configFolder: config)
        guard let json = single.textEncoderConfigJSON else {
            throw DiffusionError.file(path: path, message: "no text encoder weights (cond_stage_model.*)")
        }
        let textConfig: CLIPTextConfig
        do { textConfig = try JSONDecoder().decode(CLIPTextConfig.self, from: json) } catch {
            throw DiffusionError.file(path: path, message: "text encoder config: \(error)")
        }
        return try assemble(root: root, unet: single.unet, vae: single.vae, textConfig: textConfig,
                            textWeights: WeightStore(single.textEncoderWeights, origin: "\(path) (cond_stage_model)"), origin: path)
    }

    /// The text encoder from its weights, the tokenizer and scheduler from the pipeline folder `root`.
    static func assemble(root: URL, unet: UNet2DConditionModel, vae: AutoencoderKL?, textConfig: CLIPTextConfig,
                         textWeights: WeightStore, origin: String) throws -> StableDiffusion {
        try checkTextWidth(textConfig.hiddenSize, unet: unet, origin: origin)
        let textEncoder = try CLIPTextModel(textWeights, config: textConfig)
        try textWeights.checkAllUsed()
        let tokenizerFolder = root.appendingPathComponent("tokenizer")
        let tokenizer = try CLIPTokenizer(folder: tokenizerFolder)
        let schedulerFile = root.appendingPathComponent("scheduler/scheduler_config.json")
        let scheduler = try SchedulerConfig.load(schedulerFile)

        var verbatim: [String: Data] = [:]
        verbatim["scheduler/scheduler_config.json"] = try? Data(contentsOf: schedulerFile)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tokenizerFolder.path)) ?? []
        for name in names.sorted() where !name.hasPrefix(".") {
            let file = tokenizerFolder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            verbatim["tokenizer/\(name)"] = try Data(contentsOf: file)
        }
        return try StableDiffusion(tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, vae: vae,
                                   scheduler: scheduler, origin: origin, verbatimFiles: verbatim)
    }

    /// Writes a diffusers pipeline folder that `StableDiffusionPipeline.from_pretrained` loads (for
    /// a pixel-space model, `UNet2DConditionModel.from_pretrained` on its `unet/`). Weights are F32;
    /// the folder appears only once complete, replacing any folder at `path`.
    public func save(to path: String) throws {
        guard verbatimFiles.keys.contains(where: { $0.hasPrefix("tokenizer/") }) else {
            throw DiffusionError.invalidArgument(op: "save", message: "this pipeline has no tokenizer files to write")
        }
        try CheckpointSaver.writeFolderAtomically(URL(fileURLWithPath: path)) { folder in
            let fm = FileManager.default
            func sub(_ name: String) throws -> URL {
                let url = folder.appendingPathComponent(name)
                try fm.createDirectory(at: url, withIntermediateDirectories: true)
                return url
            }
            try CheckpointSaver.writeComponent(config: unet.config, weights: unet.weights, into: sub("unet"))
            if let vae { try CheckpointSaver.writeComponent(config: vae.config, weights: vae.weights, into: sub("vae")) }
            try textEncoder.save(into: sub("text_encoder"))
            _ = try sub("tokenizer")
            _ = try sub("scheduler")
            var files = verbatimFiles
            if files["scheduler/scheduler_config.json"] == nil {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                files["scheduler/scheduler_config.json"] = try encoder.encode(schedulerConfig)
            }
            files["model_index.json"] = try PipelineIndex.json(schedulerClass: schedulerConfig.className, hasVAE: vae != nil, name: name)
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                try AtomicFile.write([UInt8](data), to: folder.appendingPathComponent(name).path)
            }
        }
    }
}

/// A pipeline's `model_index.json`: which components it has, by name -> [library, class].
struct PipelineIndex {
    let components: [String: [String]]
    /// The model's name as SoftNeg saved it; diffusers ignores keys that start with "_".
    let name: String?
    static let nameKey = "_softneg_name"

    init(_ url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DiffusionError.file(path: url.deletingLastPathComponent().path,
                                      message: "not a diffusers pipeline folder (cannot read model_index.json)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DiffusionError.file(path: url.path, message: "not a JSON object")
        }
        var components: [String: [String]] = [:]
        for (key, value) in object where !key.hasPrefix("_") {
            // [null, null] marks a component the pipeline goes without (e.g. the safety checker).
            if let pair = value as? [Any], pair.count == 2, let library = pair[0] as? String, let cls = pair[1] as? String {
                components[key] = [library, cls]
            }
        }
        for required in ["unet", "text_encoder", "tokenizer", "scheduler"] where components[required] == nil {
            throw DiffusionError.file(path: url.path, message: "names no '\(required)' component")
        }
        self.components = components
        let name = (object[Self.nameKey] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.name = name?.isEmpty == false ? name : nil
    }

    func has(_ component: String) -> Bool { components[component] != nil }

    /// The index diffusers writes for a Stable Diffusion pipeline without safety checker.
    static func json(schedulerClass: String, hasVAE: Bool, name: String) throws -> Data {
        var index: [String: Any] = [
            nameKey: name,
            "_class_name": "StableDiffusionPipeline",
            "_diffusers_version": "0.42.1",
            "feature_extractor": [NSNull(), NSNull()],
            "requires_safety_checker": false,
            "safety_checker": [NSNull(), NSNull()],
            "scheduler": ["diffusers", schedulerClass],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "unet": ["diffusers", "UNet2DConditionModel"],
        ]
        if hasVAE { index["vae"] = ["diffusers", "AutoencoderKL"] }
        return try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
    }
}
