import Diffusion
import Foundation
import Tensors
import Training

/// A loaded Stable Diffusion pipeline as a language value: `m = load(path)`, then
/// `m.unet m.text_encoder m.vae m.tokenizer m.scheduler m.config` describe its parts.
/// Other builtins (scoring, training) reach the pipeline through `pipeline`.
public final class ModelValue: HostValue {
    public var pipeline: StableDiffusion
    /// What `finetune` recorded while making this model (empty for a loaded one).
    public var trainingLog: [TrainingRecord] = []

    public init(_ pipeline: StableDiffusion, trainingLog: [TrainingRecord] = []) {
        self.pipeline = pipeline
        self.trainingLog = trainingLog
    }

    public var typeName: String { "model" }
    public var memberNames: [String] { ["name", "unet", "text_encoder", "vae", "tokenizer", "scheduler", "config", "log"] }

    public func member(_ name: String) throws -> Value? {
        let p = pipeline
        switch name {
        case "name":
            return .string(p.name)
        case "unet":
            return .record(Record([("type", .string("UNet2DConditionModel")),
                                   ("parameters", .number(Double(Self.count(p.unet.weights.parameters)))),
                                   ("config", try Self.record(p.unet.config))]))
        case "text_encoder":
            return .record(Record([("type", .string("CLIPTextModel")),
                                   ("parameters", .number(Double(Self.count(p.textEncoder.parameters)))),
                                   ("config", try Self.record(p.textEncoder.config))]))
        case "vae":
            guard let vae = p.vae else { return Value.none }
            return .record(Record([("type", .string("AutoencoderKL")),
                                   ("parameters", .number(Double(Self.count(vae.weights.parameters)))),
                                   ("config", try Self.record(vae.config))]))
        case "tokenizer":
            let t = p.tokenizer
            return .record(Record([("type", .string("CLIPTokenizer")), ("vocab_size", .number(Double(t.vocabularySize))),
                                   ("model_max_length", .number(Double(t.modelMaxLength))),
                                   ("bos_token_id", .number(Double(t.bosTokenID))), ("eos_token_id", .number(Double(t.eosTokenID))),
                                   ("pad_token_id", .number(Double(t.padTokenID)))]))
        case "scheduler":
            // `type` is the class that samples (DDIM in place of a class not implemented), `class` what the checkpoint names.
            return .record(Record([("type", .string(p.scheduler.config.className)), ("class", .string(p.schedulerConfig.className)),
                                   ("config", try Self.record(p.scheduler.config))]))
        case "log":
            // One tensor per logged quantity, indexed by step: ready to plot.
            let log = trainingLog
            return .record(Record([
                ("step", .tensor(Tensor(log.map { Float($0.step) }))),
                ("loss", .tensor(Tensor(log.map(\.loss)))),
                ("error", .tensor(Tensor(log.map(\.positiveError)))),
                ("comparison_error", .tensor(Tensor(log.map { $0.comparisonError ?? .nan }))),
                ("lr", .tensor(Tensor(log.map(\.learningRate)))),
                ("grad_norm", .tensor(Tensor(log.map(\.gradientNorm)))),
            ]))
        case "config":
            return .record(Record([("path", .string(p.origin)), ("pixel_space", .bool(p.isPixelSpace)),
                                   ("unet", try Self.record(p.unet.config)),
                                   ("text_encoder", try Self.record(p.textEncoder.config)),
                                   ("vae", try p.vae.map { try Self.record($0.config) } ?? Value.none),
                                   ("scheduler", try Self.record(p.scheduler.config))]))
        default:
            return nil
        }
    }

    public var description: String {
        let p = pipeline
        let total = Self.count(p.unet.weights.parameters) + Self.count(p.textEncoder.parameters)
            + (p.vae.map { Self.count($0.weights.parameters) } ?? 0)
        let space = p.isPixelSpace ? "pixel space" : "latents /\(p.vaeScaleFactor)"
        // The name is what results and tables will call it; the path says where it came from.
        let label = StableDiffusion.defaultName(origin: p.origin) == p.name ? p.origin : "\(p.name) (from \(p.origin))"
        return "<model \(label): \(Self.millions(total)) parameters, \(space), text width \(p.textEncoder.config.hiddenSize), "
            + "scheduler \(p.schedulerConfig.className)>"
    }

    static func count(_ parameters: [String: Parameter]) -> Int { parameters.values.reduce(0) { $0 + $1.value.count } }

    static func millions(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fk", Double(n) / 1e3) : "\(n)"
    }

    /// A config as a record, under the key names of its JSON file.
    static func record<T: Encodable>(_ config: T) throws -> Value {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config)).value
    }
}

