import XCTest
import Tensors
@testable import Diffusion

/// Largest |a - b| relative to the reference's largest magnitude.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    let scale = b.scalars.map(abs).max() ?? 0
    let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    return diff / max(scale, 1e-12)
}

let devRoot = URL(fileURLWithPath: "/tmp/unetref")

final class UNetTests: XCTestCase {
    func checkUNet(_ name: String) throws {
        let unet = try UNet2DConditionModel.load(from: devRoot.appendingPathComponent(name).path)
        let ref = try readSafetensors(devRoot.appendingPathComponent("\(name).ref.safetensors"))
        let (x, t, ctx) = (ref["x"]!, ref["t"]!, ref["ctx"]!)
        let y = try noGrad { try unet(x, timestep: t, encoderHiddenStates: ctx) }
        let e = relativeError(y, ref["y"]!)
        print(name, "rel err", e)
        XCTAssertLessThan(e, 1e-4)
        let y2 = try noGrad { try unet(x, timestep: Tensor(500), encoderHiddenStates: ctx) }
        XCTAssertLessThan(relativeError(y2, ref["y_t500"]!), 1e-4)
    }
    func testSD1() throws { try checkUNet("sd1") }
    func testSD2() throws { try checkUNet("sd2") }
    func testPixel() throws { try checkUNet("pixel") }

    func testVAE() throws {
        for name in ["vae", "vae_legacy"] {
            let vae = try AutoencoderKL.load(from: devRoot.appendingPathComponent(name).path)
            let ref = try readSafetensors(devRoot.appendingPathComponent("vae.ref.safetensors"))
            let post = try noGrad { try vae.encode(ref["img"]!) }
            print(name, relativeError(post.mean, ref["mean"]!), relativeError(post.logvar, ref["logvar"]!))
            XCTAssertLessThan(relativeError(post.mean, ref["mean"]!), 1e-4)
            XCTAssertLessThan(relativeError(post.logvar, ref["logvar"]!), 1e-4)
            let dec = try noGrad { try vae.decode(ref["z"]!) }
            print(name, relativeError(dec, ref["dec"]!))
            XCTAssertLessThan(relativeError(dec, ref["dec"]!), 1e-4)
        }
    }
}
