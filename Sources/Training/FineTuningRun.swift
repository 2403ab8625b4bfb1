import Diffusion
import Foundation
import Tensors

/// One fine-tuning run of a pipeline, from choosing what trains to the model it returns:
/// a copy of the base (the base is left as it was) with fresh LoRA adapters on its attention
/// projections (or its whole UNet, and optionally its text encoder) trained by a `FineTuner`,
/// resumable from a checkpoint file, ending with the adapters written and merged and the
/// model saved. `run` checks its stop hook after every step, so Ctrl-C and a batch system's
/// SIGTERM both end on a finished step with the checkpoint written.
public final class FineTuningRun {
    /// The copy being trained, under its own name; `finish` returns it.
    public let model: StableDiffusion
    public let tuner: FineTuner
    public let config: FineTuneConfig
    public let files: Files
    let base: StableDiffusion
    let parameters: [(name: String, parameter: Parameter)]

    /// Where a run writes: its checkpoint (while it runs), the adapters as a diffusers LoRA file,
    /// and the finished model as a diffusers folder. Checked before training starts.
    public struct Files: Sendable {
        public var checkpoint: String?
        public var lora: String?
        public var model: String?

        public init(checkpoint: String? = nil, lora: String? = nil, model: String? = nil) {
            self.checkpoint = checkpoint
            self.lora = lora
            self.model = model
        }
    }

    /// `name` is what results will call the model, by default the base's name and the loss
    /// (`shapes-base+noneg`). Parameter names, as checkpoints store them: `unet.<layer>.lora_A.weight`
    /// / `lora_B` with LoRA, else `unet.<key>`; `text_encoder.<key>` when the text encoder trains too.
    public init(base: StableDiffusion, data: FineTuneData, config: FineTuneConfig, trainTextEncoder: Bool = false,
                latent: LatentChoice = .sample, name: String? = nil, files: Files = Files()) throws {
        try config.validate()
        if files.lora != nil, config.loraRank == 0 {
            throw TensorError.invalidArgument(op: "finetune", message: "save_lora needs LoRA adapters, but lora: 0 trains the whole UNet (save the model with save:)")
        }
        var model = try base.copy()
        model.name = name ?? "\(base.name)+\(config.loss.rawValue)"
        var parameters: [(name: String, parameter: Parameter)]
        if config.loraRank > 0 {
            parameters = try LoRA.attach(to: model.unet.weights, rank: config.loraRank, seed: config.seed)
        } else {
            parameters = model.unet.weights.parameters.sorted { $0.key < $1.key }.map { ("unet.\($0.key)", $0.value) }
        }
        if trainTextEncoder {
            parameters += model.textEncoder.parameters.sorted { $0.key < $1.key }.map { ("text_encoder.\($0.key)", $0.value) }
        }
        let trainable = TrainableModel(model, base: config.loss == .softnegAnchored ? base : nil, latent: latent)
        self.tuner = try FineTuner(model: trainable, parameters: parameters, data: data, config: config)
        self.model = model
        self.base = base
        self.config = config
        self.parameters = parameters
        self.files = files
    }

    deinit { release() }

    /// Continues from a checkpoint file this run type wrote (`checkpoint:` of an earlier run with
    /// the same loss, seed, batch and LoRA rank). Returns the step it continues from.
    @discardableResult
    public func resume(from path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TensorError.invalidArgument(op: "finetune resume", message: "no checkpoint file at \(path)")
        }
        let saved = try SafeTensors.load(path)
        try tuner.restore(tensors: saved.tensors, metadata: saved.metadata)
        return tuner.step
    }

    /// Trains up to `config.steps`; `shouldStop` is asked after every step. The checkpoint, when
    /// `files` names one, is written atomically every `checkpointEvery` steps and when the run ends or stops.
    public func run(shouldStop: () -> Bool = { false }) throws {
        let path = files.checkpoint
        try tuner.run(shouldStop: shouldStop) { t in
            guard let path else { return }
            let state = try t.checkpointState()
            try SafeTensors.write(state.tensors, metadata: state.metadata, to: path)
        }
    }

    /// Ends the run: writes the adapters as a diffusers LoRA file, merges them into the UNet, and
    /// saves the model (its name recorded) as a diffusers folder.
    public func finish() throws -> StableDiffusion {
        if let path = files.lora {
            try SafeTensors.write(LoRA.weights(of: model.unet.weights), metadata: ["format": "pt"], to: path)
        }
        release()
        if config.loraRank > 0 { try LoRA.merge(into: model.unet.weights) }
        if let path = files.model { try model.save(to: path) }
        return model
    }

    /// Training's gradients and flags leave the parameters, so the returned model runs without
    /// building graphs.
    func release() {
        for (_, p) in parameters {
            p.requiresGrad = false
            p.grad = nil
        }
    }
}
