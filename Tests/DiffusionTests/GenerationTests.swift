import Foundation
import Tensors
import XCTest
import Diffusion

/// Guided sampling against diffusers 0.42.1 (transformers 5.24, torch 2.15 CPU), from the stored
/// initial latents and, for ancestral schedulers, the stored per-step noise:
/// - Fixtures/refs/<model>-generate.ref.safetensors: 3 DDIM steps (`DDIMScheduler.from_config`), with
///   every intermediate latent (scripts/fixtures/models.py);
/// - Fixtures/refs/<model>-generate-<kind>.ref.safetensors: 6 steps with each scheduler kind built by
///   `Class.from_config(checkpoint config)` (scripts/fixtures/sampling.py).
/// Guidance 7.5, negative prompt ""; for the latent models the scripts check their loops against
/// `StableDiffusionPipeline(...)(output_type="pt")` to 1e-5. Tolerance: 1e-3 of the largest magnitude.
final class GenerationTests: XCTestCase {
    static let models = ["sd1-tiny", "sd2-tiny", "pixel-tiny"]

    struct Reference {
        let tensors: [String: Tensor]
        let prompt: String, negative: String, guidance: Float, steps: Int

        init(_ model: String) throws {
            let (tensors, raw) = try SafeTensors.load(try FixtureFiles.url("refs/\(model)-generate.ref.safetensors").path)
            self.tensors = tensors
            // The script stores its settings as one JSON object under "fixture".
            let metadata = try raw["fixture"].map { try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? raw
            prompt = try XCTUnwrap(metadata["prompt"])
            negative = try XCTUnwrap(metadata["negative_prompt"])
            guidance = try XCTUnwrap(metadata["guidance"].flatMap(Float.init))
            steps = try XCTUnwrap(metadata["steps"].flatMap(Int.init))
        }

        func tensor(_ key: String) throws -> Tensor { try XCTUnwrap(tensors[key], key) }
    }

    func testGuidedDDIMMatchesDiffusers() throws {
        for model in Self.models {
            let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
            let ref = try Reference(model)
            XCTAssertEqual(pipe.isPixelSpace, model == "pixel-tiny")
            XCTAssertEqual(try pipe.tokenize([ref.prompt]).flatMap { $0 }.map(Float.init), try ref.tensor("prompt_ids").scalars, model)
            XCTAssertEqual(try pipe.tokenize([ref.negative]).flatMap { $0 }.map(Float.init), try ref.tensor("negative_ids").scalars, model)
            XCTAssertEqual(try pipe.makeScheduler(.ddim).timesteps(steps: ref.steps), try ref.tensor("timesteps").scalars, model)

            var seen: [GenerationProgress] = []
            let image = try pipe.generate([ref.prompt], steps: ref.steps, guidance: ref.guidance,
                                          latents: try ref.tensor("latents"), negative: [ref.negative], scheduler: .ddim) { seen.append($0) }
            let expected = try ref.tensor("image")
            XCTAssertEqual(image.shape, expected.shape, model)
            let error = errorRelativeToReference(image, expected)
            XCTAssertLessThan(error, 1e-3, "\(model): image max |out - ref| / max |ref| = \(error)")
            XCTAssertEqual(seen.map(\.step), Array(1...ref.steps), model)
            XCTAssertEqual(seen.map { Float($0.timestep) }, try ref.tensor("timesteps").scalars, model)
        }
    }

