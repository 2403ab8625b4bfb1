import Foundation
import Tensors
import XCTest
import Diffusion

/// Whole diffusers folders through `StableDiffusion.load`: every component must compute what
/// diffusers / transformers computed from the same folder. References: Fixtures/refs/<model>.ref.safetensors
/// from scripts/make_fixtures.py (diffusers 0.42.1, transformers 5.24, torch 2.15 CPU); tolerance
/// 1e-4 of the reference's largest magnitude (the parity bar of issue 4).
final class LoadPipelineTests: XCTestCase {
    func load(_ model: String) throws -> StableDiffusion {
        try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
    }

    func reference(_ model: String) throws -> [String: Tensor] {
        try SafeTensors.load(try FixtureFiles.url("refs/\(model).ref.safetensors").path).tensors
    }

    func assertClose(_ a: Tensor, _ b: Tensor?, _ what: String, tolerance: Float = 1e-4,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let b = try XCTUnwrap(b, what, file: file, line: line)
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let error = errorRelativeToReference(a, b)
        XCTAssertLessThan(error, tolerance, "\(what): max |out - ref| / max |ref| = \(error)", file: file, line: line)
    }

    func testComponentsMatchTheReferences() throws {
        for model in ["sd1-tiny", "sd2-tiny", "pixel-tiny"] {
            let pipe = try load(model)
            let ref = try reference(model)
            let prompts = try JSONDecoder().decode([String].self, from: Data(XCTUnwrap(
                SafeTensors.load(try FixtureFiles.url("refs/\(model).ref.safetensors").path).metadata["fixture"]
                    .flatMap { try JSONDecoder().decode([String: String].self, from: Data($0.utf8))["prompts"] }).utf8))

            // Tokenizer and text encoder, from the prompts' text.
            let ids = try pipe.tokenize(prompts)
            XCTAssertEqual(ids.flatMap { $0 }.map(Float.init), ref["text.input_ids"]?.scalars, model)
            try assertClose(pipe.encodeText(prompts), ref["text.last_hidden_state"], "\(model) text encoder")

            // UNet through the pipeline: one timestep for the batch, and one per row.
            let x = try XCTUnwrap(ref["unet.sample"]), ctx = try XCTUnwrap(ref["unet.encoder_hidden_states"])
            try assertClose(pipe.noisePrediction(x, timesteps: [500], context: ctx), ref["unet.noise_pred"], "\(model) unet")
            try assertClose(pipe.noisePrediction(x, timesteps: [17, 981], context: ctx), ref["unet.noise_pred_batch_t"], "\(model) unet [B] t")

            if model == "pixel-tiny" {
                XCTAssertTrue(pipe.isPixelSpace)
                XCTAssertEqual(pipe.vaeScaleFactor, 1)
                // Pixel space: latents are the image in [-1, 1] and back.
                var generator = RandomGenerator(seed: 5)
                let img = try Tensor.rand([1, 3, 16, 16], generator: &generator)
                let z = try pipe.encodeImage(img)
                XCTAssertEqual(z.scalars, (2 * img - 1).scalars)
                XCTAssertLessThan(errorRelativeToReference(try pipe.decodeLatents(z), img), 1e-6)
                continue
            }
            XCTAssertFalse(pipe.isPixelSpace)
            XCTAssertEqual(pipe.vaeScaleFactor, 2)
            let scaling = Float(try XCTUnwrap(pipe.vae).config.scalingFactor)
            XCTAssertEqual(scaling, 0.18215)
            // encode_image takes [0, 1] images; the reference fed vae.encode with 2 img - 1.
            let image = try XCTUnwrap(ref["vae.image"])
            let mean = try XCTUnwrap(ref["vae.posterior_mean"])
            try assertClose(pipe.encodeImage(image * 0.5 + 0.5), mean * scaling, "\(model) encode_image (mean)")
            // A posterior sample: mean + std * noise, seeded, differs from the mean.
            let sampled = try pipe.encodeImage(image * 0.5 + 0.5, sample: true, seed: 3)
            XCTAssertEqual(sampled.scalars, try pipe.encodeImage(image * 0.5 + 0.5, sample: true, seed: 3).scalars)
            XCTAssertGreaterThan(errorRelativeToReference(sampled, mean * scaling), 1e-3)
            // decode_latents: vae.decode(z / scaling) mapped to [0, 1] as diffusers' image processor.
            let z = try XCTUnwrap(ref["vae.latents"])
            let decoded = try XCTUnwrap(ref["vae.decoded"])
            try assertClose(pipe.decodeLatents(z * scaling), (decoded * 0.5 + 0.5).clamped(0, 1), "\(model) decode_latents")
        }
    }

    func testSchedulerAndTokenizerSettingsComeFromTheFolder() throws {
        let sd1 = try load("sd1-tiny"), sd2 = try load("sd2-tiny"), pixel = try load("pixel-tiny")
        // The committed scheduler configs (make_fixtures.py): PNDM (SD 1.5), DDIM v-prediction with
        // trailing spacing (SD 2.x), DDPM with linear betas and clip_sample (pixel).
        XCTAssertEqual(sd1.scheduler.config.className, "PNDMScheduler")
        XCTAssertEqual(sd2.scheduler.config.predictionType, .vPrediction)
        XCTAssertEqual(sd2.scheduler.config.timestepSpacing, .trailing)
        XCTAssertEqual(pixel.scheduler.config.betaSchedule, .linear)
        XCTAssertTrue(pixel.scheduler.config.clipSample)
        // SD 1.x pads with EOS, SD 2.x with "!" (id of "!" in the vocabulary is 0).
        XCTAssertEqual(sd1.tokenizer.padTokenID, sd1.tokenizer.eosTokenID)
        XCTAssertEqual(sd2.tokenizer.padTokenID, 0)
        XCTAssertEqual(sd1.textEncoder.config.hiddenAct, "quick_gelu")
        XCTAssertEqual(sd2.textEncoder.config.hiddenAct, "gelu")
    }

