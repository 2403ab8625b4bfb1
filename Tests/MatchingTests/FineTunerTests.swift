import XCTest
import Diffusion
@testable import Training
import Tensors

/// The loop on a toy model: determinism, resume == uninterrupted, and that training lowers the loss.
final class FineTunerTests: XCTestCase {
    func makeTuner(_ loss: LossKind, steps: Int, seed: UInt64 = 7, uncondProb: Float = 0,
                   seen: (([String]) -> Void)? = nil) throws -> (FineTuner, Parameter) {
        let w = Parameter(try Tensor(shape: [1, 2, 1, 1], scalars: [0.2, -0.1]))
        // The caption's length picks a per-channel shift, so captions matter to the prediction.
        let model = TrainableModel(
            encodeText: { captions in
                seen?(captions)
                return try Tensor(shape: [captions.count, 1, 1], scalars: captions.map { Float($0.count % 7) / 7 })
            },
            encodeImages: { images, _ in try images.sliced(axis: 1, start: 0, end: 2) },
            predict: { x, _, ctx in try w.tensor * x + ctx.reshaped([ctx.shape[0], 1, 1, 1]) },
            alphasCumprod: (0..<50).map { 1 - Float($0) / 60 })
        var data: [FineTuneExample] = []
        for i in 0..<5 {
            let img = try Tensor(shape: [1, 3, 2, 2], scalars: (0..<12).map { Float(($0 * 7 + i * 3) % 11) / 11 })
            data.append(FineTuneExample(image: img, caption: String(repeating: "a", count: i + 1), negativeCaption: "neg \(i)", negativeImage: img * 0.5))
        }
        var config = FineTuneConfig()
        config.loss = loss
        config.steps = steps
        config.batchSize = 3
        config.learningRate = 1e-2
        config.seed = seed
        config.uncondProb = uncondProb
        return (try FineTuner(model: model, parameters: [("w", w)], data: FineTuneData(data), config: config), w)
    }

    func testSameSeedSameResult() throws {
        let (a, wa) = try makeTuner(.hardneg, steps: 6)
        let (b, wb) = try makeTuner(.hardneg, steps: 6)
        try a.run()
        try b.run()
        XCTAssertEqual(wa.value.scalars, wb.value.scalars)
        XCTAssertEqual(a.log, b.log)
        let (c, wc) = try makeTuner(.hardneg, steps: 6, seed: 8)
        try c.run()
        XCTAssertNotEqual(wa.value.scalars, wc.value.scalars)
    }

    func testResumeEqualsUninterruptedRun() throws {
        for kind in LossKind.allCases where kind != .softnegAnchored {
            let (full, wFull) = try makeTuner(kind, steps: 6)
            try full.run()
            let (first, _) = try makeTuner(kind, steps: 6)
            var stopAfter = 3
            try first.run(shouldStop: { stopAfter -= 1; return stopAfter == 0 })
            XCTAssertEqual(first.step, 3)
            let saved = try first.checkpointState()
            let (second, wSecond) = try makeTuner(kind, steps: 6)
            try second.restore(tensors: saved.tensors, metadata: saved.metadata)
            try second.run()
            XCTAssertEqual(wSecond.value.scalars, wFull.value.scalars, "\(kind)")
            XCTAssertEqual(second.log, full.log, "\(kind)")
        }
    }

    func testNoNegLowersTheDenoisingError() throws {
        let (t, _) = try makeTuner(.noneg, steps: 60)
        try t.run()
        let early = t.log.prefix(10).map(\.positiveError).reduce(0, +)
        let late = t.log.suffix(10).map(\.positiveError).reduce(0, +)
        XCTAssertLessThan(late, early)
    }

    /// Caption dropout: the positives' captions, as the model sees them, over 200 steps of 3.
    func captionsSeen(uncondProb: Float, seed: UInt64 = 7) throws -> [String] {
        var seen: [String] = []
        let (t, _) = try makeTuner(.noneg, steps: 200, seed: seed, uncondProb: uncondProb) { seen += $0 }
        try t.run()
        return seen
    }

    func testCaptionDropoutReplacesTheChosenShareByTheEmptyCaption() throws {
        let none = try captionsSeen(uncondProb: 0)
        XCTAssertEqual(none.count, 600)
        XCTAssertFalse(none.contains(""))
        let some = try captionsSeen(uncondProb: 0.1)
        XCTAssertEqual(some.count, 600)
        // Same batches, some captions emptied: every non-empty caption is the undropped one.
        for (a, b) in zip(none, some) where !b.isEmpty { XCTAssertEqual(a, b) }
        let dropped = some.filter(\.isEmpty).count
        // Binomial(600, 0.1): mean 60, sd 7.3; these bounds are 3.4 sd wide.
        XCTAssertGreaterThan(dropped, 35)
        XCTAssertLessThan(dropped, 85)
        XCTAssertEqual(try captionsSeen(uncondProb: 0.1), some, "same seed, same captions dropped")
        XCTAssertNotEqual(try captionsSeen(uncondProb: 0.1, seed: 8).map(\.isEmpty), some.map(\.isEmpty))
        XCTAssertTrue(try captionsSeen(uncondProb: 1).allSatisfy(\.isEmpty))
    }

    func testResumeWithCaptionDropoutEqualsUninterruptedRun() throws {
        let (full, wFull) = try makeTuner(.noneg, steps: 6, uncondProb: 0.5)
        try full.run()
        let (first, _) = try makeTuner(.noneg, steps: 6, uncondProb: 0.5)
        var stopAfter = 3
        try first.run(shouldStop: { stopAfter -= 1; return stopAfter == 0 })
        let saved = try first.checkpointState()
        let (second, wSecond) = try makeTuner(.noneg, steps: 6, uncondProb: 0.5)
        try second.restore(tensors: saved.tensors, metadata: saved.metadata)
        try second.run()
        XCTAssertEqual(wSecond.value.scalars, wFull.value.scalars)
        let (other, _) = try makeTuner(.noneg, steps: 6, uncondProb: 0.2)
        XCTAssertThrowsError(try other.restore(tensors: saved.tensors, metadata: saved.metadata)) {
            XCTAssertTrue("\($0)".contains("uncond_prob"))
        }
    }

    func testBadSettingsAreRejectedByName() throws {
        var config = FineTuneConfig()
        config.batchSize = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("batch")) }
    }
}
