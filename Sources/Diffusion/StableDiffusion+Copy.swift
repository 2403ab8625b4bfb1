import Tensors

extension StableDiffusion {
    /// An independent deep copy: every component rebuilt from its current weight values, so
    /// training the copy never changes this pipeline.
    public func copy() throws -> StableDiffusion {
        func store(_ parameters: [String: Parameter], _ what: String) -> WeightStore {
            WeightStore(parameters.mapValues { $0.value }, origin: "\(origin) (copy of \(what))")
        }
        let unetCopy = try UNet2DConditionModel(config: unet.config, weights: store(unet.weights.parameters, "unet"))
        let textCopy = try CLIPTextModel(store(textEncoder.parameters, "text_encoder"), config: textEncoder.config)
        let vaeCopy = try vae.map { try AutoencoderKL(config: $0.config, weights: store($0.weights.parameters, "vae")) }
        return try StableDiffusion(tokenizer: tokenizer, textEncoder: textCopy, unet: unetCopy, vae: vaeCopy,
                                   scheduler: scheduler, origin: origin, verbatimFiles: verbatimFiles)
    }
}
