import XCTest
import Diffusion
@testable import Training
import Tensors

/// The losses on a toy predictor eps = w * x + ctx[0] with one trainable scalar w:
/// values derived by hand, gradients against central finite differences.
final class LossTests: XCTestCase {
    let abar: [Float] = [0.25, 0.64]

    func toy(_ w: Parameter) -> NoisePredictor {
        { x, _, ctx in
            let c = try ctx.sliced(axis: 1, start: 0, end: 1).sliced(axis: 2, start: 0, end: 1).reshaped([ctx.shape[0], 1, 1, 1])
            return try w.tensor * x + c
        }
    }

    func batch() throws -> LossBatch {
        LossBatch(latents: try Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, -1, 0.5]),
                  contexts: try Tensor(shape: [2, 1, 1], scalars: [0.1, -0.3]),
                  negativeContexts: try Tensor(shape: [2, 1, 1], scalars: [1.5, 2]),
                  unconditionalContext: try Tensor(shape: [1, 1, 1], scalars: [0.7]),
                  timesteps: [0, 1], noise: try Tensor(shape: [2, 1, 1, 2], scalars: [0.3, -0.2, 1, 0.4]))
    }

    /// The same loss computed directly from its definition, in Double.
    func reference(_ kind: LossKind, w: Double, lambda: Double = 1) throws -> Double {
        let b = try batch()
        let x0 = b.latents.scalars.map(Double.init), e = b.noise.scalars.map(Double.init)
        func err(_ ctx: [Double]) -> Double {
            var total = 0.0
            for i in 0..<4 {
                let row = i / 2, a = Double(abar[b.timesteps[row]])
                let xt = a.squareRoot() * x0[i] + (1 - a).squareRoot() * e[i]
                let d = e[i] - (w * xt + ctx[row])
                total += d * d
            }
            return total / 4
        }
        let pos = err(b.contexts.scalars.map(Double.init))
        switch kind {
        case .noneg: return pos
        case .hardneg: return pos - min(err(b.negativeContexts?.scalars.map(Double.init) ?? []), lambda * pos)
        case .softneg: return pos - err([0.7, 0.7])
        case .softnegBounded: return pos - min(err([0.7, 0.7]), lambda * pos)
        case .softnegAnchored: return pos - err([0.7, 0.7])  // the anchor term is zero at the base weights
        }
    }

    func testValuesMatchDefinitions() throws {
        for kind in LossKind.allCases {
            for lambda: Float in [1, 0.2] {
                let w = Parameter(Tensor(0.4))
                let base = toy(Parameter(Tensor(0.4)))
                let terms = try trainingLoss(kind, batch: batch(), lambda: lambda, alphasCumprod: abar, predict: toy(w), basePredict: base)
                XCTAssertEqual(Double(try terms.loss.item()), try reference(kind, w: 0.4, lambda: Double(lambda)), accuracy: 1e-6, "\(kind) lambda \(lambda)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        for kind in [LossKind.noneg, .hardneg, .softneg, .softnegBounded] {
            for lambda: Float in [1, 0.2] {
                let w = Parameter(Tensor(0.4), requiresGrad: true)
                let terms = try trainingLoss(kind, batch: batch(), lambda: lambda, alphasCumprod: abar, predict: toy(w))
                try terms.loss.backward()
                let h = 1e-4
                // The bound lambda * L_pos is detached: finite differences must hold it fixed.
                let bound = lambda * Float(try reference(.noneg, w: 0.4))
                func f(_ v: Double) throws -> Double {
                    switch kind {
                    case .hardneg, .softnegBounded:
                        let pos = try reference(.noneg, w: v)
                        let other = pos - (try reference(kind == .hardneg ? .hardneg : .softnegBounded, w: v, lambda: 1e9))
                        return pos - min(other, Double(bound))
                    default: return try reference(kind, w: v, lambda: Double(lambda))
                    }
                }
                let fd = (try f(0.4 + h) - f(0.4 - h)) / (2 * h)
                XCTAssertEqual(Double(try w.grad?.item() ?? .nan), fd, accuracy: 1e-4, "\(kind) lambda \(lambda)")
            }
        }
    }

    func testAnchoredPenalisesDriftOfTheUnconditionalBranch() throws {
        let base = toy(Parameter(Tensor(0.4)))
        let plain = try trainingLoss(.softneg, batch: batch(), alphasCumprod: abar, predict: toy(Parameter(Tensor(0.9))))
        let anchored = try trainingLoss(.softnegAnchored, batch: batch(), anchor: 2, alphasCumprod: abar,
                                        predict: toy(Parameter(Tensor(0.9))), basePredict: base)
        // eps_0 - eps_0^base = 0.5 * x_t elementwise: the penalty is 2 * mean((0.5 x_t)^2).
        let b = try batch()
        var penalty = 0.0
        for i in 0..<4 {
            let a = Double(abar[b.timesteps[i / 2]])
            let xt = a.squareRoot() * Double(b.latents.scalars[i]) + (1 - a).squareRoot() * Double(b.noise.scalars[i])
            penalty += 0.25 * xt * xt / 4
        }
        XCTAssertEqual(Double(try anchored.loss.item() - plain.loss.item()), 2 * penalty, accuracy: 1e-6)
    }

    func testHardNegWithoutNegativesIsAnError() throws {
        var b = try batch()
        b.negativeContexts = nil
        XCTAssertThrowsError(try trainingLoss(.hardneg, batch: b, alphasCumprod: abar, predict: toy(Parameter(Tensor(1)))))
    }
}