/// JSON as language values: objects become records (keys sorted), null becomes none.
private enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var value: Value {
        switch self {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .array(let a): return .list(a.map(\.value))
        case .object(let o): return .record(Record(o.keys.sorted().map { ($0, o[$0]?.value ?? .none) }))
        }
    }
}

/// Loading, saving and running diffusion models: the `models` area of the builtins.
public enum ModelBuiltins {
    static let model = ValueType.host("model")
    static let text = ValueType.oneOf([.string, .list])

    static func pipeline(_ args: Arguments) throws -> StableDiffusion {
        guard case .host(let h) = args["m"], let m = h as? ModelValue else {
            throw ArgumentError(parameter: "m", "\(args.builtin): 'm' must be a model (from load)")
        }
        return m.pipeline
    }

    /// A string or a list of strings; `single` tells which, so results keep the caller's shape.
    static func texts(_ args: Arguments, _ name: String) throws -> (texts: [String], single: Bool) {
        if case .string(let s) = args[name] { return ([s], true) }
        let items = try args.list(name)
        guard !items.isEmpty else { throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' is an empty list") }
        return (try items.enumerated().map { i, v in
            guard case .string(let s) = v else {
                throw ArgumentError(parameter: name, "\(args.builtin): element \(i) of '\(name)' must be a string, got \(v.typeName)")
            }
            return s
        }, false)
    }

    static func seed(_ args: Arguments) throws -> UInt64 {
        let s = try args.int("seed")
        guard s >= 0 else { throw ArgumentError(parameter: "seed", "\(args.builtin): seed must be 0 or more, got \(s)") }
        return UInt64(s)
    }

    /// A batch of images or latents [B,C,H,W]; a single [C,H,W] gets a batch axis.
    static func batched(_ args: Arguments, _ name: String) throws -> Tensor {
        let t = try args.tensor(name)
        switch t.rank {
        case 4: return t
        case 3: return try t.unsqueezed(0)
        default:
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must have shape [B,C,H,W] or [C,H,W], got \(formatShape(t.shape))")
        }
    }

    /// Timesteps as whole numbers: one number, or one per batch row.
    static func timesteps(_ args: Arguments, _ name: String, range: Int) throws -> [Int] {
        let t = try args.tensor(name)
        guard t.rank <= 1, t.count > 0 else {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)' must be a number or a list of numbers, got shape \(formatShape(t.shape))")
        }
        return try t.scalars.map { x in
            guard x == x.rounded(), x >= 0, x < Float(range) else {
                throw ArgumentError(parameter: name, "\(args.builtin): timesteps are whole numbers in 0..<\(range), got \(Convert.number(x))")
            }
            return Int(x)
        }
    }

    static func steps(_ args: Arguments, _ p: StableDiffusion) throws -> Int {
        let n = try args.int("steps"), limit = p.scheduler.config.numTrainTimesteps
        guard n >= 1, n <= limit else {
            throw ArgumentError(parameter: "steps", "\(args.builtin): steps must be in 1...\(limit), got \(n)")
        }
        return n
    }

    /// A progress line for a sampling run (sized by its first report: PNDM takes one step more than
    /// asked) that also lets Ctrl-C stop between steps.
    static func progress(_ label: String) -> (GenerationProgress) throws -> Void {
        var meter: ProgressMeter?
        return { progress in
            let m = meter ?? ProgressMeter(label, total: progress.total)
            meter = m
            m.update(progress.step)
            try Interrupt.check()
        }
    }

