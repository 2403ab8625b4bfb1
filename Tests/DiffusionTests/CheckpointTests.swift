import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Checkpoint layouts, the single-file converter, weight errors and saving, on the tiny models of
/// scripts/make_fixtures.py (diffusers 0.42.1). Layouts holding the same weights must give
/// bit-identical outputs; the fp16 variant is checked against diffusers' output for the same file.
final class CheckpointTests: XCTestCase {
    func unetOutput(_ unet: UNet2DConditionModel) throws -> Tensor {
        let r = try ModelFixtures.ref("sd1-tiny")
        return try noGrad {
            try unet(ModelFixtures.tensor(r, "unet.sample"), timestep: ModelFixtures.tensor(r, "unet.timesteps"),
                     encoderHiddenStates: ModelFixtures.tensor(r, "unet.encoder_hidden_states"))
        }
    }

    func decoded(_ vae: AutoencoderKL, _ latents: Tensor) throws -> Tensor { try noGrad { try vae.decode(latents) } }

    func testPipelineAndComponentFoldersAgree() throws {
        let fromPipeline = try unetOutput(UNet2DConditionModel.load(from: ModelFixtures.path("models/sd1-tiny")))
        let fromComponent = try unetOutput(UNet2DConditionModel.load(from: ModelFixtures.path("models/sd1-tiny/unet")))
        XCTAssertEqual(fromPipeline.scalars, fromComponent.scalars)
    }

