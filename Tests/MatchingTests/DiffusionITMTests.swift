import XCTest
import Diffusion
@testable import Matching
import Tensors

/// DiffusionITM on a toy predictor whose errors can be derived by hand:
/// eps(x, t, ctx) = x * c, where c is the first element of the caption embedding.
final class DiffusionITMTests: XCTestCase {
    let predict: NoisePredictor = { x, _, ctx in
        let c = try ctx.sliced(axis: 1, start: 0, end: 1).sliced(axis: 2, start: 0, end: 1).reshaped([ctx.shape[0], 1, 1, 1])
        return try x * c
    }

    func testGridMatchesReference() {
        XCTAssertEqual(DiffusionITM.gridTimesteps(samples: 10), [10, 110, 210, 310, 410, 510, 610, 710, 810, 910])
        XCTAssertEqual(DiffusionITM.gridTimesteps(samples: 4), [10, 260, 510, 760])
        XCTAssertEqual(DiffusionITM.gridTimesteps(samples: 0), [])
    }

    func testErrorsMatchHandDerivedValues() throws {
        // z0 = 1 everywhere (1x1x2x1 latent), abar = 0.64 at t=10 and 0.36 at t=20, e = 0.5.
        var abar = [Float](repeating: 1, count: 30)
        abar[10] = 0.64; abar[20] = 0.36
        let z0 = Tensor.ones([1, 1, 2, 1])
        let noise = Tensor(repeating: 0.5, shape: [2, 1, 2, 1])
        let contexts = try Tensor(shape: [2, 1, 1], scalars: [0, 1])
        let uncond = try Tensor(shape: [1, 1, 1], scalars: [2])
        let (cond, u) = try DiffusionITM.errors(latent: z0, contexts: contexts, unconditionalContext: uncond,
                                                timesteps: [10, 20], noise: noise, alphasCumprod: abar, batchSize: 2, predict: predict)
        // x_t = sqrt(abar) + sqrt(1-abar) * 0.5: 0.8 + 0.3 = 1.1 at t=10; 0.6 + 0.4 = 1.0 at t=20.
        // err = sqrt(2) * |0.5 - c x_t| over the two latent elements.
        let r2 = Float(2).squareRoot()
        let expectedCond: [Float] = [r2 * 0.5, r2 * 0.5, r2 * 0.6, r2 * 0.5]
        let expectedUncond: [Float] = [r2 * 1.7, r2 * 1.5]
        XCTAssertEqual(cond.shape, [2, 2])
        for (a, b) in zip(cond.scalars, expectedCond) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(u?.scalars ?? [], expectedUncond) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(try DiffusionITM.textScore(cond: Array(cond.scalars[0..<2])), Double(-r2 * 0.5), accuracy: 1e-6)
        XCTAssertEqual(try DiffusionITM.textScore(cond: Array(cond.scalars[2..<4])), Double(-r2 * 0.55), accuracy: 1e-6)
    }

    func testBatchSizeDoesNotChangeErrors() throws {
        var abar = [Float](repeating: 0.5, count: 100)
        abar[50] = 0.3
        let z0 = try Tensor(shape: [1, 1, 2, 2], scalars: [0.1, -0.2, 0.3, 0.4])
        let noise = try Tensor(shape: [2, 1, 2, 2], scalars: [0.5, -1, 0.25, 2, -0.5, 1, 0.75, -2])
        let contexts = try Tensor(shape: [3, 1, 1], scalars: [0.2, -1, 3])
        let uncond = try Tensor(shape: [1, 1, 1], scalars: [0])
        let one = try DiffusionITM.errors(latent: z0, contexts: contexts, unconditionalContext: uncond, timesteps: [50, 10],
                                          noise: noise, alphasCumprod: abar, norm: .mse, batchSize: 1, predict: predict)
        let all = try DiffusionITM.errors(latent: z0, contexts: contexts, unconditionalContext: uncond, timesteps: [50, 10],
                                          noise: noise, alphasCumprod: abar, norm: .mse, batchSize: 8, predict: predict)
        XCTAssertEqual(one.cond.scalars, all.cond.scalars)
        XCTAssertEqual(one.uncond?.scalars, all.uncond?.scalars)
    }

    func testImageScoreSubtractsUnconditional() throws {
        XCTAssertEqual(try DiffusionITM.imageScore(cond: [3, 5], uncond: [1, 1]), -3)
        XCTAssertThrowsError(try DiffusionITM.imageScore(cond: [3, 5], uncond: [])) { XCTAssertTrue("\($0)".contains("uncond: true"), "\($0)") }
    }

    /// Both directions from one comparison: 2 images x 2 captions x 2 timesteps, worked by hand.
    func testRetrievalDirectionsUseTheirOwnScores() throws {
        // Image 1 is hard to denoise (large errors everywhere) but caption 0 helps it most.
        let errors = MatchErrors(cond: [[[1, 3], [2, 2]], [[5, 7], [8, 8]]], uncond: [[2, 2], [9, 9]], timesteps: [10, 20])
        XCTAssertEqual(try errors.captionScores(forImage: 0), [-2, -2])
        XCTAssertEqual(try errors.captionScores(forImage: 1), [-6, -8])
        // Image scores: -(mean cond - mean uncond): image 0: -(2 - 2) = 0, image 1: -(6 - 9) = 3.
        XCTAssertEqual(try errors.imageScores(forCaption: 0), [0, 3])
        XCTAssertEqual(try errors.imageScores(forCaption: 1), [0, 1])
        XCTAssertEqual(try errors.imageScoreMatrix(), [[0, 3], [0, 1]])
        XCTAssertEqual(MatchErrors.best(try errors.captionScores(forImage: 0)), 0, "first on ties")
        XCTAssertEqual(MatchErrors.best(try errors.imageScores(forCaption: 0)), 1, "by raw error image 0 would win")
        let noUncond = MatchErrors(cond: errors.cond, uncond: [], timesteps: [10, 20])
        XCTAssertEqual(try noUncond.captionScores(forImage: 1), [-6, -8])
        XCTAssertThrowsError(try noUncond.imageScores(forCaption: 0))
    }

    func testShapeErrorsNameBothShapes() {
        let z0 = Tensor.ones([1, 1, 2, 2])
        XCTAssertThrowsError(try DiffusionITM.errors(latent: z0, contexts: Tensor.ones([1, 1, 1]), unconditionalContext: nil,
                                                     timesteps: [1], noise: Tensor.ones([2, 1, 2, 2]), alphasCumprod: [1, 1], predict: predict)) { error in
            XCTAssertTrue("\(error)".contains("[2,1,2,2]") && "\(error)".contains("[1,1,2,2]"), "\(error)")
        }
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
