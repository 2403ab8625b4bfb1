import XCTest
@testable import Training
import Tensors

final class AdamWTests: XCTestCase {
    /// Reference: torch 2.15 `torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8,
    /// weight_decay=1e-2)`, p = [0.5, -1.25, 2, 0], three steps with the gradients below.
    func testThreeStepsMatchPyTorch() throws {
        let p = Parameter(try Tensor(shape: [4], scalars: [0.5, -1.25, 2.0, 0.0]), requiresGrad: true)
        let opt = AdamW([("p", p)])
        for g in [[0.1, -0.2, 0.3, 0.0], [1.0, 0.5, -0.25, 2.0], [-0.3, 0.0, 0.7, -1.5]] as [[Float]] {
            opt.zeroGrad()
            p.grad = try Tensor(shape: [4], scalars: g)
            opt.step(lr: 1e-2)
        }
        let expected: [Float] = [0.4776321351528168, -1.247467041015625, 1.98329758644104, -0.008207445032894611]
        for (a, b) in zip(p.value.scalars, expected) { XCTAssertEqual(a, b, accuracy: 2e-7) }
    }

    func testClipGradientNormScalesToMax() throws {
        let p = Parameter(Tensor([0, 0]), requiresGrad: true)
        p.grad = Tensor([3, 4])
        let norm = clipGradientNorm([p], maxNorm: 1)
        XCTAssertEqual(norm, 5)
        XCTAssertEqual(p.grad?.scalars[0] ?? 0, 0.6, accuracy: 1e-6)
        XCTAssertEqual(p.grad?.scalars[1] ?? 0, 0.8, accuracy: 1e-6)
    }

    func testCosineScheduleEndsAtZeroAfterWarmup() {
        let s = LearningRateSchedule.cosine
        XCTAssertEqual(s.rate(base: 1, step: 0, totalSteps: 10, warmupSteps: 2), 0.5)
        XCTAssertEqual(s.rate(base: 1, step: 2, totalSteps: 10, warmupSteps: 2), 1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(base: 1, step: 10, totalSteps: 10, warmupSteps: 2), 0, accuracy: 1e-6)
    }
}
