import Synchronization
import XCTest
@testable import Tensors

/// The parallel paths give the same bits on 1, 2 or 3 threads (each output element is computed
/// by one thread in a fixed order), and attention's row blocking does not change its results.
final class OpThreadingTests: XCTestCase {
    func filled(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let scalars = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max) * 2
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// Runs `body` (forward and backward, returning every value it wants compared) at several
    /// thread counts and requires identical bits.
    func assertThreadCountIndependent(_ label: String, _ body: () throws -> [Tensor]) throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let reference = try body()
        for threads in [2, 3] {
            Parallel.threads = threads
            let results = try body()
            XCTAssertEqual(results.count, reference.count, label)
            for (r, e) in zip(results, reference) {
                XCTAssertEqual(r.shape, e.shape, "\(label), \(threads) threads")
                XCTAssertTrue(r.scalars.elementsEqual(e.scalars, by: { $0.bitPattern == $1.bitPattern }), "\(label): \(threads) threads differ")
            }
        }
    }

    func testSoftmax() throws {
        let x = filled([64, 1000], seed: 1), g = filled([64, 1000], seed: 2)
        try assertThreadCountIndependent("softmax") {
            let p = Parameter(x, requiresGrad: true)
            let y = try p.tensor.softmax(axis: -1)
            try y.backward(g)
            let z = try x.reshaped([8, 1000, 8]).softmax(axis: 1)
            return [y.detached(), try XCTUnwrap(p.grad), z]
        }
    }

    func testAttention() throws {
        let q = filled([2, 140, 32], seed: 3), k = filled([2, 301, 32], seed: 4), v = filled([2, 301, 32], seed: 5)
        let mask = filled([2, 1, 1, 301], seed: 6), g = filled([2, 140, 32], seed: 7)
        try assertThreadCountIndependent("attention") {
            let (pq, pk, pv) = (Parameter(q, requiresGrad: true), Parameter(k, requiresGrad: true), Parameter(v, requiresGrad: true))
            let y = try Tensor.attention(pq.tensor, pk.tensor, pv.tensor, heads: 4, mask: mask)
            try y.backward(g)
            return [y.detached(), try XCTUnwrap(pq.grad), try XCTUnwrap(pk.grad), try XCTUnwrap(pv.grad)]
        }
    }

    /// Blocks of 7 query rows against the default (all 70 rows at once): same values to float
    /// rounding, forward and backward.
    func testAttentionBlockingDoesNotChangeResults() throws {
        let (b, lq, lk, heads, dh) = (2, 70, 45, 2, 8)
        let q = filled([b, lq, heads * dh], seed: 8), k = filled([b, lk, heads * dh], seed: 9), v = filled([b, lk, heads * dh], seed: 10)
        let mask = filled([lq, lk], seed: 11), g = filled([b, lq, heads * dh], seed: 12)
        let strides = broadcastStrides(mask.shape, to: [b, heads, lq, lk])
        var results: [[[Float]]] = []
        for rows in [nil, 7] as [Int?] {
            let geo = AttentionGeometry(batch: b, lq: lq, lk: lk, heads: heads, dh: dh, maskStrides: strides, blockRows: rows)
            if let rows { XCTAssertEqual(geo.blockRows, rows) } else { XCTAssertEqual(geo.blockRows, lq) }
            let (out, lse) = geo.forward(q.scalars, k.scalars, v.scalars, mask.scalars)
            let grads = geo.backward(g.scalars, q.scalars, k.scalars, v.scalars, mask.scalars, lse, needs: [true, true, true])
            results.append([out] + grads.map { $0?.scalars ?? [] })
        }
        for (a, e) in zip(results[1], results[0]) {
            XCTAssertLessThanOrEqual(relativeError(a, e.map(Double.init)), 1e-6)
        }
    }

    func testNormsAndElementwise() throws {
        let x = filled([2, 64, 24, 24], seed: 13), w = filled([64], seed: 14), bias = filled([64], seed: 15)
        let channel = filled([2, 64, 1, 1], seed: 16), g = filled([2, 64, 24, 24], seed: 17)
        try assertThreadCountIndependent("norms and elementwise") {
            let (px, pw, pb) = (Parameter(x, requiresGrad: true), Parameter(w, requiresGrad: true), Parameter(bias, requiresGrad: true))
            let gn = try px.tensor.groupNorm(groups: 8, weight: pw.tensor, bias: pb.tensor, eps: 1e-5)
            let ln = try px.tensor.layerNorm(weight: nil, bias: nil, eps: 1e-5)
            let y = try (gn + channel).silu() * ln + px.tensor.gelu()
            try y.backward(g)
            return [y.detached(), try XCTUnwrap(px.grad), try XCTUnwrap(pw.grad), try XCTUnwrap(pb.grad),
                    try x.sum(axes: [0, 2, 3]), try x.mean(axes: [1]), try x.max(axes: [3]), try x.permuted([0, 2, 3, 1])]
        }
    }

    func testConv2d() throws {
        let x = filled([2, 16, 20, 20], seed: 18), w = filled([8, 16, 3, 3], seed: 19), bias = filled([8], seed: 20)
        let g = filled([2, 8, 10, 10], seed: 21)
        try assertThreadCountIndependent("conv2d") {
            let (px, pw) = (Parameter(x, requiresGrad: true), Parameter(w, requiresGrad: true))
            let y = try Tensor.conv2d(px.tensor, weight: pw.tensor, bias: bias, stride: 2, padding: 1)
            try y.backward(g)
            return [y.detached(), try XCTUnwrap(px.grad), try XCTUnwrap(pw.grad)]
        }
    }

    /// Independent computations, each on one thread: the same bits as one after another, every
    /// index reported once, and the first failure by index rethrown with later indices skipped.
    func testForEachIndependent() throws {
        let x = filled([2, 16, 20, 20], seed: 22), w = filled([16, 16, 3, 3], seed: 23)
        let q = filled([2, 64, 32], seed: 24), k = filled([2, 48, 32], seed: 25)
        func work(_ i: Int) throws -> [Float] {
            let y = try Tensor.conv2d(x * Tensor(Float(i + 1)), weight: w, bias: nil, stride: 1, padding: 1).silu()
            let a = try Tensor.attention(q * Tensor(Float(i + 1)), k, k, heads: 4)
            return try y.groupNorm(groups: 4, weight: nil, bias: nil, eps: 1e-5).scalars + a.scalars
        }
        let serial = try (0..<6).map(work)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for threads in [2, 3] {
            Parallel.threads = threads
            let results = Mutex([[Float]](repeating: [], count: 6))
            var reported: [Int] = []
            try forEachIndependent(6, { i in
                let r = try work(i)
                results.withLock { $0[i] = r }
            }, done: { reported.append($0) })
            XCTAssertEqual(reported.sorted(), Array(0..<6), "\(threads) threads")
            results.withLock { results in
                for i in 0..<6 {
                    XCTAssertTrue(results[i].elementsEqual(serial[i], by: { $0.bitPattern == $1.bitPattern }), "index \(i), \(threads) threads")
                }
            }
            let started = Mutex(Set<Int>())
            XCTAssertThrowsError(try forEachIndependent(40, { i in
                started.withLock { _ = $0.insert(i) }
                if i == 3 || i == 5 { throw TensorError.badShape(op: "index \(i)", expected: "", got: []) }
            })) { error in
                XCTAssertTrue("\(error)".contains("index 3"), "\(error)")
            }
            XCTAssertLessThan(started.withLock { $0.count }, 40, "work stops after a failure")
        }
    }
}