    /// save writes a folder that loads back to the same numbers, with the tokenizer and scheduler
    /// files byte for byte and the text encoder under `text_model.` names (sd2-tiny's file had none).
    func testSaveLoadRoundTrip() throws {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("softneg-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        for model in ["sd2-tiny", "pixel-tiny"] {
            let pipe = try load(model)
            let out = temp.appendingPathComponent(model)
            try pipe.save(to: out.path)
            let again = try StableDiffusion.load(from: out.path)
            XCTAssertEqual(again.isPixelSpace, pipe.isPixelSpace)
            XCTAssertEqual(again.unet.config, pipe.unet.config)
            XCTAssertEqual(again.textEncoder.config, pipe.textEncoder.config)
            XCTAssertEqual(again.scheduler.config, pipe.scheduler.config)
            let prompts = ["a cat", ""]
            XCTAssertEqual(try again.encodeText(prompts).scalars, try pipe.encodeText(prompts).scalars)
            let image = try again.generate(["a cat"], steps: 2, seed: 4)
            XCTAssertEqual(image.scalars, try pipe.generate(["a cat"], steps: 2, seed: 4).scalars)

            let source = try FixtureFiles.url("models/\(model)")
            for file in ["tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer_config.json",
                         "tokenizer/special_tokens_map.json", "scheduler/scheduler_config.json"] {
                XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(file)),
                               try Data(contentsOf: source.appendingPathComponent(file)), "\(model) \(file)")
            }
            let keys = try SafeTensorsFile(path: out.appendingPathComponent("text_encoder/model.safetensors").path).names
            XCTAssertTrue(keys.allSatisfy { $0.hasPrefix("text_model.") }, "\(model)")
            let index = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("model_index.json"))) as? [String: Any])
            XCTAssertEqual(index["_class_name"] as? String, "StableDiffusionPipeline")
            XCTAssertEqual(index["vae"] != nil, !pipe.isPixelSpace)
            XCTAssertEqual(index["scheduler"] as? [String], ["diffusers", pipe.scheduler.config.className])
        }
    }

    /// The single-file original checkpoint of sd1-tiny (same weights), with tokenizer and scheduler
    /// from the sd1-tiny folder, gives the folder's numbers.
    func testSingleFileCheckpoint() throws {
        let folder = try FixtureFiles.url("models/sd1-tiny").path
        let single = try StableDiffusion.load(from: try FixtureFiles.url("models/sd1-tiny.safetensors").path, config: folder)
        let pipe = try StableDiffusion.load(from: folder)
        let prompts = ["a photo of a cat"]
        XCTAssertEqual(try single.encodeText(prompts).scalars, try pipe.encodeText(prompts).scalars)
        XCTAssertEqual(try single.generate(prompts, steps: 2, seed: 1).scalars, try pipe.generate(prompts, steps: 2, seed: 1).scalars)
        XCTAssertThrowsError(try StableDiffusion.load(from: try FixtureFiles.url("models/sd1-tiny.safetensors").path)) { error in
            XCTAssertTrue("\(error)".contains("config"), "\(error)")
        }
    }

    func testBrokenFoldersAreErrorsThatSayWhy() throws {
        let fm = FileManager.default
        let temp = fm.temporaryDirectory.appendingPathComponent("softneg-broken-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: temp) }
        let source = try FixtureFiles.url("models/sd1-tiny")

        // Not a pipeline folder.
        try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        XCTAssertThrowsError(try StableDiffusion.load(from: temp.path)) { XCTAssertTrue("\($0)".contains("model_index.json"), "\($0)") }

        // A text encoder with an extra weight: named in the error.
        let extra = temp.appendingPathComponent("extra")
        try fm.copyItem(at: source, to: extra)
        let weightsFile = extra.appendingPathComponent("text_encoder/model.safetensors").path
        var weights = try SafeTensors.load(weightsFile).tensors
        weights["text_model.encoder.layers.9.mlp.fc1.weight"] = Tensor.zeros([2, 2])
        try SafeTensors.write(weights, to: weightsFile)
        XCTAssertThrowsError(try StableDiffusion.load(from: extra.path)) { error in
            XCTAssertTrue("\(error)".contains("text_model.encoder.layers.9.mlp.fc1.weight"), "\(error)")
        }

        // A text encoder whose width does not fit the UNet's cross-attention.
        let wide = temp.appendingPathComponent("wide")
        try fm.copyItem(at: try FixtureFiles.url("models/sd1-tiny"), to: wide)
        let configFile = wide.appendingPathComponent("text_encoder/config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any] ?? [:]
        config["hidden_size"] = 32
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        XCTAssertThrowsError(try StableDiffusion.load(from: wide.path)) { error in
            XCTAssertTrue("\(error)".contains("cross_attention_dim"), "\(error)")
        }

        // A missing tokenizer.
        let noTokenizer = temp.appendingPathComponent("no-tokenizer")
        try fm.copyItem(at: source, to: noTokenizer)
        try fm.removeItem(at: noTokenizer.appendingPathComponent("tokenizer"))
        XCTAssertThrowsError(try StableDiffusion.load(from: noTokenizer.path)) { XCTAssertTrue("\($0)".contains("tokenizer"), "\($0)") }
    }
}
