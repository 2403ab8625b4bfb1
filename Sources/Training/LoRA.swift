import Diffusion
import Tensors

/// Low-rank adapters on the attention projections of self- and cross-attention
/// (`to_q to_k to_v to_out.0` of `attn1` and `attn2`), keyed as diffusers' `load_lora_weights`
/// reads them: `unet.<layer>.lora_A.weight` [rank, in] and `unet.<layer>.lora_B.weight` [out, rank].
/// The scale is 1 (PEFT's lora_alpha = rank), which is what diffusers assumes when no alphas are saved.
public enum LoRA {
    static let projections = ["to_q", "to_k", "to_v", "to_out.0"]

    /// Whether a Linear's key prefix is one of the adapted attention projections.
    public static func isTarget(_ prefix: String) -> Bool {
        projections.contains { prefix.hasSuffix("attn1.\($0)") || prefix.hasSuffix("attn2.\($0)") }
    }

    /// Attaches fresh adapters of `rank` to every target layer and returns their parameters by key.
    /// `downInit(shape)` draws A; PEFT uses kaiming-uniform, U(-1/sqrt(in), 1/sqrt(in)). B starts at 0.
    public static func attach(to store: WeightStore, rank: Int, keyPrefix: String = "unet.",
                              downInit: ([Int]) throws -> Tensor) throws -> [(name: String, parameter: Parameter)] {
        guard rank > 0 else { throw TensorError.invalidArgument(op: "lora", message: "rank must be positive, got \(rank)") }
        var out: [(String, Parameter)] = []
        for prefix in store.linearLayers.keys.sorted() where isTarget(prefix) {
            guard let layer = store.linearLayers[prefix] else { continue }
            let adapter = LoRAAdapter(down: try downInit([rank, layer.inFeatures]),
                                      up: Tensor.zeros([layer.outFeatures, rank]), scale: 1)
            layer.lora = adapter
            out.append(("\(keyPrefix)\(prefix).lora_A.weight", adapter.down))
            out.append(("\(keyPrefix)\(prefix).lora_B.weight", adapter.up))
        }
        guard !out.isEmpty else {
            throw TensorError.invalidArgument(op: "lora", message: "the model has no attention projections to adapt")
        }
        return out
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

    /// Folds every adapter into its base weight (W += scale B A) and removes it.
    public static func merge(into store: WeightStore) throws {
        for layer in store.linearLayers.values {
            guard let lora = layer.lora else { continue }
            layer.weight.value = try (layer.weight.value + lora.delta()).detached()
            layer.lora = nil
        }
    }
}
