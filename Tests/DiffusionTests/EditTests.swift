import Foundation
import Tensors
import XCTest
import Diffusion

/// SDEdit against diffusers 0.42.1's StableDiffusionImg2ImgPipeline (torch 2.15 CPU):
/// Fixtures/refs/<model>-edit-<kind>.ref.safetensors from scripts/fixtures/sampling.py, which runs
/// the img2img loop with `Class.from_config(checkpoint config)` on a random image in [0, 1],
/// strength 0.6 of 6 steps (int(3.5999999999999996) = 3 steps run, from index 3), guidance 7.5, and
/// stores every random draw (posterior sample, the added noise, ancestral step noise); for the
/// latent models it checks that loop against the pipeline itself to 1e-5. Tolerance here: 1e-4.
final class EditTests: XCTestCase {
    static let models = ["sd1-tiny", "sd2-tiny", "pixel-tiny"]

    func pipeline(_ model: String) throws -> StableDiffusion {
        try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
    }

    func testEditMatchesDiffusersWithEveryScheduler() throws {
        var worst: [SchedulerKind: Float] = [:]
        for model in Self.models {
            let pipe = try pipeline(model)
            for kind in SchedulerKind.allCases {
                let ref = try SamplingReference("\(model)-edit-\(kind.rawValue)")
                let label = "\(model) \(kind.rawValue)"
                let steps = Int(try ref.number("steps"))
                XCTAssertEqual(Array(try pipe.makeScheduler(kind).timesteps(steps: steps).dropFirst(Int(try ref.number("begin")))),
                               try ref.tensor("timesteps").scalars, label)
                var reported: [GenerationProgress] = []
                let edited = try pipe.edit(try ref.tensor("image"), prompts: [try ref.string("prompt")], strength: try ref.number("strength"),
                                           steps: steps, guidance: Float(try ref.number("guidance")), negative: [try ref.string("negative_prompt")],
                                           scheduler: kind, posteriorNoise: ref.tensors["posterior_noise"], noise: try ref.tensor("noise"),
                                           stepNoise: try ref.tensor("step_noise")) { reported.append($0) }
                let error = maxAbsoluteError(edited, try ref.tensor("edited"))
                XCTAssertLessThan(error, 1e-4, label)
                worst[kind] = max(worst[kind] ?? 0, error)
                XCTAssertEqual(reported.map(\.timestep), try ref.tensor("timesteps").scalars, label)

                // Given the image latents instead (diffusers' 4-channel image), the same edit.
                let fromLatents = try pipe.edit(nil, prompts: [try ref.string("prompt")], strength: try ref.number("strength"), steps: steps,
                                                scheduler: kind, imageLatents: try ref.tensor("image_latents"), noise: try ref.tensor("noise"),
                                                stepNoise: try ref.tensor("step_noise"))
                XCTAssertLessThan(maxAbsoluteError(fromLatents, try ref.tensor("edited")), 1e-4, "\(label) from latents")
            }
        }
        print("edit parity, max |ours - diffusers| over the three models' edited images:",
              SchedulerKind.allCases.map { "\($0.rawValue) \(worst[$0] ?? .nan)" }.joined(separator: ", "))
    }

    /// Seeded draws: the same seed gives the same bits, another seed another image; strength 1
    /// starts from pure noise at the first timestep, so the image no longer matters.
    func testSeedsAndStrength() throws {
        let pipe = try pipeline("sd1-tiny")
        var generator = RandomGenerator(seed: 3)
        let image = try Tensor.rand([1, 3, 16, 16], generator: &generator)
        let a = try pipe.edit(image, prompts: ["a cat"], steps: 4, seed: 1)
        let b = try pipe.edit(image, prompts: ["a cat"], steps: 4, seed: 1)
        let c = try pipe.edit(image, prompts: ["a cat"], steps: 4, seed: 2)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(a.scalars, c.scalars)
        XCTAssertEqual(a.shape, [1, 3, 16, 16])
        // One image for two prompts serves both rows.
        let two = try pipe.edit(image, prompts: ["a cat", "a dog"], steps: 4, seed: 1)
        XCTAssertEqual(two.shape, [2, 3, 16, 16])
        // DDIM at strength 1 with eta 0: x_T = sqrt(abar_T) z0 + sqrt(1 - abar_T) e barely depends on z0,
        // so two images edit to nearly the same result; at strength 0.3 they stay apart.
        let other = Tensor(repeating: 0.5, shape: [1, 3, 16, 16])
        let noise = try Tensor.randn([1, 4, 8, 8], seed: 9)
        func edited(_ img: Tensor, _ strength: Double) throws -> Tensor {
            try pipe.edit(img, prompts: ["a cat"], strength: strength, steps: 4, scheduler: .ddim, noise: noise)
        }
        let far = maxAbsoluteError(try edited(image, 0.3), try edited(other, 0.3))
        let near = maxAbsoluteError(try edited(image, 1), try edited(other, 1))
        XCTAssertLessThan(near, far / 4, "strength 1 \(near) vs 0.3 \(far)")
    }

    func testBadArgumentsAreErrorsNamingThem() throws {
        let pipe = try pipeline("sd1-tiny")
        let image = Tensor(repeating: 0.5, shape: [1, 3, 16, 16])
        for strength in [0, -0.1, 1.5] {
            XCTAssertThrowsError(try pipe.edit(image, prompts: ["a"], strength: strength, steps: 4)) { error in
                XCTAssertTrue("\(error)".contains("strength must be in (0, 1], got \(strength)"), "\(error)")
            }
        }
        XCTAssertThrowsError(try pipe.edit(image, prompts: ["a"], strength: 0.2, steps: 4)) { error in
            XCTAssertTrue("\(error)".contains("int(steps * strength) = 0"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(Tensor.zeros([1, 3, 15, 16]), prompts: ["a"], steps: 4)) { error in
            XCTAssertTrue("\(error)".contains("[1,3,15,16]") && "\(error)".contains("multiples of 2"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(Tensor.zeros([1, 4, 16, 16]), prompts: ["a"], steps: 4)) { error in
            XCTAssertTrue("\(error)".contains("[1,4,16,16]"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(image * 3, prompts: ["a"], steps: 4)) { error in
            XCTAssertTrue("\(error)".contains("[0, 1]"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(Tensor(repeating: 0.5, shape: [2, 3, 16, 16]), prompts: ["a", "b", "c"], steps: 4)) { error in
            XCTAssertTrue("\(error)".contains("2 images for 3 prompts"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(image, prompts: ["a"], steps: 4, imageLatents: Tensor.zeros([1, 4, 8, 8])))
        XCTAssertThrowsError(try pipe.edit(nil, prompts: ["a"], steps: 4))
        XCTAssertThrowsError(try pipe.edit(image, prompts: ["a"], steps: 4, noise: Tensor.zeros([1, 4, 4, 4]))) { error in
            XCTAssertTrue("\(error)".contains("[1,4,8,8]") && "\(error)".contains("[1,4,4,4]"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.edit(image, prompts: [], steps: 4))
        XCTAssertThrowsError(try pipe.edit(image, prompts: ["a"], steps: 0))
    }
}
