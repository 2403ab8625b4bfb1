import Foundation
import Tensors

/// Low-rank adapters on the attention projections of self- and cross-attention
/// (`to_q to_k to_v to_out.0` of `attn1` and `attn2`), keyed as diffusers' `load_lora_weights`
/// reads them: `unet.<layer>.lora_A.weight` [rank, in] and `unet.<layer>.lora_B.weight` [out, rank].
/// The file format, attaching a file's adapters and fusing them live here with the model, since
/// loading a LoRA is part of loading a model; Training adds `attach` for fresh adapters.
public enum LoRA {
    static let projections = ["to_q", "to_k", "to_v", "to_out.0"]

    /// Whether a Linear's key prefix is one of the adapted attention projections.
    public static func isTarget(_ prefix: String) -> Bool {
        projections.contains { prefix.hasSuffix("attn1.\($0)") || prefix.hasSuffix("attn2.\($0)") }
    }

    /// The adapters' weights by their diffusers keys, for `pytorch_lora_weights.safetensors`.
    public static func weights(of store: WeightStore, keyPrefix: String = "unet.") -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (prefix, layer) in store.linearLayers {
            guard let lora = layer.lora else { continue }
            out["\(keyPrefix)\(prefix).lora_A.weight"] = lora.down.value
            out["\(keyPrefix)\(prefix).lora_B.weight"] = lora.up.value
        }
        return out
    }

    /// Attaches the adapters of a LoRA file in diffusers' layout (what `save_lora_weights` and
    /// `finetune(save_lora:)` write) to `store`. The scale is lora_alpha / r from the file's
    /// `lora_adapter_metadata` when it has one, else 1, as diffusers assumes. Every key must be
    /// an A/B pair of an adapted projection with matching shapes; `origin` names the file in errors.
    public static func load(_ tensors: [String: Tensor], metadata: [String: String], into store: WeightStore,
                            keyPrefix: String = "unet.", origin: String) throws {
        func fail(_ key: String, _ message: String) -> DiffusionError { .badConfig(path: origin, key: key, message: message) }
        let scale = try self.scale(metadata, origin: origin)
        var pairs: [String: (down: Tensor?, up: Tensor?)] = [:]
        for (key, tensor) in tensors {
            guard key.hasPrefix(keyPrefix) else { throw fail(key, "is not a UNet adapter (keys start with '\(keyPrefix)')") }
            let name = key.dropFirst(keyPrefix.count)
            if name.hasSuffix(".lora_A.weight") {
                pairs[String(name.dropLast(".lora_A.weight".count)), default: (nil, nil)].down = tensor
            } else if name.hasSuffix(".lora_B.weight") {
                pairs[String(name.dropLast(".lora_B.weight".count)), default: (nil, nil)].up = tensor
            } else {
                throw fail(key, "is neither a lora_A nor a lora_B weight")
            }
        }
        guard !pairs.isEmpty else { throw DiffusionError.file(path: origin, message: "holds no LoRA weights") }
        for (prefix, pair) in pairs.sorted(by: { $0.key < $1.key }) {
            let key = keyPrefix + prefix
            guard let layer = store.linearLayers[prefix], isTarget(prefix) else {
                throw fail(key, "names no attention projection of this UNet")
            }
            guard let down = pair.down, let up = pair.up else {
                throw fail(key, "has only its \(pair.down == nil ? "lora_B" : "lora_A") weight")
            }
            guard down.rank == 2, down.shape[1] == layer.inFeatures else {
                throw DiffusionError.shapeMismatch(op: "\(origin): \(key).lora_A.weight", expected: [down.shape.first ?? 0, layer.inFeatures], found: down.shape)
            }
            guard up.shape == [layer.outFeatures, down.shape[0]] else {
                throw DiffusionError.shapeMismatch(op: "\(origin): \(key).lora_B.weight", expected: [layer.outFeatures, down.shape[0]], found: up.shape)
            }
            let adapter = LoRAAdapter(down: down, up: up, scale: scale)
            adapter.down.requiresGrad = false
            adapter.up.requiresGrad = false
            layer.lora = adapter
        }
    }

    /// lora_alpha / r from diffusers' `lora_adapter_metadata` (PEFT's LoraConfig as JSON), else 1.
    static func scale(_ metadata: [String: String], origin: String) throws -> Float {
        guard let text = metadata["lora_adapter_metadata"] else { return 1 }
        guard let config = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let rank = (config["r"] as? NSNumber)?.floatValue, rank > 0 else {
            throw DiffusionError.badConfig(path: origin, key: "lora_adapter_metadata", message: "is not a LoRA config with a positive 'r'")
        }
        let alpha = (config["lora_alpha"] as? NSNumber)?.floatValue ?? rank
        return alpha / rank
    }

    /// Folds every adapter into its base weight (W += scale B A) and removes it.
    public static func merge(into store: WeightStore) throws {
        for layer in store.linearLayers.values {
            guard let lora = layer.lora else { continue }
            layer.weight.value = try (layer.weight.value + lora.delta()).detached()
            layer.lora = nil
        }
    }
}

extension StableDiffusion {
    /// `load(from:variant:config:)` with a LoRA file in diffusers' layout fused into the UNet,
    /// as diffusers' `load_lora_weights` then `fuse_lora` leave it. Fused weights are another
    /// model, named `base+file` so results never share the base's row.
    public static func load(from path: String, variant: String? = nil, config: String? = nil, lora: String) throws -> StableDiffusion {
        var model = try load(from: path, variant: variant, config: config)
        model.name += "+" + defaultName(origin: lora)
        let file = try SafeTensors.load(lora)
        try LoRA.load(file.tensors, metadata: file.metadata, into: model.unet.weights, origin: lora)
        try LoRA.merge(into: model.unet.weights)
        return model
    }
}
