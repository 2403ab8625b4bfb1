import Foundation
import XCTest
@testable import Diffusion
@testable import Training
import Tensors

/// LoRA files in diffusers' layout, against diffusers itself: scripts/make_lora_fixtures.py
/// (torch 2.15.0, diffusers 0.42.1, peft 0.21.2) loaded the adapters SoftNeg's finetune wrote
/// (lora/lora.safetensors) with `load_lora_weights`, and the merged folder with `from_pretrained`,
/// checked both against SoftNeg's own outputs, and saved diffusers' outputs here.
final class LoRACompatibilityTests: XCTestCase {
    static let fixtures = ReferenceParityTests.fixtures

    func unet() throws -> UNet2DConditionModel {
        try UNet2DConditionModel.load(from: Self.fixtures.appendingPathComponent("models/sd1-tiny").path)
    }

    func loraFile() throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try SafeTensors.load(Self.fixtures.appendingPathComponent("lora/lora.safetensors").path)
    }

    func output(_ unet: UNet2DConditionModel, _ ref: [String: Tensor]) throws -> [Float] {
        guard let x = ref["x"], let t = ref["t"], let ctx = ref["ctx"] else {
            XCTFail("incomplete reference: x, t and ctx (scripts/make_lora_fixtures.py writes them)")
            throw CocoaError(.coderValueNotFound)
        }
        return try noGrad { try unet(x, timestep: t, encoderHiddenStates: ctx) }.scalars
    }

    func testAdaptersMatchDiffusersLoadLoraWeightsAndMergedFolder() throws {
        let ref = try SafeTensors.load(Self.fixtures.appendingPathComponent("lora/lora.ref.safetensors").path).tensors
        guard let withLoRA = ref["diffusers_lora"], let merged = ref["diffusers_merged"] else { return XCTFail("incomplete reference") }
        let model = try unet()
        let file = try loraFile()
        try LoRA.load(file.tensors, metadata: file.metadata, into: model.weights, origin: "lora.safetensors")
        assertClose(try output(model, ref), withLoRA.scalars, 1e-5, "adapters vs load_lora_weights")
        // Saving gives back the file's keys and values exactly.
        let saved = LoRA.weights(of: model.weights)
        XCTAssertEqual(Set(saved.keys), Set(file.tensors.keys))
        for (key, t) in file.tensors { XCTAssertEqual(saved[key]?.scalars, t.scalars, key) }
        try LoRA.merge(into: model.weights)
        assertClose(try output(model, ref), merged.scalars, 1e-5, "fused vs the merged folder in diffusers")
    }

    func testAlphaFromDiffusersMetadataSetsTheScale() throws {
        XCTAssertEqual(try LoRA.scale([:], origin: "f"), 1)
        XCTAssertEqual(try LoRA.scale(["lora_adapter_metadata": #"{"r": 4, "lora_alpha": 8}"#], origin: "f"), 2)
        XCTAssertEqual(try LoRA.scale(["lora_adapter_metadata": #"{"r": 4}"#], origin: "f"), 1)
        XCTAssertThrowsError(try LoRA.scale(["lora_adapter_metadata": "{r: 4"], origin: "f")) {
            XCTAssertTrue("\($0)".contains("lora_adapter_metadata"), "\($0)")
        }
    }

    func testMalformedFilesNameTheKeyOrBothShapes() throws {
        let file = try loraFile().tensors
        guard let key = file.keys.sorted().first(where: { $0.hasSuffix(".lora_A.weight") }), let a = file[key] else {
            return XCTFail("no lora_A weight in the fixture")
        }
        let layer = String(key.dropLast(".lora_A.weight".count))
        func error(_ tensors: [String: Tensor]) throws -> String {
            do {
                try LoRA.load(tensors, metadata: [:], into: try unet().weights, origin: "bad.safetensors")
            } catch {
                return "\(error)"
            }
            XCTFail("loaded a malformed file")
            return ""
        }
        var missingB = file
        missingB["\(layer).lora_B.weight"] = nil
        XCTAssertTrue(try error(missingB).contains("'\(layer)' has only its lora_A weight"))
        var wrongShape = file
        wrongShape[key] = Tensor.zeros([a.shape[0], a.shape[1] + 1])
        let shapeError = try error(wrongShape)
        XCTAssertTrue(shapeError.contains("bad.safetensors: \(key)") && shapeError.contains(formatShape(a.shape))
                      && shapeError.contains(formatShape([a.shape[0], a.shape[1] + 1])), shapeError)
        var stray = file
        stray["unet.conv_in.lora_A.weight"] = a
        stray["unet.conv_in.lora_B.weight"] = a
        XCTAssertTrue(try error(stray).contains("'unet.conv_in' names no attention projection"))
        XCTAssertTrue(try error(["text_encoder.x.lora_A.weight": a]).contains("is not a UNet adapter"))
        XCTAssertTrue(try error([:]).contains("holds no LoRA weights"))
    }
}
