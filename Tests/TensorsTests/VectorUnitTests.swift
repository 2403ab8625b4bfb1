import XCTest
@testable import Tensors

/// Runs `body` with each build of the row kernels this CPU can run: Tensors' four-lane one and,
/// where the CPU has AVX-512, WideKernels' sixteen-lane one.
func forEachVectorUnit(_ body: (_ wide: Bool) throws -> Void) throws {
    let saved = VectorUnit.wide
    defer { VectorUnit.wide = saved }
    for wide in [false, true] where !wide || VectorUnit.wideAvailable {
        VectorUnit.wide = wide
        try body(wide)
    }
}

final class VectorUnitTests: XCTestCase {
    /// Elementwise kernels use no fused multiply-add, so both widths give the same bits, in the
    /// vector body and in the tail alike (1,000 + 7 values, from -100 to 100).
    func testElementwiseKernelsGiveTheSameBitsAtBothWidths() throws {
        var rng = RandomGenerator(seed: 5)
        // Mostly small values, some large: u^4 crowds them near 0.
        let values = zip(rng.uniform(count: 1007, lo: -100, hi: 100), rng.uniform(count: 1007)).map { $0 * $1 * $1 * $1 * $1 }
        let x = try Tensor(shape: [1007], scalars: values)
        var results: [[[Float]]] = []
        try forEachVectorUnit { _ in
            let p = Parameter(x, requiresGrad: true)
            let y = [p.tensor.silu(), p.tensor.gelu()]
            try y[0].sum().backward()
            let siluGrad = p.grad?.scalars ?? []
            p.grad = nil
            try y[1].sum().backward()
            var shifted = values
            shifted.withUnsafeMutableBufferPointer { p in
                if let base = p.baseAddress { VectorUnit.expShiftedRow(base, p.count, shift: 100) }
            }
            results.append(y.map(\.scalars) + [siluGrad, p.grad?.scalars ?? [], shifted])
        }
        guard results.count == 2 else { throw XCTSkip("this CPU has no AVX-512: only the four-lane build runs") }
        for (k, name) in ["silu", "gelu", "silu grad", "gelu grad", "e^(x - 100)"].enumerated() {
            let differing = zip(results[0][k], results[1][k]).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            XCTAssertTrue(differing.isEmpty, "\(name): \(differing.count) values differ, first \(differing.prefix(3).map { "[\($0.offset)] x \(values[$0.offset]): \($0.element.0) vs \($0.element.1)" })")
        }
    }

    /// Softmax rows of 1,000 + 7 values: only the order of the row sum differs between widths.
    func testSoftmaxAgreesAcrossWidths() throws {
        var rng = RandomGenerator(seed: 6)
        let x = try rng.normal([3, 1007]) * 4
        var results: [[Float]] = []
        try forEachVectorUnit { _ in results.append(try x.softmax(axis: -1).scalars) }
        guard results.count == 2 else { throw XCTSkip("this CPU has no AVX-512: only the four-lane build runs") }
        XCTAssertLessThanOrEqual(relativeError(results[1], results[0].map(Double.init)), 1e-6)
    }
}
