import XCTest
@testable import Tensors

/// Reverse-mode gradients of every differentiable op, checked two ways on each fixture case of
/// scripts/make_op_fixtures.py: against PyTorch autograd in float64 on the same float32 inputs
/// (the exact reference), and against central finite differences of L = sum(f(x) * R) computed
/// here (an independent check that the reference itself is the derivative of our forward).
final class OpGradientTests: XCTestCase {
    /// Runs the case with every differentiable input as a parameter; returns their gradients.
    func gradients(_ c: OpFixture.Case, seedWithLoss: Bool) throws -> [String: Tensor] {
        var params: [String: Parameter] = [:]
        var inputs: [String: Tensor] = [:]
        for (name, array) in c.inputs {
            let p = Parameter(try array.tensor, requiresGrad: c.grads[name] != nil)
            params[name] = p
            inputs[name] = p.tensor
        }
        let y = try evaluate(c, inputs)
        let r = try c.cotangent.tensor
        if seedWithLoss {
            try (y * r).sum().backward()
        } else {
            try y.backward(r)
        }
        var out: [String: Tensor] = [:]
        for name in c.grads.keys {
            out[name] = params[name]?.grad
        }
        return out
    }

    /// L(x) = sum(f(x) * R) in Double, with `name`'s element `index` moved by `delta`.
    func loss(_ c: OpFixture.Case, moving name: String, index: Int, by delta: Float) throws -> Double {
        var inputs = try c.inputs.mapValues { try $0.tensor }
        guard let x = inputs[name] else { return .nan }
        var scalars = x.scalars
        scalars[index] += delta
        inputs[name] = try Tensor(shape: x.shape, scalars: scalars)
        let y = try noGrad { try evaluate(c, inputs) }
        return zip(y.scalars, c.cotangent.data).reduce(0.0) { $0 + Double($1.0) * $1.1 }
    }

    func checkGradients(
        _ group: String, tolerance: Double, step: Float = 1e-2, fdTolerance: Double = 2e-3,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let fixture = try OpFixture.load(group)
        var checked = 0
        for c in fixture.cases where !c.grads.isEmpty {
            for seedWithLoss in [false, true] {
                let grads = try gradients(c, seedWithLoss: seedWithLoss)
                for (name, expected) in c.grads {
                    guard let g = grads[name] else {
                        XCTFail("\(group)/\(c.name): no gradient for \(name)", file: file, line: line)
                        continue
                    }
                    XCTAssertEqual(g.shape, expected.shape, "\(group)/\(c.name): d\(name) shape", file: file, line: line)
                    let err = relativeError(g.scalars, expected.data)
                    XCTAssertLessThanOrEqual(err, tolerance, "\(group)/\(c.name): d\(name) vs torch float64 (loss seed: \(seedWithLoss))", file: file, line: line)
                }
            }
            // Finite differences at a few spread-out elements of each input.
            for (name, expected) in c.grads {
                let n = expected.data.count
                let scale = Swift.max(1, expected.data.map(Swift.abs).max() ?? 0)
                for k in 0..<Swift.min(n, 5) {
                    let index = (k * n) / Swift.min(n, 5) + (n > 5 ? k % 3 : 0)
                    guard index < n else { continue }
                    let fd = (try loss(c, moving: name, index: index, by: step) - loss(c, moving: name, index: index, by: -step)) / (2 * Double(step))
                    XCTAssertLessThanOrEqual(Swift.abs(fd - expected.data[index]) / scale, fdTolerance,
                                             "\(group)/\(c.name): d\(name)[\(index)] finite difference \(fd) vs \(expected.data[index])", file: file, line: line)
                }
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, file: file, line: line)
    }

    func testConv2d() throws { try checkGradients("conv2d", tolerance: 1e-5) }

    /// As OpValueTests' tiled case: one image per column matrix, one output row per tile.
    func testConv2dInTilesAndSingleImageChunks() throws {
        let saved = (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns)
        defer { (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns) = saved }
        (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns) = (30, 1)
        OneDNN.enabled = false
        defer { OneDNN.enabled = true }
        try checkGradients("conv2d", tolerance: 1e-5)
    }

    /// The im2col + OpenBLAS path as it runs for shapes oneDNN declines (the default path above
    /// goes through oneDNN).
    func testConv2dThroughOpenBLAS() throws {
        OneDNN.enabled = false
        defer { OneDNN.enabled = true }
        try checkGradients("conv2d", tolerance: 1e-5)
    }
    func testGroupAndLayerNorm() throws { try checkGradients("norm", tolerance: 1e-5) }
    func testSoftmax() throws { try forEachVectorUnit { _ in try checkGradients("softmax", tolerance: 1e-5) } }
    func testAttention() throws { try forEachVectorUnit { _ in try checkGradients("attention", tolerance: 1e-5) } }
    func testMatmulAndLinear() throws { try checkGradients("matmul", tolerance: 1e-5) }
    func testUnary() throws { try forEachVectorUnit { _ in try checkGradients("unary", tolerance: 1e-5) } }
    func testBinary() throws { try checkGradients("binary", tolerance: 1e-5) }
    /// A smaller step: the gap between the largest and the second-largest element can be small.
    func testReductions() throws { try checkGradients("reductions", tolerance: 1e-5, step: 1e-3, fdTolerance: 5e-3) }
    func testShapeOps() throws { try checkGradients("shape", tolerance: 1e-6) }
}
