import XCTest
@testable import Tensors

/// Forward values against PyTorch (scripts/make_op_fixtures.py, torch 2.x, float64 references
/// computed from the same float32 inputs). Tolerance: max error relative to max(1, max |reference|).
final class OpValueTests: XCTestCase {
    func checkValues(_ group: String, tolerance: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try OpFixture.load(group)
        for c in fixture.cases {
            let inputs = try c.inputs.mapValues { try $0.tensor }
            let y = try evaluate(c, inputs)
            XCTAssertEqual(y.shape, c.output.shape, "\(group)/\(c.name): shape", file: file, line: line)
            let err = relativeError(y.scalars, c.output.data)
            XCTAssertLessThanOrEqual(err, tolerance, "\(group)/\(c.name): relative error", file: file, line: line)
        }
    }

    func testConv2d() throws { try checkValues("conv2d", tolerance: 1e-5) }

    /// The fixtures are small enough for one column matrix per batch; a tiny budget makes
    /// conv2d take its other paths: one image per matrix, one output row per tile.
    func testConv2dInTilesAndSingleImageChunks() throws {
        let saved = (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns)
        defer { (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns) = saved }
        (Conv2dGeometry.columnBudget, Conv2dGeometry.minimumColumns) = (30, 1)
        OneDNN.enabled = false
        defer { OneDNN.enabled = true }
        try checkValues("conv2d", tolerance: 1e-5)
    }

    /// The im2col + OpenBLAS path as it runs for shapes oneDNN declines (the default path above
    /// goes through oneDNN).
    func testConv2dThroughOpenBLAS() throws {
        OneDNN.enabled = false
        defer { OneDNN.enabled = true }
        try checkValues("conv2d", tolerance: 1e-5)
    }
    func testGroupAndLayerNorm() throws { try checkValues("norm", tolerance: 1e-5) }
    func testSoftmax() throws { try forEachVectorUnit { _ in try checkValues("softmax", tolerance: 1e-6) } }
    func testAttention() throws { try forEachVectorUnit { _ in try checkValues("attention", tolerance: 1e-5) } }
    func testMatmulAndLinear() throws { try checkValues("matmul", tolerance: 1e-5) }
    func testUnary() throws { try forEachVectorUnit { _ in try checkValues("unary", tolerance: 1e-6) } }
    func testBinary() throws { try checkValues("binary", tolerance: 1e-6) }
    func testReductions() throws { try checkValues("reductions", tolerance: 1e-6) }
    /// Data movement is exact; 6e-8 covers the nine-digit rounding of the fixture and the one
    /// float32 rounding of the scaled pieces in split/chunk.
    func testShapeOps() throws { try checkValues("shape", tolerance: 6e-8) }
}
