import Diffusion
import Tensors

extension LoRA {
    /// Attaches fresh adapters of `rank` to every target layer and returns their parameters by key.
    /// `downInit(shape)` draws A; B starts at 0. The scale is 1 (PEFT's lora_alpha = rank, which is
    /// also what diffusers assumes for a file that saves no alphas).
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

    /// Fresh adapters initialised as PEFT initialises them: A kaiming-uniform with a = sqrt(5),
    /// i.e. U(-1/sqrt(in), 1/sqrt(in)), drawn in layer-name order from its own stream of `seed`
    /// (so the draw does not shift the batches), and B zero, so training starts from the model itself.
    public static func attach(to store: WeightStore, rank: Int, seed: UInt64) throws -> [(name: String, parameter: Parameter)] {
        var rng = RandomGenerator(seed: seed, stream: 1 << 41)
        return try attach(to: store, rank: rank) { shape in
            let bound = 1 / Float(shape.count > 1 ? shape[1] : 1).squareRoot()
            return try rng.uniform(shape, lo: -bound, hi: bound)
        }
    }
}
