import Synchronization
import XCTest
@testable import Tensors

/// matmul through oneDNN against the OpenBLAS path (itself checked against PyTorch's fixtures in
/// OpValueTests / OpGradientTests): values and both gradients, with every transpose, shared and
/// batched right operands, and the same bits whatever the thread count.
final class OneDNNMatmulTests: XCTestCase {
    func filled(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let scalars = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// The product and the gradients of both operands for a fixed upstream gradient.
    func run(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, seed: UInt64) throws -> [Tensor] {
        let (pa, pb) = (Parameter(a, requiresGrad: true), Parameter(b, requiresGrad: true))
        let y = try Tensor.matmul(pa.tensor, pb.tensor, transposeA: transposeA, transposeB: transposeB)
        try y.backward(filled(y.shape, seed: seed))
        return [y.detached(), try XCTUnwrap(pa.grad), try XCTUnwrap(pb.grad)]
    }

    /// (batch of A, batched B, m, n, k, transpose A, transpose B): a Linear layer's tokens
    /// (X W^T) as the models run them, its weight gradient's long depth, odd sizes that leave
    /// short row and column blocks, and per-item products (attention-like batched B).
    static let cases: [([Int], Bool, Int, Int, Int, Bool, Bool)] = [
        ([], false, 2048, 64, 64, false, true), ([4], false, 512, 96, 64, false, true),
        ([], false, 64, 64, 2048, true, false), ([], false, 2100, 130, 77, false, false),
        ([3], true, 129, 70, 2050, false, true), ([2], true, 50, 300, 2048, true, false),
        ([], false, 40, 500, 2100, true, true), ([2, 2], false, 1024, 48, 160, false, false),
    ]

    func shapes(_ c: ([Int], Bool, Int, Int, Int, Bool, Bool)) -> (a: [Int], b: [Int]) {
        let (batch, batchedB, m, n, k, ta, tb) = c
        return (batch + (ta ? [k, m] : [m, k]), (batchedB ? batch : []) + (tb ? [n, k] : [k, n]))
    }

    func testMatchesOpenBLASPath() throws {
        for (i, c) in Self.cases.enumerated() {
            let (sa, sb) = shapes(c)
            let (_, _, m, n, k, ta, tb) = c
            XCTAssertTrue(OneDNNMatmul.takes(m: m, n: n, k: k) || OneDNNMatmul.takes(m: c.0.reduce(m, *), n: n, k: k), "oneDNN takes \(c)")
            let a = filled(sa, seed: UInt64(2 * i + 1)), b = filled(sb, seed: UInt64(2 * i + 2))
            let viaDNNL = try run(a, b, transposeA: ta, transposeB: tb, seed: UInt64(50 + i))
            OneDNNMatmul.enabled = false
            defer { OneDNNMatmul.enabled = true }
            let viaBLAS = try run(a, b, transposeA: ta, transposeB: tb, seed: UInt64(50 + i))
            for (name, (x, e)) in zip(["y", "da", "db"], zip(viaDNNL, viaBLAS)) {
                XCTAssertEqual(x.shape, e.shape, "\(c) \(name)")
                XCTAssertLessThanOrEqual(relativeError(x.scalars, e.scalars.map(Double.init)), 2e-6, "\(c) \(name)")
            }
        }
    }

    /// A hand-derived product: A[i,j] = i mod 8 + 1, B[j,c] = (j + 1)(c + 1), so
    /// C[i,c] = (i mod 8 + 1)(c + 1) k(k+1)/2, every partial sum an integer exact in fp32.
    func testExactProduct() throws {
        let (m, n, k) = (2048, 64, 32)
        XCTAssertTrue(OneDNNMatmul.takes(m: m, n: n, k: k))
        let a = Tensor(uncheckedShape: [m, k], scalars: (0..<m * k).map { Float($0 / k % 8 + 1) })
        let b = Tensor(uncheckedShape: [k, n], scalars: (0..<k * n).map { Float(($0 / n + 1) * ($0 % n + 1)) })
        let c = try Tensor.matmul(a, b)
        let expected = (0..<m * n).map { Float(($0 / n % 8 + 1) * ($0 % n + 1) * k * (k + 1) / 2) }
        XCTAssertEqual(c.scalars, expected)
    }

    /// OpenBLAS keeps the classes where it was faster.
    func testRouting() {
        XCTAssertTrue(OneDNNMatmul.takes(m: 8192, n: 64, k: 64))
        XCTAssertTrue(OneDNNMatmul.takes(m: 64, n: 64, k: 8192))
        XCTAssertTrue(OneDNNMatmul.takes(m: 4096, n: 2560, k: 320))
        XCTAssertFalse(OneDNNMatmul.takes(m: 77, n: 320, k: 768))
        XCTAssertFalse(OneDNNMatmul.takes(m: 1024, n: 640, k: 640))
        XCTAssertFalse(OneDNNMatmul.takes(m: 2048, n: 1024, k: 128))
        XCTAssertFalse(OneDNNMatmul.takes(m: 16, n: 16, k: 16))
    }

    /// Blocks fixed by the shape, each on a one-thread primitive: the same bits on 1, 2 and 3
    /// threads and inside forEachIndependent's one-thread workers.
    func testSameBitsOnAnyThreadCount() throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (i, c) in Self.cases.prefix(4).enumerated() {
            let (sa, sb) = shapes(c)
            let (_, _, _, _, _, ta, tb) = c
            let a = filled(sa, seed: UInt64(70 + i)), b = filled(sb, seed: UInt64(80 + i))
            Parallel.threads = 1
            let reference = try run(a, b, transposeA: ta, transposeB: tb, seed: 9)
            for threads in [2, 3] {
                Parallel.threads = threads
                let r = try run(a, b, transposeA: ta, transposeB: tb, seed: 9)
                for (x, e) in zip(r, reference) {
                    XCTAssertTrue(x.scalars.elementsEqual(e.scalars) { $0.bitPattern == $1.bitPattern }, "\(c), \(threads) threads")
                }
            }
            let inWorkers = Mutex<[[Tensor]]>([])
            try forEachIndependent(2, { _ in
                let r = try self.run(a, b, transposeA: ta, transposeB: tb, seed: 9)
                inWorkers.withLock { $0.append(r) }
            })
            let collected = inWorkers.withLock { $0 }
            XCTAssertEqual(collected.count, 2)
            for r in collected {
                for (x, e) in zip(r, reference) {
                    XCTAssertTrue(x.scalars.elementsEqual(e.scalars) { $0.bitPattern == $1.bitPattern }, "\(c), in a worker")
                }
            }
        }
    }

    /// Blocks depend on the shape alone and tile the product.
    func testBlocks() {
        XCTAssertEqual(OneDNNMatmul.blocks(m: 8192, n: 64, k: 64).rows, 16)
        XCTAssertEqual(OneDNNMatmul.blocks(m: 64, n: 64, k: 8192).rows, 4)
        XCTAssertEqual(OneDNNMatmul.blocks(m: 16, n: 4096, k: 4096).cols, 16)
        XCTAssertEqual(OneDNNMatmul.blocks(m: 100, n: 100, k: 10).rows, 1)
        XCTAssertEqual(OneDNNMatmul.blocks(m: 100, n: 100, k: 10).cols, 1)
    }
}
