import CBLAS

/// C[m,n] = alpha * op(A)[m,k] op(B)[k,n] + beta * C, row-major, through OpenBLAS.
@inline(__always)
func sgemm(
    _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    alpha: Float = 1, beta: Float = 0
) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        if beta == 0 { c.update(repeating: 0, count: m * n) }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
        beta, c, Int32(n))
}

/// C[m,n] = op(A) op(B) (beta 0, packed operands) through oneDNN where it takes the shape
/// (OneDNNMatmul.swift), else OpenBLAS.
@inline(__always)
func gemm(
    _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>
) throws {
    if try OneDNNMatmul.gemm(transA, transB, m: m, n: n, k: k, a, lda: transA ? m : k, b, ldb: transB ? k : n, c, ldc: n) { return }
    sgemm(transA, transB, m: m, n: n, k: k, a, b, c)
}

/// Runs `body` with OpenBLAS on one thread, for callers that split their gemms across threads
/// themselves (OpenBLAS takes concurrent calls; each then runs in its caller's thread).
func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
    let saved = openblas_get_num_threads()
    guard saved > 1 else { return try body() }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(saved) }
    return try body()
}

/// The same with explicit leading dimensions, to multiply sub-matrices in place (a head's
/// columns inside [B,L,D], a block of rows, a slice of output columns).
@inline(__always)
func sgemm(
    _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0
) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

extension Tensor {
    /// Matrix product over the last two dimensions, optionally transposing either operand.
    /// Leading (batch) dimensions must agree, or `b` may be a plain matrix shared by all.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        guard a.rank >= 2, b.rank >= 2 else { throw TensorError.shapeMismatch(op: "matmul (@)", lhs: a.shape, rhs: b.shape) }
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let ka = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard ka == kb, batchB.isEmpty || batchA == batchB else {
            throw TensorError.shapeMismatch(op: "matmul (@)", lhs: a.shape, rhs: b.shape)
        }
        let batch = batchA.reduce(1, *)
        let sharedB = batchB.isEmpty
        // Every element is written (a zero-depth product writes zeros).
        var out = scratch(batch * m * n)
        try a.scalars.withUnsafeBufferPointer { pa in
            try b.scalars.withUnsafeBufferPointer { pb in
                try out.withUnsafeMutableBufferPointer { po in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let po = po.baseAddress else { return }
                    if sharedB && !transposeA {
                        // One large product: [batch*m, k] x [k, n].
                        try gemm(false, transposeB, m: batch * m, n: n, k: ka, pa, pb, po)
                        return
                    }
                    for i in 0..<batch {
                        try gemm(transposeA, transposeB, m: m, n: n, k: ka, pa + i * m * ka,
                                 pb + (sharedB ? 0 : i * ka * n), po + i * m * n)
                    }
                }
            }
        }
        let (ca, cb) = (a.detached(), b.detached())
        return result(shape: batchA + [m, n], scalars: out, inputs: [a, b]) { g, needs in
            // C = A B: dA = G B^T, dB = A^T G (transposes carried through).
            var ga: Tensor? = nil, gb: Tensor? = nil
            if needs[0] {
                // d op(A) = G op(B)^T; with a transposed A, transpose that back. (Computing
                // op(B) G^T directly would put the unbatched B first when B is shared.)
                let gOpA = try matmul(g, cb, transposeB: !transposeB)
                ga = transposeA ? try gOpA.transposed(-2, -1) : gOpA
            }
            if needs[1] {
                if sharedB {
                    let a2 = try ca.reshaped([batch * (transposeA ? ka : m), transposeA ? m : ka])
                    let g2 = try g.reshaped([batch * m, n])
                    if transposeA {
                        // Rare: fall back to summing per-batch products.
                        var acc = Tensor.zeros(transposeB ? [n, ka] : [ka, n])
                        for i in 0..<batch {
                            let ai = try ca.reshaped([batch, ka, m]).sliced(axis: 0, start: i, end: i + 1).reshaped([ka, m])
                            let gi = try g2.sliced(axis: 0, start: i * m, end: (i + 1) * m)
                            acc = try acc + (transposeB ? matmul(gi, ai, transposeA: true, transposeB: true) : matmul(ai, gi))
                        }
                        gb = acc
                    } else {
                        gb = transposeB ? try matmul(g2, a2, transposeA: true) : try matmul(a2, g2, transposeA: true)
                    }
                } else {
                    gb = transposeB ? try matmul(g, ca, transposeA: true, transposeB: transposeA)
                        : try matmul(ca, g, transposeA: !transposeA)
                }
            }
            return [ga, gb]
        }
    }

    /// y = x W^T + b over the last dimension of x (PyTorch's nn.Linear; W is [out, in]).
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard weight.rank == 2, let inFeatures = x.shape.last, inFeatures == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear (input vs weight [out,in])", lhs: x.shape, rhs: weight.shape)
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw TensorError.shapeMismatch(op: "linear (weight [out,in] vs bias [out])", lhs: weight.shape, rhs: bias.shape)
        }
        let y = try matmul(x.rank == 1 ? x.reshaped([1, inFeatures]) : x, weight, transposeB: true)
        let shaped = x.rank == 1 ? try y.reshaped([weight.shape[0]]) : y
        guard let bias else { return shaped }
        return try shaped + bias
    }
}
