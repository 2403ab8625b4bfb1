import Foundation
import Tensors
import XCTest
import Diffusion

/// CLIPTextModel against transformers: the references are `text.last_hidden_state` in
/// Fixtures/refs/<model>.ref.safetensors, written by scripts/make_fixtures.py (transformers 5.24,
/// torch 2.15, CPU) from the committed text encoders for the padded ids `text.input_ids`.
/// Tolerance: 1e-4 of the reference's largest magnitude (the parity bar of issue 4).
final class CLIPTextModelTests: XCTestCase {
    /// sd1-tiny: quick_gelu, keys under `text_model.`; sd2-tiny: gelu, keys as transformers 5 writes
    /// them (no prefix), "!" padding; pixel-tiny: a one-layer quick_gelu encoder.
    func testLastHiddenStateMatchesTransformers() throws {
        for (model, activation) in [("sd1-tiny", "quick_gelu"), ("sd2-tiny", "gelu"), ("pixel-tiny", "quick_gelu")] {
            let folder = try CLIPFixtures.folder(model)
            let config = try CLIPTextConfig.load(folder)
            XCTAssertEqual(config.hiddenAct, activation, model)
            let store = try CLIPFixtures.weights(folder.appendingPathComponent("model.safetensors"), origin: model)
            let encoder = try CLIPTextModel(store, config: config)
            try store.checkAllUsed()

            let ref = try CLIPFixtures.reference(model)
            let ids = try XCTUnwrap(ref["text.input_ids"], model)
            let expected = try XCTUnwrap(ref["text.last_hidden_state"], model)
            let out = try encoder(ids: ids.scalars.map { Int($0) }, shape: ids.shape)
            XCTAssertEqual(out.shape, expected.shape, model)
            let error = errorRelativeToReference(out, expected)
            XCTAssertLessThan(error, 1e-4, "\(model): max |out - ref| / max |ref| = \(error)")
        }
    }

    /// Whatever prefix the file used, `parameters` names every weight as diffusers checkpoints do
    /// (`text_model.`), one entry per tensor in the file.
    func testParametersUseDiffusersNames() throws {
        for model in ["sd1-tiny", "sd2-tiny"] {
            let folder = try CLIPFixtures.folder(model)
            let file = try SafeTensors.load(folder.appendingPathComponent("model.safetensors").path).tensors
            let store = WeightStore(file, origin: model)
            let encoder = try CLIPTextModel(store, config: try CLIPTextConfig.load(folder))
            let expected = Set(file.keys.filter { !$0.hasSuffix("position_ids") }.map {
                $0.hasPrefix("text_model.") ? $0 : "text_model." + $0
            })
            XCTAssertEqual(Set(encoder.parameters.keys), expected, model)
            for (key, p) in encoder.parameters {
                let original = file[key] ?? file[String(key.dropFirst("text_model.".count))]
                XCTAssertEqual(p.value.scalars, original?.scalars, key)
            }
        }
    }

    /// Batch rows are independent and a token only sees the ones before it: changing the last
    /// token of one sequence leaves every earlier position, and the other row, unchanged.
    func testCausalMaskAndBatchIndependence() throws {
        let folder = try CLIPFixtures.folder("sd1-tiny")
        let config = try CLIPTextConfig.load(folder)
        let encoder = try CLIPTextModel(try CLIPFixtures.weights(folder.appendingPathComponent("model.safetensors"), origin: "sd1-tiny"),
                                        config: config)
        let a = [config.bosTokenId, 5, 6, 7, config.eosTokenId]
        var b = a
        b[4] = 9
        let both = try encoder([a, b])
        let single = try encoder([a])
        let d = config.hiddenSize
        XCTAssertEqual(Array(both.scalars[0..<(5 * d)]), single.scalars)
        XCTAssertEqual(Array(both.scalars[(5 * d)..<(9 * d)]), Array(single.scalars[0..<(4 * d)]))
        XCTAssertNotEqual(Array(both.scalars[(9 * d)..<(10 * d)]), Array(single.scalars[(4 * d)..<(5 * d)]))
    }

