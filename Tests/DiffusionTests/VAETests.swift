import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// AutoencoderKL against diffusers 0.42.1 (refs/<model>.ref.safetensors from scripts/make_fixtures.py):
/// posterior mean and log-variance and the decoded image within 1e-4 of the reference relative to
/// its largest magnitude.
final class VAETests: XCTestCase {
    func checkParity(_ vaePath: String, refs model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let vae = try AutoencoderKL.load(from: ModelFixtures.path(vaePath))
        let r = try ModelFixtures.ref(model)
        let posterior = try noGrad { try vae.encode(ModelFixtures.tensor(r, "vae.image")) }
        XCTAssertLessThan(ModelFixtures.scaledError(posterior.mean, try ModelFixtures.tensor(r, "vae.posterior_mean")), 1e-4, file: file, line: line)
        XCTAssertLessThan(ModelFixtures.scaledError(posterior.logvar, try ModelFixtures.tensor(r, "vae.posterior_logvar")), 1e-4, file: file, line: line)
        let decoded = try noGrad { try vae.decode(ModelFixtures.tensor(r, "vae.latents")) }
        XCTAssertLessThan(ModelFixtures.scaledError(decoded, try ModelFixtures.tensor(r, "vae.decoded")), 1e-4, file: file, line: line)
    }

    func testSD1TinyVAEMatchesDiffusers() throws { try checkParity("models/sd1-tiny", refs: "sd1-tiny") }

    func testSD2TinyVAEMatchesDiffusers() throws { try checkParity("models/sd2-tiny", refs: "sd2-tiny") }

    /// The same weights under the legacy query/key/value/proj_attn names give the same numbers.
    func testLegacyAttentionKeyNames() throws {
        try checkParity("models/sd1-tiny-vae-legacy", refs: "sd1-tiny")
        let legacy = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny-vae-legacy"))
        XCTAssertNotNil(legacy.weights.parameters["encoder.mid_block.attentions.0.to_q.weight"], "read under the current name")
        XCTAssertNil(legacy.weights.parameters["encoder.mid_block.attentions.0.query.weight"])
    }

    /// A seeded sample is mean + std * noise with the project's normal generator: the same seed
    /// gives the same latents bit for bit, another seed other latents.
    func testSeededPosteriorSample() throws {
        let vae = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny"))
        let r = try ModelFixtures.ref("sd1-tiny")
        let posterior = try noGrad { try vae.encode(ModelFixtures.tensor(r, "vae.image")) }
        let a = try posterior.sample(seed: 7), b = try posterior.sample(seed: 7), c = try posterior.sample(seed: 8)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(a.scalars, c.scalars)
        var generator = RandomGenerator(seed: 7)
        let noise = try generator.normal(posterior.mean.shape)
        let expected = try posterior.mean + (posterior.logvar * 0.5).exp() * noise
        XCTAssertEqual(a.scalars, expected.scalars)
        XCTAssertEqual(posterior.mode.scalars, posterior.mean.scalars)
    }

    /// diffusers clamps the log-variance to [-30, 20].
    func testLogVarianceClamp() throws {
        let parameters = try Tensor(shape: [1, 2, 1, 2], scalars: [0.5, -1, -40, 25])
        let p = try DiagonalGaussian(parameters: parameters)
        XCTAssertEqual(p.mean.scalars, [0.5, -1])
        XCTAssertEqual(p.logvar.scalars, [-30, 20])
    }

    func testWrongShapesNameExpectedAndActual() throws {
        let vae = try AutoencoderKL.load(from: ModelFixtures.path("models/sd1-tiny"))
        XCTAssertThrowsError(try vae.encode(Tensor.zeros([1, 4, 16, 16]))) { error in
            XCTAssertEqual("\(error)", "vae encode expects images of shape [B,3,H,W], got [1,4,16,16]")
        }
        XCTAssertThrowsError(try vae.decode(Tensor.zeros([4, 8, 8]))) { error in
            XCTAssertEqual("\(error)", "vae decode expects latents of shape [B,4,h,w], got [4,8,8]")
        }
    }
}
