import Foundation
import XCTest
import Diffusion
import Matching
@testable import Training
@testable import Tensors

/// DiffusionITM and the losses on the tiny SD-1.x model against the PyTorch re-implementation of
/// the original diffusion-itm loop and PyTorch autograd: scripts/make_fixtures.py
/// (scripts/fixtures/itm_losses.py; torch 2.15.0, diffusers 0.42.1; formulas in its docstring).
final class ReferenceParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../DiffusionTests/Fixtures").standardized

    struct TinyModel {
        let unet: UNet2DConditionModel
        let text: CLIPTextModel
        let alphasCumprod: [Float]
        var predict: NoisePredictor { { x, t, c in try unet(x, timestep: t, encoderHiddenStates: c) } }
    }

    func load(_ name: String) throws -> TinyModel {
        let root = Self.fixtures.appendingPathComponent("models/\(name)")
        let textFolder = root.appendingPathComponent("text_encoder")
        let text = try CLIPTextModel(WeightStore(ComponentFiles.weights(in: textFolder), origin: textFolder.path),
                                     config: ComponentFiles.config(CLIPTextConfig.self, in: textFolder))
        let schedulerConfig = root.appendingPathComponent("scheduler/scheduler_config.json")
        let schedule = NoiseSchedule(try JSONDecoder().decode(SchedulerConfig.self, from: Data(contentsOf: schedulerConfig)))
        return TinyModel(unet: try UNet2DConditionModel.load(from: root.path), text: text, alphasCumprod: schedule.alphasCumprod)
    }

    func reference(_ name: String) throws -> [String: Tensor] {
        try SafeTensors.load(Self.fixtures.appendingPathComponent("refs/\(name).ref.safetensors").path).tensors
    }

    func ids(_ t: Tensor?) throws -> [[Int]] {
        guard let t, t.rank == 2 else {
            XCTFail("token ids missing from the reference (scripts/make_fixtures.py writes them)")
            throw CocoaError(.coderValueNotFound)
        }
        return (0..<t.shape[0]).map { i in (0..<t.shape[1]).map { Int(t.scalars[i * t.shape[1] + $0]) } }
    }


    func testDiffusionITMMatchesTheReferenceLoop() throws {
        for name in ["sd1-tiny", "pixel-tiny"] {
            let m = try load(name)
            let ref = try reference("\(name)-itm")
            guard let latents = ref["latents"], let noise = ref["noise"], let ts = ref["timesteps"],
                  let cond = ref["cond"], let uncond = ref["uncond"], let textScores = ref["text_scores"], let imageScores = ref["image_scores"] else {
                return XCTFail("\(name): incomplete reference")
            }
            XCTAssertEqual(ts.scalars.map { Int($0) }, DiffusionITM.gridTimesteps(samples: 10))
            let contexts = try m.text(ids(ref["caption_ids"]))
            let empty = try m.text(ids(ref["empty_ids"]))
            let images = latents.shape[0], captions = contexts.shape[0], steps = ts.count
            var ourCond: [Float] = [], ourUncond: [Float] = [], ourText: [Float] = [], ourImage: [Float] = []
            for i in 0..<images {
                let (c, u) = try DiffusionITM.errors(latent: latents.sliced(axis: 0, start: i, end: i + 1), contexts: contexts,
                                                     unconditionalContext: empty, timesteps: DiffusionITM.gridTimesteps(samples: 10),
                                                     noise: noise, alphasCumprod: m.alphasCumprod, predict: m.predict)
                ourCond += c.scalars
                ourUncond += u?.scalars ?? []
                for n in 0..<captions {
                    let row = Array(c.scalars[(n * steps)..<((n + 1) * steps)])
                    ourText.append(Float(try DiffusionITM.textScore(cond: row)))
                    ourImage.append(Float(try DiffusionITM.imageScore(cond: row, uncond: u?.scalars ?? [])))
                }
            }
            assertClose(ourCond, cond.scalars, 1e-4, "\(name) cond")
            assertClose(ourUncond, uncond.scalars, 1e-4, "\(name) uncond")
            assertClose(ourText, textScores.scalars, 1e-4, "\(name) text scores")
            // Image scores are differences of nearby errors: compare at the errors' scale.
            let scale = cond.scalars.map(abs).max() ?? 1
            for (a, b) in zip(ourImage, imageScores.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * scale, "\(name) image scores") }
        }
    }

    /// The batches of a comparison run one per thread: the errors must not depend on how many.
    func testDiffusionITMGivesTheSameBitsOnAnyThreadCount() throws {
        let m = try load("sd1-tiny")
        let ref = try reference("sd1-tiny-itm")
        guard let latents = ref["latents"], let noise = ref["noise"] else { return XCTFail("incomplete reference") }
        let contexts = try m.text(ids(ref["caption_ids"])), empty = try m.text(ids(ref["empty_ids"]))
        func run() throws -> [Float] {
            let (c, u) = try DiffusionITM.errors(latent: latents.sliced(axis: 0, start: 0, end: 1), contexts: contexts,
                                                 unconditionalContext: empty, timesteps: DiffusionITM.gridTimesteps(samples: 10),
                                                 noise: noise, alphasCumprod: m.alphasCumprod, batchSize: 4, predict: m.predict)
            return c.scalars + (u?.scalars ?? [])
        }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let one = try run()
        for threads in [2, 3] {
            Parallel.threads = threads
            XCTAssertTrue(try run().elementsEqual(one, by: { $0.bitPattern == $1.bitPattern }), "\(threads) threads")
        }
    }

    func testLossesAndGradientsMatchPyTorchAutograd() throws {
        let inputs = try reference("sd1-tiny-loss-inputs")
        guard let latents = inputs["latents"], let negLatents = inputs["neg_latents"], let noise = inputs["noise"],
              let ts = inputs["timesteps"] else { return XCTFail("incomplete loss inputs") }
        let cases: [(file: String, kind: LossKind, negative: String?)] = [
            ("noneg", .noneg, nil), ("softneg", .softneg, nil),
            ("hardneg-caption", .hardneg, "caption"), ("hardneg-caption-lambda", .hardneg, "caption"),
            ("hardneg-image", .hardneg, "image"), ("hardneg-image-lambda", .hardneg, "image"),
        ]
        for c in cases {
            let m = try load("sd1-tiny")  // fresh parameters, no gradients left over
            let ref = try reference("sd1-tiny-loss-\(c.file)")
            let contexts = try noGrad { try m.text(ids(inputs["caption_ids"])) }
            var batch = LossBatch(latents: latents, contexts: contexts, timesteps: ts.scalars.map { Int($0) }, noise: noise)
            switch c.negative {
            case "caption": batch.negativeContexts = try noGrad { try m.text(ids(inputs["neg_caption_ids"])) }
            case "image": batch.negativeLatents = negLatents
            default: batch.unconditionalContext = try noGrad { try m.text(ids(inputs["empty_ids"])).sliced(axis: 0, start: 0, end: 1) }
            }
            let params = m.unet.weights.parameters
            for p in params.values { p.requiresGrad = true }
            let lambda = try ref["lambda"]?.item() ?? 1
            let terms = try trainingLoss(c.kind, batch: batch, lambda: lambda, alphasCumprod: m.alphasCumprod, predict: m.predict)
            try terms.loss.backward()
            assertClose([try terms.loss.item()], ref["loss"]?.scalars ?? [], 1e-4, "\(c.file) loss")
            var checked = 0
            for (key, p) in params {
                guard let expected = ref["grad.\(key)"] else { XCTFail("\(c.file): no reference gradient for \(key)"); continue }
                // Relative to the largest gradient of the whole model, so near-zero tensors do not dominate.
                assertClose(p.grad?.scalars ?? [Float](repeating: 0, count: expected.count), expected.scalars, 1e-4, "\(c.file) grad \(key)")
                checked += 1
            }
            XCTAssertEqual(checked, ref.keys.filter { $0.hasPrefix("grad.") }.count, "\(c.file): every UNet parameter has a gradient")
        }
    }
}

/// |a - b| relative to the reference's largest magnitude.
func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let scale = max(b.map(abs).max() ?? 0, 1e-12)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): max error \(worst) at scale \(scale)", file: file, line: line)
}
