import XCTest
import Tensors
@testable import Diffusion

final class CheckpointTests: XCTestCase {
    func ref(_ name: String) throws -> [String: Tensor] { try readSafetensors(devRoot.appendingPathComponent(name)) }

    func run(_ unet: UNet2DConditionModel) throws -> Tensor {
        let r = try ref("sd1.ref.safetensors")
        return try noGrad { try unet(r["x"]!, timestep: r["t"]!, encoderHiddenStates: r["ctx"]!) }
    }

    func testLayoutsGiveIdenticalOutputs() throws {
        let base = try run(UNet2DConditionModel.load(from: devRoot.appendingPathComponent("sd1").path))
        let sharded = try run(UNet2DConditionModel.load(from: devRoot.appendingPathComponent("sd1_sharded").path))
        XCTAssertEqual(base.scalars, sharded.scalars)
        let half = try run(UNet2DConditionModel.load(from: devRoot.appendingPathComponent("sd1_fp16").path))
        let halfSharded = try run(UNet2DConditionModel.load(from: devRoot.appendingPathComponent("sd1_fp16_sharded").path, variant: "fp16"))
        XCTAssertEqual(half.scalars, halfSharded.scalars)
        XCTAssertLessThan(relativeError(half, try ref("sd1_fp16.ref.safetensors")["y"]!), 1e-4)
        let single = try SingleFileCheckpoint.load(devRoot.appendingPathComponent("sd1_single.safetensors").path,
                                                   configFolder: devRoot.appendingPathComponent("pipe1").path)
        XCTAssertEqual(try run(single.unet).scalars, base.scalars)
    }

    func testSingleFileText() throws {
        for (name, pipe) in [("sd1", "pipe1t"), ("sd2", "pipe2")] {
            let single = try SingleFileCheckpoint.load(devRoot.appendingPathComponent("\(name)_single.safetensors").path,
                                                       configFolder: devRoot.appendingPathComponent(pipe).path)
            let expected = try ref("\(name)_text.safetensors")
            XCTAssertEqual(Set(single.textEncoderWeights.keys), Set(expected.keys))
            for (k, v) in expected { XCTAssertEqual(single.textEncoderWeights[k]?.scalars, v.scalars, k) }
            print(String(data: single.textEncoderConfigJSON!, encoding: .utf8)!)
            print(single.unet.config.blockOutChannels, single.unet.config.downBlockTypes, single.unet.config.transformerLayersPerBlock)
        }
    }

    func testSaveRoundTrip() throws {
        let unet = try UNet2DConditionModel.load(from: devRoot.appendingPathComponent("sd2").path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unet-save-\(UUID())")
        try unet.save(to: dir.path)
        try unet.save(to: dir.path)  // replaces
        let again = try UNet2DConditionModel.load(from: dir.path)
        XCTAssertEqual(again.config, unet.config)
        print(try String(contentsOf: dir.appendingPathComponent("config.json"), encoding: .utf8))
    }
}
