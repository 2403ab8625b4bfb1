import Foundation
import Tensors

/// An original (CompVis / Stability) Stable Diffusion checkpoint in one `.safetensors` file:
/// `model.diffusion_model.*` (UNet), `first_stage_model.*` (VAE), `cond_stage_model.transformer.*`
/// (CLIP text encoder, SD-1.x) or `cond_stage_model.model.*` (OpenCLIP, SD-2.x), renamed to
/// diffusers' and transformers' key names the way diffusers' `single_file_utils` does.
///
/// The file holds no configs. They come from `configFolder` (a diffusers pipeline folder) when given,
/// else they are inferred from the weight shapes with Stable Diffusion's settings for what shapes
/// cannot tell (8 heads for SD-1.x-style conv projections, 64-wide heads for SD-2.x-style linear
/// projections, 32 norm groups, scaling factor 0.18215).
public struct SingleFileCheckpoint: Sendable {
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL?
    /// The text encoder's weights under transformers' `CLIPTextModel` names (empty if absent).
    public let textEncoderWeights: [String: Tensor]
    /// The text encoder's `config.json` (transformers' `CLIPTextConfig` keys), from the config
    /// folder or inferred; nil without text encoder weights.
    public let textEncoderConfigJSON: Data?

    public static func load(_ path: String, configFolder: String? = nil) throws -> SingleFileCheckpoint {
        guard path.hasSuffix(".safetensors") else {
            throw CheckpointError.file(path: path, message: "only .safetensors single-file checkpoints are read (PyTorch pickles such as .ckpt are not)")
        }
        var all = try readSafetensors(URL(fileURLWithPath: path))
        let unetWeights = ldmUNetToDiffusers(take(prefix: "model.diffusion_model.", from: &all))
        let vaeWeights = ldmVAEToDiffusers(take(prefix: "first_stage_model.", from: &all))
        var text = take(prefix: "cond_stage_model.transformer.", from: &all)
        let openCLIP = text.isEmpty
        if openCLIP { text = openCLIPToTransformers(take(prefix: "cond_stage_model.model.", from: &all)) }
        text = text.reduce(into: [:]) { out, kv in
            // position_ids is a buffer, not a weight; very old files lack the text_model. prefix.
            guard !kv.key.hasSuffix("position_ids") else { return }
            out[kv.key.hasPrefix("text_model.") ? kv.key : "text_model." + kv.key] = kv.value
        }
        guard !unetWeights.isEmpty else {
            throw CheckpointError.file(path: path, message: "no 'model.diffusion_model.*' weights: not an original Stable Diffusion checkpoint")
        }

        let folder = configFolder.map { URL(fileURLWithPath: $0) }
        if let folder, !FileManager.default.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) {
            throw CheckpointError.file(path: folder.path, message: "a config folder for a single-file checkpoint must be a diffusers pipeline folder (model_index.json)")
        }
        /// The component's config from the pipeline folder, or nil (inferred) when it has no such component.
        func configURL(_ component: String) -> URL? {
            guard let url = folder?.appendingPathComponent(component).appendingPathComponent("config.json"),
                  FileManager.default.fileExists(atPath: url.path) else { return nil }
            return url
        }
        func config<T: Decodable>(_ type: T.Type, _ component: String) throws -> T? {
            try configURL(component).map { try ComponentFiles.config(type, in: $0.deletingLastPathComponent()) }
        }
        let origin = "\(path) (model.diffusion_model)"
        let unetConfig = try config(UNetConfig.self, "unet") ?? inferUNetConfig(unetWeights, origin: origin)
        let unet = try UNet2DConditionModel(config: unetConfig, weights: WeightStore(unetWeights, origin: origin))
        var vae: AutoencoderKL? = nil
        if !vaeWeights.isEmpty {
            let origin = "\(path) (first_stage_model)"
            let vaeConfig = try config(VAEConfig.self, "vae") ?? inferVAEConfig(vaeWeights, origin: origin)
            vae = try AutoencoderKL(config: vaeConfig, weights: WeightStore(vaeWeights, origin: origin))
        }
        var textConfig: Data? = nil
        if !text.isEmpty {
            if let url = configURL("text_encoder") {
                textConfig = try Data(contentsOf: url)
            } else {
                textConfig = try inferCLIPTextConfig(text, openCLIP: openCLIP, origin: "\(path) (cond_stage_model)")
            }
        }
        return SingleFileCheckpoint(unet: unet, vae: vae, textEncoderWeights: text, textEncoderConfigJSON: textConfig)
    }

    /// Removes and returns the entries under `prefix`, with the prefix cut off.
    static func take(prefix: String, from all: inout [String: Tensor]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for key in all.keys where key.hasPrefix(prefix) {
            out[String(key.dropFirst(prefix.count))] = all.removeValue(forKey: key)
        }
        return out
    }

    /// First match of `pattern` (dot-separated, `#` for a number) at the start of `key`: the numbers and the rest.
    static func match(_ key: String, _ pattern: String) -> (numbers: [Int], rest: String)? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        let want = pattern.split(separator: ".")
        guard parts.count > want.count else { return nil }
        var numbers: [Int] = []
        for (p, w) in zip(parts, want) {
            if w == "#" {
                guard let n = Int(p) else { return nil }
                numbers.append(n)
            } else if p != w {
                return nil
            }
        }
        return (numbers, parts[want.count...].joined(separator: "."))
    }

    // MARK: UNet

    /// LDM `openaimodel.UNetModel` names -> diffusers `UNet2DConditionModel` names. Keys that fit no
    /// pattern keep their name, so the model reports them as unexpected.
    static func ldmUNetToDiffusers(_ sd: [String: Tensor]) -> [String: Tensor] {
        guard !sd.isEmpty else { return [:] }
        // Each level holds L resnets (+ attentions) then a downsampler; the first downsampler sits at L + 1.
        let inputIndices = Set(sd.keys.compactMap { match($0, "input_blocks.#")?.numbers[0] })
        let firstOp = sd.keys.compactMap { k -> Int? in
            guard let m = match(k, "input_blocks.#.0"), m.rest.hasPrefix("op.") else { return nil }
            return m.numbers[0]
        }.min()
        let perLevel = firstOp ?? ((inputIndices.max() ?? 0) + 1)  // L + 1
        let top = ["time_embed.0": "time_embedding.linear_1", "time_embed.2": "time_embedding.linear_2",
                   "input_blocks.0.0": "conv_in", "out.0": "conv_norm_out", "out.2": "conv_out"]
        var out: [String: Tensor] = [:]
        for (key, value) in sd {
            out[ldmUNetKey(key, perLevel: perLevel, top: top)] = value
        }
        return out
    }

    static func ldmUNetKey(_ key: String, perLevel: Int, top: [String: String]) -> String {
        for (old, new) in top where key.hasPrefix(old + ".") { return new + key.dropFirst(old.count) }
        if let m = match(key, "input_blocks.#.#"), m.numbers[0] >= 1 {
            let (block, layer) = ((m.numbers[0] - 1) / perLevel, (m.numbers[0] - 1) % perLevel)
            if m.numbers[1] == 0 {
                if m.rest.hasPrefix("op.") { return "down_blocks.\(block).downsamplers.0.conv." + m.rest.dropFirst(3) }
                return "down_blocks.\(block).resnets.\(layer)." + ldmResnetSuffix(m.rest)
            }
            if m.numbers[1] == 1 { return "down_blocks.\(block).attentions.\(layer)." + m.rest }
        }
        if let m = match(key, "middle_block.#") {
            switch m.numbers[0] {
            case 0: return "mid_block.resnets.0." + ldmResnetSuffix(m.rest)
            case 1: return "mid_block.attentions.0." + m.rest
            case 2: return "mid_block.resnets.1." + ldmResnetSuffix(m.rest)
            default: break
            }
        }
        if let m = match(key, "output_blocks.#.#") {
            let (block, layer) = (m.numbers[0] / perLevel, m.numbers[0] % perLevel)
            switch m.numbers[1] {
            case 0: return "up_blocks.\(block).resnets.\(layer)." + ldmResnetSuffix(m.rest)
            case 1 where m.rest.hasPrefix("conv."), 2 where m.rest.hasPrefix("conv."):
                return "up_blocks.\(block).upsamplers.0." + m.rest
            case 1: return "up_blocks.\(block).attentions.\(layer)." + m.rest
            default: break
            }
        }
        return key
    }

    static func ldmResnetSuffix(_ rest: String) -> String {
        let names = ["in_layers.0": "norm1", "in_layers.2": "conv1", "out_layers.0": "norm2", "out_layers.3": "conv2",
                     "emb_layers.1": "time_emb_proj", "skip_connection": "conv_shortcut"]
        for (old, new) in names where rest.hasPrefix(old + ".") { return new + rest.dropFirst(old.count) }
        return rest
    }

    // MARK: VAE

    /// LDM `AutoencoderKL` names -> diffusers names; the mid attention's 1x1-conv weights become linear.
    static func ldmVAEToDiffusers(_ sd: [String: Tensor]) -> [String: Tensor] {
        guard !sd.isEmpty else { return [:] }
        let levels = (Set(sd.keys.compactMap { match($0, "decoder.up.#")?.numbers[0] }).max() ?? 0) + 1
        var out: [String: Tensor] = [:]
        for (key, value) in sd {
            let (name, isAttention) = ldmVAEKey(key, levels: levels)
            // q/k/v/proj_out are 1x1 convolutions in LDM: [C,C,1,1] -> [C,C].
            if isAttention, value.rank == 4, name.hasSuffix(".weight"), let r = try? value.reshaped(Array(value.shape.prefix(2))) {
                out[name] = r
            } else {
                out[name] = value
            }
        }
        return out
    }

    static func ldmVAEKey(_ key: String, levels: Int) -> (String, Bool) {
        for part in ["encoder", "decoder"] {
            let p = part + "."
            guard key.hasPrefix(p) else { continue }
            let k = String(key.dropFirst(p.count))
            if k.hasPrefix("norm_out.") { return (p + "conv_norm_out" + k.dropFirst("norm_out".count), false) }
            if let m = match(k, "down.#.block.#") {
                return (p + "down_blocks.\(m.numbers[0]).resnets.\(m.numbers[1])." + vaeResnetSuffix(m.rest), false)
            }
            if let m = match(k, "down.#.downsample") { return (p + "down_blocks.\(m.numbers[0]).downsamplers.0." + m.rest, false) }
            if let m = match(k, "up.#.block.#") {
                return (p + "up_blocks.\(levels - 1 - m.numbers[0]).resnets.\(m.numbers[1])." + vaeResnetSuffix(m.rest), false)
            }
            if let m = match(k, "up.#.upsample") { return (p + "up_blocks.\(levels - 1 - m.numbers[0]).upsamplers.0." + m.rest, false) }
            if let m = match(k, "mid.block_1") { return (p + "mid_block.resnets.0." + vaeResnetSuffix(m.rest), false) }
            if let m = match(k, "mid.block_2") { return (p + "mid_block.resnets.1." + vaeResnetSuffix(m.rest), false) }
            if let m = match(k, "mid.attn_1") {
                let names = ["norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"]
                let head = m.rest.split(separator: ".").dropLast().joined(separator: ".")
                let tail = m.rest.split(separator: ".").last.map(String.init) ?? ""
                return (p + "mid_block.attentions.0." + (names[head] ?? head) + "." + tail, true)
            }
        }
        return (key, false)
    }

    static func vaeResnetSuffix(_ rest: String) -> String {
        rest.hasPrefix("nin_shortcut.") ? "conv_shortcut" + rest.dropFirst("nin_shortcut".count) : rest
    }

    // MARK: OpenCLIP (SD-2.x)

    /// OpenCLIP text tower names -> transformers' `CLIPTextModel` names: the fused in_proj splits into
    /// q/k/v. As in diffusers, SD-2's unused last layer (resblocks.23) and the projection are dropped.
    static func openCLIPToTransformers(_ sd: [String: Tensor]) -> [String: Tensor] {
        guard !sd.isEmpty else { return [:] }
        var out: [String: Tensor] = [:]
        let top = ["token_embedding.weight": "text_model.embeddings.token_embedding.weight",
                   "positional_embedding": "text_model.embeddings.position_embedding.weight",
                   "ln_final.weight": "text_model.final_layer_norm.weight", "ln_final.bias": "text_model.final_layer_norm.bias"]
        let parts = [("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2"),
                     ("attn.out_proj", "self_attn.out_proj")]
        for (key, value) in sd {
            if let new = top[key] { out[new] = value; continue }
            guard let m = match(key, "transformer.resblocks.#") else {
                if key != "text_projection" && key != "logit_scale" { out[key] = value }
                continue
            }
            if m.numbers[0] == 23 { continue }
            let layer = "text_model.encoder.layers.\(m.numbers[0])."
            if m.rest == "attn.in_proj_weight" || m.rest == "attn.in_proj_bias" {
                let kind = m.rest.hasSuffix("weight") ? "weight" : "bias"
                if let qkv = try? value.chunked(3, axis: 0) {
                    for (name, t) in zip(["q_proj", "k_proj", "v_proj"], qkv) { out[layer + "self_attn.\(name).\(kind)"] = t }
                } else {
                    out[key] = value
                }
                continue
            }
            var rest = m.rest
            for (old, new) in parts where rest.hasPrefix(old + ".") { rest = new + rest.dropFirst(old.count) }
            out[layer + rest] = value
        }
        return out
    }

    // MARK: Configs from shapes

    /// The shape of `key`, which must have at least `rank` dimensions (a hostile file may say otherwise).
    static func shape(_ sd: [String: Tensor], _ key: String, rank: Int = 2, origin: String) throws -> [Int] {
        guard let t = sd[key] else { throw WeightError.missingKey(key, origin: origin) }
        guard t.rank >= rank else {
            throw CheckpointError.file(path: origin, message: "weight '\(key)' has shape \(formatShape(t.shape)), expected \(rank) or more dimensions")
        }
        return t.shape
    }

    static func inferUNetConfig(_ sd: [String: Tensor], origin: String) throws -> UNetConfig {
        var c = UNetConfig()
        let convIn = try shape(sd, "conv_in.weight", origin: origin)
        c.inChannels = convIn[1]
        c.outChannels = try shape(sd, "conv_out.weight", origin: origin)[0]
        let levels = (Set(sd.keys.compactMap { match($0, "down_blocks.#")?.numbers[0] }).max() ?? 0) + 1
        let layers = (Set(sd.keys.compactMap { match($0, "down_blocks.0.resnets.#")?.numbers[0] }).max() ?? 0) + 1
        c.layersPerBlock = Array(repeating: layers, count: levels)
        c.onlyCrossAttention = Array(repeating: false, count: levels)
        c.crossAttentionDim = Array(repeating: 768, count: levels)
        c.blockOutChannels = try (0..<levels).map { try shape(sd, "down_blocks.\($0).resnets.0.conv1.weight", origin: origin)[0] }
        let attention = (0..<levels).map { i in sd.keys.contains { $0.hasPrefix("down_blocks.\(i).attentions.") } }
        c.downBlockTypes = attention.map { $0 ? "CrossAttnDownBlock2D" : "DownBlock2D" }
        c.upBlockTypes = attention.reversed().map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }
        c.midBlockType = sd.keys.contains { $0.hasPrefix("mid_block.attentions.") } ? "UNetMidBlock2DCrossAttn" : "UNetMidBlock2D"
        if let toK = sd.first(where: { $0.key.hasSuffix("attn2.to_k.weight") }), toK.value.rank == 2 {
            c.crossAttentionDim = Array(repeating: toK.value.shape[1], count: levels)
        }
        c.useLinearProjection = sd.first { $0.key.hasSuffix(".proj_in.weight") }?.value.rank == 2
        c.transformerLayersPerBlock = (0..<levels).map { i in
            (Set(sd.keys.compactMap { match($0, "down_blocks.\(i).attentions.0.transformer_blocks.#")?.numbers[0] }).max() ?? 0) + 1
        }
        // SD-2's v2-inference.yaml: num_head_channels 64; SD-1's v1-inference.yaml: num_heads 8.
        c.attentionHeadDim = c.useLinearProjection ? c.blockOutChannels.map { max($0 / 64, 1) } : Array(repeating: 8, count: levels)
        c.sampleSize = [64]
        return c
    }

    static func inferVAEConfig(_ sd: [String: Tensor], origin: String) throws -> VAEConfig {
        var c = VAEConfig()
        let levels = (Set(sd.keys.compactMap { match($0, "encoder.down_blocks.#")?.numbers[0] }).max() ?? 0) + 1
        c.inChannels = try shape(sd, "encoder.conv_in.weight", origin: origin)[1]
        c.outChannels = try shape(sd, "decoder.conv_out.weight", origin: origin)[0]
        c.blockOutChannels = try (0..<levels).map { try shape(sd, "encoder.down_blocks.\($0).resnets.0.conv1.weight", origin: origin)[0] }
        c.layersPerBlock = (Set(sd.keys.compactMap { match($0, "encoder.down_blocks.0.resnets.#")?.numbers[0] }).max() ?? 0) + 1
        c.latentChannels = try shape(sd, "decoder.conv_in.weight", origin: origin)[1]
        c.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: levels)
        c.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: levels)
        c.useQuantConv = sd["quant_conv.weight"] != nil
        c.usePostQuantConv = sd["post_quant_conv.weight"] != nil
        c.midBlockAddAttention = sd.keys.contains { $0.hasPrefix("encoder.mid_block.attentions.") }
        c.sampleSize = [512]
        return c
    }

    /// transformers' `CLIPTextConfig` for the converted weights: sizes from shapes, 64-wide heads,
    /// quick_gelu for OpenAI CLIP (SD-1.x) and gelu for OpenCLIP (SD-2.x).
    static func inferCLIPTextConfig(_ sd: [String: Tensor], openCLIP: Bool, origin: String) throws -> Data {
        let token = try shape(sd, "text_model.embeddings.token_embedding.weight", origin: origin)
        let position = try shape(sd, "text_model.embeddings.position_embedding.weight", origin: origin)
        let fc1 = try shape(sd, "text_model.encoder.layers.0.mlp.fc1.weight", origin: origin)
        let layers = (Set(sd.keys.compactMap { match($0, "text_model.encoder.layers.#")?.numbers[0] }).max() ?? 0) + 1
        let config: [String: Any] = [
            "architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
            "vocab_size": token[0], "hidden_size": token[1], "max_position_embeddings": position[0],
            "intermediate_size": fc1[0], "num_hidden_layers": layers, "num_attention_heads": max(token[1] / 64, 1),
            "hidden_act": openCLIP ? "gelu" : "quick_gelu", "layer_norm_eps": 1e-5, "projection_dim": token[1],
            "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    }
}