    static let schedulerNames = SchedulerKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " | ")

    /// A string argument naming one case of a choice enum, or nil when none; anything else is an
    /// error that lists the choices and suggests the nearest.
    static func choice<C: CaseIterable & RawRepresentable>(_ args: Arguments, _ name: String, _: C.Type) throws -> C? where C.RawValue == String {
        guard let s = try args.optionalString(name) else { return nil }
        guard let c = C(rawValue: s) else {
            let names = C.allCases.map(\.rawValue)
            throw ArgumentError(parameter: name, "\(args.builtin): \(name) must be one of \(names.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(s)\""
                + Suggestions.hint(for: s, among: names))
        }
        return c
    }

    public static let builtins: [Builtin] = [
        Builtin("load", [.init("path", .string), .init("variant", .optional(.string), default: .noValue),
                         .init("config", .optional(.string), default: .noValue), .init("lora", .optional(.string), default: .noValue)], returns: "model",
                doc: "Loads a diffusers folder (model_index.json); a single-file .safetensors checkpoint needs config: a diffusers folder for its tokenizer and scheduler. lora: a LoRA file in diffusers' layout (pytorch_lora_weights.safetensors), fused into the UNet.") { args, ctx in
            let path = ctx.interpreter.resolvePath(try args.string("path"))
            let config = try args.optionalString("config").map { ctx.interpreter.resolvePath($0) }
            let variant = try args.optionalString("variant")
            let model: StableDiffusion
            if let lora = try args.optionalString("lora") {
                model = try StableDiffusion.load(from: path, variant: variant, config: config, lora: ctx.interpreter.resolvePath(lora))
            } else {
                model = try StableDiffusion.load(from: path, variant: variant, config: config)
            }
            return .host(ModelValue(model))
        },
        Builtin("save", [.init("m", model), .init("path", .string)],
                doc: "Writes the model as a diffusers folder (F32 safetensors) that diffusers' from_pretrained loads; the folder appears only once complete.") { args, ctx in
            try pipeline(args).save(to: ctx.interpreter.resolvePath(try args.string("path")))
            return .none
        },
        Builtin("tokenize", [.init("m", model), .init("text", text)], returns: "tensor",
                doc: "Token ids, padded and truncated to the tokenizer's model_max_length as transformers does: [L] for a text, [B,L] for a list.") { args, _ in
            let (texts, single) = try texts(args, "text")
            let ids = try pipeline(args).tokenize(texts)
            let flat = ids.flatMap { $0 }.map(Float.init)
            let length = ids.first?.count ?? 0
            return .tensor(try Tensor(shape: single ? [length] : [ids.count, length], scalars: flat))
        },
        Builtin("encode_text", [.init("m", model), .init("text", text)], returns: "tensor",
                doc: "The text encoder's last_hidden_state after the final layer norm: [1,L,D] for a text, [B,L,D] for a list.") { args, _ in
            let (texts, _) = try texts(args, "text")
            let p = try pipeline(args)
            return .tensor(try noGrad { try p.encodeText(texts) })
        },
        Builtin("encode_image", [.init("m", model), .init("img", .tensor), .init("sample", .bool, default: .bool(false)),
                                 .init("seed", .int, default: .number(0))], returns: "tensor",
                doc: "Images [B,3,H,W] in [0,1] to latents: the VAE posterior mean (or a seeded sample) times scaling_factor; pixel models: 2*img-1.") { args, _ in
            let p = try pipeline(args)
            let img = try batched(args, "img")
            let sample = try args.bool("sample"), seed = try seed(args)
            return .tensor(try noGrad { try p.encodeImage(img, sample: sample, seed: seed) })
        },
        Builtin("decode_latents", [.init("m", model), .init("z", .tensor)], returns: "tensor",
                doc: "Latents to images [B,3,H,W] in [0,1]: vae.decode(z / scaling_factor), then (x/2 + 0.5) clamped; pixel models map z the same way.") { args, _ in
            let p = try pipeline(args)
            let z = try batched(args, "z")
            return .tensor(try noGrad { try p.decodeLatents(z) })
        },
        Builtin("unet", [.init("m", model), .init("x", .tensor), .init("t", .tensor), .init("ctx", .tensor)], returns: "tensor",
                doc: "The UNet's noise prediction for x [B,C,h,w] at timestep t (a number or [B]) under text states ctx [B,L,D] (a batch of 1 is shared).") { args, _ in
            let p = try pipeline(args)
            let x = try batched(args, "x")
            let t = try args.tensor("t")
            guard t.rank <= 1, t.count == 1 || t.count == x.shape[0] else {
                throw ArgumentError(parameter: "t", "unet: t must be one timestep or one per row of x (\(x.shape[0])), got shape \(formatShape(t.shape))")
            }
            var ctx = try args.tensor("ctx")
            if ctx.rank == 2 { ctx = try ctx.unsqueezed(0) }
            guard ctx.rank == 3 else {
                throw ArgumentError(parameter: "ctx", "unet: ctx must have shape [B,L,D], got \(formatShape(ctx.shape))")
            }
            if ctx.shape[0] == 1 && x.shape[0] > 1 { ctx = try ctx.broadcast(to: [x.shape[0]] + Array(ctx.shape.dropFirst())) }
            let timesteps = try t.reshaped([t.count])
            let context = ctx
            return .tensor(try noGrad { try p.unet(x, timestep: timesteps, encoderHiddenStates: context) })
        },
        Builtin("add_noise", [.init("m", model), .init("x0", .tensor), .init("noise", .tensor), .init("t", .tensor)], returns: "tensor",
                doc: "The forward process sqrt(abar_t) x0 + sqrt(1 - abar_t) noise, with t one timestep or one per row of x0.") { args, _ in
            let p = try pipeline(args)
            let t = try timesteps(args, "t", range: p.scheduler.config.numTrainTimesteps)
            return .tensor(try p.scheduler.addNoise(try args.tensor("x0"), noise: try args.tensor("noise"), timesteps: t))
        },
        Builtin("timesteps", [.init("m", model), .init("steps", .int), .init("scheduler", .optional(.string), default: .noValue)], returns: "tensor",
                doc: "The timesteps a scheduler calls the UNet at for that many steps, in order (its timestep_spacing and steps_offset; PNDM repeats one, Euler's may be fractional); scheduler: \(schedulerNames) (default: the checkpoint's class).") { args, _ in
            let p = try pipeline(args)
            let scheduler = try p.makeScheduler(try choice(args, "scheduler", SchedulerKind.self))
            return .tensor(Tensor(try scheduler.timesteps(steps: try steps(args, p))))
        },
        Builtin("step", [.init("m", model), .init("eps", .tensor), .init("t", .int), .init("x", .tensor),
                         .init("steps", .int, default: .number(50))], returns: "tensor",
                doc: "One DDIM step (eta 0) from x_t to x_prev, where prev = t - num_train_timesteps / steps; eps is the UNet's prediction.") { args, _ in
            let p = try pipeline(args)
            let t = try timesteps(args, "t", range: p.scheduler.config.numTrainTimesteps)[0]
            return .tensor(try DDIMScheduler(p.schedulerConfig).step(try args.tensor("eps"), timestep: t, sample: try args.tensor("x"),
                                                                     steps: try steps(args, p)).prevSample)
        },
        Builtin("generate", [.init("m", model), .init("prompt", text), .init("steps", .int, default: .number(50)),
                             .init("guidance", .number, default: .number(7.5)), .init("seed", .int, default: .number(0)),
                             .init("latents", .optional(.tensor), default: .noValue), .init("negative", text, default: .string("")),
                             .init("height", .optional(.int), default: .noValue), .init("width", .optional(.int), default: .noValue),
                             .init("scheduler", .optional(.string), default: .noValue)],
                returns: "tensor",
                doc: "Text to image [B,3,H,W] in [0,1] with classifier-free guidance, as diffusers' StableDiffusionPipeline; scheduler: \(schedulerNames) (default: the checkpoint's class); Ctrl-C stops between steps.") { args, _ in
            let p = try pipeline(args)
            let (prompts, _) = try texts(args, "prompt")
            let (negative, _) = try texts(args, "negative")
            let n = try steps(args, p)
            let latents = args.isNone("latents") ? nil : try batched(args, "latents")
            let image = try p.generate(prompts, steps: n, guidance: Float(try args.number("guidance")), seed: try seed(args),
                                       latents: latents, negative: negative,
                                       height: try args.optionalInt("height"), width: try args.optionalInt("width"),
                                       scheduler: try choice(args, "scheduler", SchedulerKind.self), progress: progress("generate"))
            return .tensor(image)
        },
        Builtin("edit", [.init("m", model), .init("img", .optional(.tensor)), .init("prompt", text),
                         .init("strength", .number, default: .number(0.6)), .init("steps", .int, default: .number(50)),
                         .init("guidance", .number, default: .number(7.5)), .init("seed", .int, default: .number(0)),
                         .init("negative", text, default: .string("")), .init("scheduler", .optional(.string), default: .noValue),
                         .init("noise", .optional(.tensor), default: .noValue), .init("latents", .optional(.tensor), default: .noValue)],
                returns: "tensor",
                doc: "SDEdit as diffusers' StableDiffusionImg2ImgPipeline: img [B,3,H,W] in [0,1] encoded (a seeded VAE posterior sample), noised to strength (0,1] of the schedule, then denoised with the prompt and guidance. noise: the added noise [B,C,h,w]; latents: the image already encoded (img none); scheduler: \(schedulerNames).") { args, _ in
            let p = try pipeline(args)
            let (prompts, _) = try texts(args, "prompt")
            let (negative, _) = try texts(args, "negative")
            let image = args.isNone("img") ? nil : try batched(args, "img")
            let latents = args.isNone("latents") ? nil : try batched(args, "latents")
            let noise = args.isNone("noise") ? nil : try batched(args, "noise")
            let edited = try p.edit(image, prompts: prompts, strength: try args.number("strength"), steps: try steps(args, p),
                                    guidance: Float(try args.number("guidance")), seed: try seed(args), negative: negative,
                                    scheduler: try choice(args, "scheduler", SchedulerKind.self), imageLatents: latents, noise: noise,
                                    progress: progress("edit"))
            return .tensor(edited)
        },
    ]
}