    func testShardedAndVariantLayouts() throws {
        let latents = try ModelFixtures.tensor(ModelFixtures.ref("sd1-tiny"), "vae.latents")
        let plain = try decoded(AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny")), latents)
        let sharded = try decoded(AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-sharded")), latents)
        XCTAssertEqual(plain.scalars, sharded.scalars)
        // fp16 file upcast to float32: diffusers' output for the same file (refs/sd1-tiny-vae-fp16).
        let half = try ModelFixtures.ref("sd1-tiny-vae-fp16")
        let fp16 = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-fp16"))
        let explicit = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-fp16"), variant: "fp16")
        let out = try decoded(fp16, ModelFixtures.tensor(half, "latents"))
        XCTAssertLessThan(ModelFixtures.scaledError(out, try ModelFixtures.tensor(half, "decoded")), 1e-4)
        XCTAssertEqual(out.scalars, try decoded(explicit, ModelFixtures.tensor(half, "latents")).scalars)
        XCTAssertThrowsError(try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-fp16"), variant: "bf16")) { error in
            XCTAssertTrue("\(error)".contains("no weights for variant 'bf16'"), "\(error)")
        }
    }

    /// models/sd1-tiny.safetensors is sd1-tiny in the original LDM layout, models/sd2-tiny.safetensors
    /// sd2-tiny with SD-2's OpenCLIP text tower (scripts/fixtures/ldm_checkpoint.py; diffusers'
    /// from_single_file reads both back exactly).
    func testSingleFileMatchesDiffusersFolder() throws {
        for name in ["sd1-tiny", "sd2-tiny"] {
            let single = try SingleFileCheckpoint.load(ModelFixtures.path("models/\(name).safetensors"),
                                                       configFolder: ModelFixtures.path("models/\(name)"))
            let folder = try UNet2DConditionModel.load(from: ModelFixtures.path("models/\(name)"))
            XCTAssertEqual(try unetOutput(single.unet).scalars, try unetOutput(folder).scalars, name)
            let r = try ModelFixtures.ref(name)
            guard let vae = single.vae else { return XCTFail("\(name): no VAE in the single file") }
            let image = try ModelFixtures.tensor(r, "vae.image")
            let posterior = try noGrad { try vae.encode(image) }
            XCTAssertLessThan(ModelFixtures.scaledError(posterior.mean, try ModelFixtures.tensor(r, "vae.posterior_mean")), 1e-4, name)
            XCTAssertLessThan(ModelFixtures.scaledError(try decoded(vae, ModelFixtures.tensor(r, "vae.latents")),
                                                        try ModelFixtures.tensor(r, "vae.decoded")), 1e-4, name)
            // Single files give transformers' full names; sd2-tiny's folder was written without `text_model.`.
            let text = try ModelFixtures.weights("models/\(name)/text_encoder").filter { !$0.key.hasSuffix("position_ids") }
            let expected = Dictionary(uniqueKeysWithValues: text.map { ($0.key.hasPrefix("text_model.") ? $0.key : "text_model." + $0.key, $0.value) })
            XCTAssertEqual(Set(single.textEncoderWeights.keys), Set(expected.keys), name)
            for (key, value) in expected {
                XCTAssertEqual(single.textEncoderWeights[key]?.scalars, value.scalars, "\(name) \(key)")
            }
            XCTAssertNotNil(single.textEncoderConfigJSON, name)
        }
    }

    /// Without configs, what the shapes tell is read from them (heads and norm groups cannot be).
    func testSingleFileConfigInferredFromShapes() throws {
        var all = try SafeTensorsFile(path: ModelFixtures.path("models/sd1-tiny.safetensors")).loadAll()
        let unet = SingleFileCheckpoint.ldmUNetToDiffusers(SingleFileCheckpoint.take(prefix: "model.diffusion_model.", from: &all))
        let inferred = try SingleFileCheckpoint.inferUNetConfig(unet, origin: "sd1-tiny")
        let truth = try ComponentFiles.config(UNetConfig.self, in: URL(fileURLWithPath: ModelFixtures.path("models/sd1-tiny/unet")))
        XCTAssertEqual(inferred.blockOutChannels, truth.blockOutChannels)
        XCTAssertEqual(inferred.layersPerBlock, truth.layersPerBlock)
        XCTAssertEqual(inferred.downBlockTypes, truth.downBlockTypes)
        XCTAssertEqual(inferred.upBlockTypes, truth.upBlockTypes)
        XCTAssertEqual(inferred.crossAttentionDim, truth.crossAttentionDim)
        XCTAssertEqual(inferred.transformerLayersPerBlock, truth.transformerLayersPerBlock)
        XCTAssertEqual(inferred.useLinearProjection, truth.useLinearProjection)
        XCTAssertEqual(inferred.inChannels, truth.inChannels)
        XCTAssertEqual(inferred.outChannels, truth.outChannels)
        XCTAssertEqual(Set(unet.keys), Set(try ModelFixtures.weights("models/sd1-tiny/unet").keys))
        let vae = SingleFileCheckpoint.ldmVAEToDiffusers(SingleFileCheckpoint.take(prefix: "first_stage_model.", from: &all))
        let vaeInferred = try SingleFileCheckpoint.inferVAEConfig(vae, origin: "sd1-tiny")
        let vaeTruth = try ComponentFiles.config(VAEConfig.self, in: URL(fileURLWithPath: ModelFixtures.path("models/sd1-tiny/vae")))
        XCTAssertEqual(vaeInferred.blockOutChannels, vaeTruth.blockOutChannels)
        XCTAssertEqual(vaeInferred.layersPerBlock, vaeTruth.layersPerBlock)
        XCTAssertEqual(vaeInferred.latentChannels, vaeTruth.latentChannels)
        let text = try SingleFileCheckpoint.inferCLIPTextConfig(
            SingleFileCheckpoint.take(prefix: "cond_stage_model.transformer.", from: &all), openCLIP: false, origin: "sd1-tiny")
        let json = try JSONSerialization.jsonObject(with: text) as? [String: Any]
        let truthText = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ModelFixtures.path("models/sd1-tiny/text_encoder/config.json")))) as? [String: Any]
        for key in ["vocab_size", "hidden_size", "max_position_embeddings", "intermediate_size", "num_hidden_layers"] {
            XCTAssertEqual(json?[key] as? Int, truthText?[key] as? Int, key)
        }
    }

    func testWeightErrorsNameTheKeyAndShapes() throws {
        let config = try ComponentFiles.config(UNetConfig.self, in: URL(fileURLWithPath: ModelFixtures.path("models/sd1-tiny/unet")))
        let weights = try ModelFixtures.weights("models/sd1-tiny/unet")
        func error(_ edit: (inout [String: Tensor]) -> Void) -> String {
            var w = weights
            edit(&w)
            do { _ = try UNet2DConditionModel(config: config, weights: WeightStore(w, origin: "unet")); return "no error" } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(error { $0["conv_in.weight"] = nil }, "unet: missing weight 'conv_in.weight'")
        XCTAssertEqual(error { $0["extra.weight"] = Tensor.zeros([2]) },
                       "unet: 1 unexpected weight(s) the config does not use: 'extra.weight'")
        XCTAssertEqual(error { $0["mid_block.resnets.0.conv1.weight"] = Tensor.zeros([16, 16, 1, 1]) },
                       "unet: weight 'mid_block.resnets.0.conv1.weight' should have shape [16,16,3,3] for this config, found [16,16,1,1]")
        XCTAssertEqual(error { $0["down_blocks.0.attentions.0.proj_in.weight"] = Tensor.zeros([8, 8]) },
                       "unet: weight 'down_blocks.0.attentions.0.proj_in.weight' should have shape [8,8,1,1] for this config, found [8,8]")
    }

    func testMissingFoldersAndFiles() throws {
        XCTAssertThrowsError(try UNet2DConditionModel.load(from: "/nonexistent/model")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/model: no such folder")
        }
        XCTAssertThrowsError(try AutoencoderKL.load(from: ModelFixtures.path("models/pixel-tiny"))) { error in
            XCTAssertTrue("\(error)".hasSuffix("the pipeline has no 'vae' component (no config.json)"), "\(error)")
        }
        XCTAssertThrowsError(try SingleFileCheckpoint.load("/tmp/model.ckpt")) { error in
            XCTAssertTrue("\(error)".contains("only .safetensors single-file checkpoints"), "\(error)")
        }
    }

    /// save then load gives identical outputs; config.json uses diffusers' field names (every key
    /// written is one diffusers 0.42.1 wrote into the fixture's config.json).
    func testSaveRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("softneg-unet-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for model in ["sd1-tiny", "sd2-tiny"] {
            let unet = try UNet2DConditionModel.load(from: ModelFixtures.path("models/\(model)"))
            let path = dir.appendingPathComponent(model).path
            try unet.save(to: path)
            try unet.save(to: path)  // replaces the folder whole
            let again = try UNet2DConditionModel.load(from: path)
            XCTAssertEqual(again.config, unet.config)
            let r = try ModelFixtures.ref(model)
            let args = (try ModelFixtures.tensor(r, "unet.sample"), try ModelFixtures.tensor(r, "unet.timesteps"), try ModelFixtures.tensor(r, "unet.encoder_hidden_states"))
            let a = try noGrad { try unet(args.0, timestep: args.1, encoderHiddenStates: args.2) }
            let b = try noGrad { try again(args.0, timestep: args.1, encoderHiddenStates: args.2) }
            XCTAssertEqual(a.scalars, b.scalars)
            let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent("config.json"))) as? [String: Any]
            let diffusers = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ModelFixtures.path("models/\(model)/unet/config.json")))) as? [String: Any]
            let unknown = Set(written?.keys ?? [:].keys).subtracting(diffusers?.keys ?? [:].keys)
            XCTAssertEqual(unknown, [], "keys diffusers does not know")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
            XCTAssertEqual(leftovers, [], "temporary folders left behind")
        }
        let vae = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-legacy"))
        let vaePath = dir.appendingPathComponent("vae").path
        try vae.save(to: vaePath)
        let names = try SafeTensorsFile(path: vaePath + "/diffusion_pytorch_model.safetensors").names
        XCTAssertTrue(names.contains("decoder.mid_block.attentions.0.to_out.0.weight"), "saved under current names")
        let latents = try ModelFixtures.tensor(ModelFixtures.ref("sd1-tiny"), "vae.latents")
        XCTAssertEqual(try decoded(vae, latents).scalars, try decoded(AutoencoderKL.load(from: vaePath), latents).scalars)
    }
}