    /// Each scheduler kind on each tiny model (SD-1.x epsilon, SD-2.x v-prediction with trailing
    /// spacing, a pixel-space model with a DDPM config): latents and image against diffusers.
    func testEverySchedulerMatchesDiffusers() throws {
        var worst: [SchedulerKind: Float] = [:], worstLatents: [SchedulerKind: Float] = [:]
        for model in Self.models {
            let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
            for kind in SchedulerKind.allCases {
                let ref = try SamplingReference("\(model)-generate-\(kind.rawValue)")
                let steps = Int(try ref.number("steps")), guidance = Float(try ref.number("guidance"))
                let label = "\(model) \(kind.rawValue)"
                XCTAssertEqual(try pipe.makeScheduler(kind).timesteps(steps: steps), try ref.tensor("timesteps").scalars, label)
                let context = try Tensor.cat([pipe.encodeText([try ref.string("negative_prompt")]), pipe.encodeText([try ref.string("prompt")])], axis: 0)
                let latents = try pipe.sample(try ref.tensor("latents"), context: context, guidance: guidance, steps: steps, scheduler: kind,
                                              stepNoise: try ref.tensor("step_noise"))
                let latentError = errorRelativeToReference(latents, try ref.tensor("final_latents"))
                XCTAssertLessThan(latentError, 1e-3, "\(label) final latents")
                let image = try pipe.generate([try ref.string("prompt")], steps: steps, guidance: guidance, latents: try ref.tensor("latents"),
                                              scheduler: kind, stepNoise: try ref.tensor("step_noise"))
                let expected = try ref.tensor("image")
                XCTAssertLessThan(errorRelativeToReference(image, expected), 1e-3, "\(label) image")
                worst[kind] = max(worst[kind] ?? 0, maxAbsoluteError(image, expected))
                worstLatents[kind] = max(worstLatents[kind] ?? 0, latentError)
            }
        }
        print("generation parity over the three models, max |image - diffusers'| (images in [0, 1]) and final latents' max error / max |latent|:",
              SchedulerKind.allCases.map { "\($0.rawValue) \(worst[$0] ?? .nan) \(worstLatents[$0] ?? .nan)" }.joined(separator: ", "))
    }

    /// Without `scheduler:`, a pipeline samples with its checkpoint's class, as
    /// StableDiffusionPipeline.from_pretrained does: PNDM for sd1-tiny, DDIM for sd2-tiny, DDPM for pixel-tiny.
    func testDefaultSchedulerIsTheCheckpointsClass() throws {
        for (model, kind) in [("sd1-tiny", SchedulerKind.pndm), ("sd2-tiny", .ddim), ("pixel-tiny", .ddpm)] {
            let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
            XCTAssertEqual(pipe.scheduler.kind, kind, model)
            let ref = try SamplingReference("\(model)-generate-\(kind.rawValue)")
            let image = try pipe.generate([try ref.string("prompt")], steps: Int(try ref.number("steps")), latents: try ref.tensor("latents"),
                                          stepNoise: try ref.tensor("step_noise"))
            XCTAssertLessThan(errorRelativeToReference(image, try ref.tensor("image")), 1e-3, model)
        }
    }

    /// Ancestral schedulers draw each step's noise from the seed's step stream (1), one draw per
    /// step that adds noise: the same seed gives the same bits, and passing those draws explicitly
    /// gives the same image.
    func testSeededStepNoise() throws {
        let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/sd1-tiny").path)
        let latents = try Tensor.randn([1, 4, 8, 8], seed: 5)
        for kind in [SchedulerKind.eulerAncestral, .ddpm] {
            let a = try pipe.generate(["a red square"], steps: 3, seed: 11, latents: latents, scheduler: kind)
            let b = try pipe.generate(["a red square"], steps: 3, seed: 11, latents: latents, scheduler: kind)
            let c = try pipe.generate(["a red square"], steps: 3, seed: 12, latents: latents, scheduler: kind)
            XCTAssertEqual(a.scalars, b.scalars, "\(kind)")
            XCTAssertNotEqual(a.scalars, c.scalars, "\(kind)")
            var generator = RandomGenerator(seed: 11, stream: 1)
            var run = try pipe.makeScheduler(kind).run(steps: 3)
            var draws: [Tensor] = []
            for _ in run.timesteps {
                draws.append(run.needsNoise ? try Tensor.randn([1, 4, 8, 8], generator: &generator) : Tensor.zeros([1, 4, 8, 8]))
                let x = Tensor.zeros([1, 4, 8, 8])
                _ = try run.step(x, sample: x, noise: draws.last)
            }
            let explicit = try pipe.generate(["a red square"], steps: 3, seed: 99, latents: latents, scheduler: kind,
                                             stepNoise: try Tensor.stack(draws, axis: 0))
            XCTAssertEqual(a.scalars, explicit.scalars, "\(kind)")
        }
        // Deterministic schedulers ignore the step stream: the seed only draws the initial latents.
        let d1 = try pipe.generate(["a red square"], steps: 3, seed: 11, latents: latents, scheduler: .dpmSolverMultistep)
        let d2 = try pipe.generate(["a red square"], steps: 3, seed: 12, latents: latents, scheduler: .dpmSolverMultistep)
        XCTAssertEqual(d1.scalars, d2.scalars)
    }

