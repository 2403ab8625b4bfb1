import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// The tiny models and references of scripts/make_fixtures.py (torch 2.15, diffusers 0.42.1,
/// transformers 5.24; see Fixtures/VERSIONS.txt), as the UNet, VAE and checkpoint tests use them.
enum ModelFixtures {
    /// A fixture's path inside the test bundle (Bundle.module, see FixtureFiles).
    static func path(_ relative: String) throws -> String { try FixtureFiles.url(relative).path }

    static func ref(_ name: String) throws -> [String: Tensor] {
        try SafeTensorsFile(path: path("refs/\(name).ref.safetensors")).loadAll()
    }

    static func tensor(_ refs: [String: Tensor], _ key: String) throws -> Tensor {
        guard let t = refs[key] else {
            XCTFail("reference \(key) missing")
            throw CocoaError(.fileNoSuchFile)
        }
        return t
    }

    /// max |a - b| / max |b|: the error relative to the reference's largest magnitude.
    static func scaledError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        let scale = b.scalars.reduce(0) { max($0, abs($1)) }
        var worst: Float = 0
        for (x, y) in zip(a.scalars, b.scalars) {
            let e = abs(x - y)
            if !(e <= worst) { worst = e.isNaN ? .infinity : e }
        }
        return worst / max(scale, .leastNormalMagnitude)
    }

    /// The weights of a component folder, for tests that tamper with them.
    static func weights(_ component: String) throws -> [String: Tensor] {
        try ComponentFiles.weights(in: URL(fileURLWithPath: path(component)))
    }
}
