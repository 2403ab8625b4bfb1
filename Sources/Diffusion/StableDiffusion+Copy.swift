import Foundation
import Tensors

extension StableDiffusion {
    /// An independent copy: every parameter is a new `Parameter` holding the same values (and the
    /// same `requiresGrad`), LoRA adapters on the UNet included, so training the copy never changes
    /// this pipeline. The tokenizer, scheduler, origin, name and verbatim files are carried over; they are
    /// immutable values. Gradients are not copied.
    public func copy() throws -> StableDiffusion {
        let unetCopy = try UNet2DConditionModel(config: unet.config, weights: Self.copiedStore(unet.weights.parameters, origin: unet.weights.origin))
        try Self.copyAdapters(from: unet.weights, to: unetCopy.weights)
        let textStore = Self.copiedStore(textEncoder.parameters, origin: "\(origin) (copy) text_encoder")
        let textCopy = try CLIPTextModel(textStore, config: textEncoder.config)
        try textStore.checkAllUsed()
        let vaeCopy = try vae.map {
            try AutoencoderKL(config: $0.config, weights: Self.copiedStore($0.weights.parameters, origin: $0.weights.origin))
        }
        Self.copyGradientFlags(from: unet.weights.parameters, to: unetCopy.weights.parameters)
        Self.copyGradientFlags(from: textEncoder.parameters, to: textCopy.parameters)
        if let vae, let vaeCopy { Self.copyGradientFlags(from: vae.weights.parameters, to: vaeCopy.weights.parameters) }
        var pipeline = try StableDiffusion(tokenizer: tokenizer, textEncoder: textCopy, unet: unetCopy, vae: vaeCopy,
                                           scheduler: schedulerConfig, origin: origin, verbatimFiles: verbatimFiles)
        pipeline.name = name
        return pipeline
    }

    /// A store holding the parameters' current values; the models built from it make new
    /// `Parameter`s, and a value written to one of them later copies its storage first.
    static func copiedStore(_ parameters: [String: Parameter], origin: String) -> WeightStore {
        WeightStore(parameters.mapValues(\.value), origin: origin)
    }

    static func copyGradientFlags(from original: [String: Parameter], to copy: [String: Parameter]) {
        for (key, p) in original { copy[key]?.requiresGrad = p.requiresGrad }
    }

    static func copyAdapters(from original: WeightStore, to copy: WeightStore) throws {
        for (prefix, layer) in original.linearLayers {
            guard let lora = layer.lora else { continue }
            guard let target = copy.linearLayers[prefix] else {
                throw DiffusionError.invalidArgument(op: "copy", message: "the copied UNet has no layer '\(prefix)' for its LoRA adapter")
            }
            let adapter = LoRAAdapter(down: lora.down.value, up: lora.up.value, scale: lora.scale)
            adapter.down.requiresGrad = lora.down.requiresGrad
            adapter.up.requiresGrad = lora.up.requiresGrad
            target.lora = adapter
        }
    }
}