    func testConfigDefaultsAndErrors() throws {
        let empty = try JSONDecoder().decode(CLIPTextConfig.self, from: Data("{}".utf8))
        XCTAssertEqual(empty, CLIPTextConfig())
        // transformers' CLIPTextConfig() defaults (configuration_clip.py, transformers 5.24).
        XCTAssertEqual([empty.vocabSize, empty.hiddenSize, empty.intermediateSize, empty.numHiddenLayers,
                        empty.numAttentionHeads, empty.maxPositionEmbeddings, empty.padTokenId, empty.bosTokenId,
                        empty.eosTokenId], [49408, 512, 2048, 12, 8, 77, 1, 49406, 49407])
        XCTAssertEqual(empty.hiddenAct, "quick_gelu")
        XCTAssertEqual(empty.layerNormEps, 1e-5)

        let listEOS = try JSONDecoder().decode(CLIPTextConfig.self, from: Data(#"{"eos_token_id": [7, 8], "layer_norm_eps": null}"#.utf8))
        XCTAssertEqual(listEOS.eosTokenId, 7)
        XCTAssertEqual(listEOS.layerNormEps, 1e-5)

        XCTAssertThrowsError(try JSONDecoder().decode(CLIPTextConfig.self, from: Data(#"{"hidden_act": "swish"}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(CLIPTextConfig.self, from: Data(#"{"hidden_size": 10, "num_attention_heads": 3}"#.utf8)))

        // Round trip through JSON keeps every field and names the class for transformers.
        var c = CLIPTextConfig()
        c.hiddenAct = "gelu"
        c.hiddenSize = 64
        let data = try JSONEncoder().encode(c)
        XCTAssertEqual(try JSONDecoder().decode(CLIPTextConfig.self, from: data), c)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["model_type"] as? String, "clip_text_model")
        XCTAssertEqual(json["architectures"] as? [String], ["CLIPTextModel"])
    }

    /// Bad input is an error that says what is wrong, not a crash.
    func testInputErrors() throws {
        let folder = try CLIPFixtures.folder("sd1-tiny")
        let config = try CLIPTextConfig.load(folder)
        let encoder = try CLIPTextModel(try CLIPFixtures.weights(folder.appendingPathComponent("model.safetensors"), origin: "sd1-tiny"),
                                        config: config)
        XCTAssertThrowsError(try encoder([[1, 2], [3]]))
        XCTAssertThrowsError(try encoder([]))
        XCTAssertThrowsError(try encoder([[config.vocabSize]])) { error in
            XCTAssertTrue("\(error)".contains("\(config.vocabSize)"), "\(error)")
        }
        XCTAssertThrowsError(try encoder([Array(repeating: 1, count: config.maxPositionEmbeddings + 1)]))

        // A weight of the wrong shape names the key and both shapes.
        var file = try SafeTensors.load(folder.appendingPathComponent("model.safetensors").path).tensors
        file["text_model.final_layer_norm.weight"] = Tensor.zeros([config.hiddenSize + 1])
        XCTAssertThrowsError(try CLIPTextModel(WeightStore(file, origin: "bad"), config: config)) { error in
            XCTAssertEqual(error as? WeightError, .shapeMismatch("text_model.final_layer_norm.weight",
                                                                 expected: [config.hiddenSize], found: [config.hiddenSize + 1], origin: "bad"))
        }
    }
}

/// The committed fixtures a CLIP test reads.
enum CLIPFixtures {
    static func folder(_ model: String) throws -> URL { try FixtureFiles.url("models/\(model)/text_encoder") }

    static func weights(_ file: URL, origin: String) throws -> WeightStore {
        WeightStore(try SafeTensors.load(file.path).tensors, origin: origin)
    }

    static func reference(_ model: String) throws -> [String: Tensor] {
        try SafeTensors.load(try FixtureFiles.url("refs/\(model).ref.safetensors").path).tensors
    }
}