    /// Every intermediate latent of the loop, not only the image.
    func testEveryStepMatchesDiffusers() throws {
        for model in Self.models {
            let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/\(model)").path)
            let ref = try Reference(model)
            let context = try Tensor.cat([pipe.encodeText([ref.negative]), pipe.encodeText([ref.prompt])], axis: 0)
            var x = try ref.tensor("latents")
            let expected = try ref.tensor("step_latents")
            let perStep = expected.count / ref.steps
            let ddim = try DDIMScheduler(pipe.schedulerConfig)
            let timesteps = try ddim.schedule.timesteps(steps: ref.steps)
            for (i, t) in timesteps.enumerated() {
                let eps = try pipe.noisePrediction(Tensor.cat([x, x], axis: 0), timesteps: [t], context: context)
                x = try ddim.step(classifierFreeGuidance(eps, scale: ref.guidance), timestep: t, sample: x, steps: ref.steps).prevSample
                let want = try Tensor(shape: x.shape, scalars: Array(expected.scalars[(i * perStep)..<((i + 1) * perStep)]))
                let error = errorRelativeToReference(x, want)
                XCTAssertLessThan(error, 1e-3, "\(model) step \(i + 1): \(error)")
            }
            XCTAssertLessThan(errorRelativeToReference(x, try ref.tensor("final_latents")), 1e-3, model)
        }
    }

    /// Throwing from the progress callback (what Ctrl-C does) stops between steps: no further UNet
    /// call, and the error reaches the caller.
    func testProgressCanStopSampling() throws {
        struct Stop: Error {}
        let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/pixel-tiny").path)
        var calls = 0
        XCTAssertThrowsError(try pipe.generate(["a cat"], steps: 5, guidance: 3, seed: 1) { p in
            calls += 1
            if p.step == 2 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(calls, 2)
    }

    /// Same seed, same image; another seed, another image; guidance 1 runs without the
    /// unconditional branch (no classifier-free guidance), as diffusers does for g <= 1.
    func testSeedsAndGuidanceOne() throws {
        let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/sd1-tiny").path)
        let a = try pipe.generate(["a red square"], steps: 2, seed: 7)
        let b = try pipe.generate(["a red square"], steps: 2, seed: 7)
        let c = try pipe.generate(["a red square"], steps: 2, seed: 8)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(a.scalars, c.scalars)
        XCTAssertEqual(a.shape, [1, 3, 16, 16])  // sample_size 8 x VAE scale factor 2
        XCTAssertTrue(a.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })

        // g = 1: eps = eps_c, i.e. the plain conditional loop.
        let latents = try Tensor.randn([1, 4, 8, 8], seed: 3)
        let unguided = try pipe.generate(["a red square"], steps: 2, guidance: 1, latents: latents)
        let cond = try pipe.encodeText(["a red square"])
        let manual = try pipe.decodeLatents(pipe.sample(latents, context: cond, guidance: 1, steps: 2))
        XCTAssertEqual(unguided.scalars, manual.scalars)
    }

    func testBadArgumentsAreErrors() throws {
        let pipe = try StableDiffusion.load(from: try FixtureFiles.url("models/sd1-tiny").path)
        XCTAssertThrowsError(try pipe.generate([], steps: 2))
        XCTAssertThrowsError(try pipe.generate(["a", "b"], steps: 2, negative: ["x", "y", "z"]))
        XCTAssertThrowsError(try pipe.generate(["a"], steps: 2, latents: Tensor.zeros([1, 3, 8, 8]))) { error in
            XCTAssertTrue("\(error)".contains("[1,3,8,8]"), "\(error)")
        }
        XCTAssertThrowsError(try pipe.generate(["a"], steps: 0))
        XCTAssertThrowsError(try pipe.generate(["a"], steps: 2, height: 15, width: 16))
        XCTAssertThrowsError(try classifierFreeGuidance(Tensor.zeros([3, 4]), scale: 2))
        XCTAssertThrowsError(try pipe.generate(["a"], steps: 3, scheduler: .eulerAncestral, stepNoise: Tensor.zeros([2, 1, 4, 8, 8]))) { error in
            XCTAssertTrue("\(error)".contains("[3,1,4,8,8]"), "\(error)")
        }
    }
}

/// max |a - b| / max |b| (infinite when the shapes differ).
func errorRelativeToReference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    let scale = b.scalars.map(abs).max() ?? 0
    let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    return diff / max(scale, .leastNormalMagnitude)
}
