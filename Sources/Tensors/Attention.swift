import Foundation

/// Multi-head scaled dot-product attention, fused: softmax(q k^T / sqrt(dh) + mask) v computed
/// one (batch, head) and one block of query rows at a time, reading the heads straight out of
/// [B,L,D] through sgemm's leading dimensions. The full [B,heads,Lq,Lk] score tensor never
/// exists: the forward pass keeps one row-block of scores, and the backward pass recomputes
/// them from the saved log-sum-exp of each row (as FlashAttention does), so memory stays
/// O(B L D) in training too.
struct AttentionGeometry {
    let batch: Int, lq: Int, lk: Int, heads: Int, dh: Int
    /// Strides of the additive mask broadcast to [B,heads,Lq,Lk] (0 along broadcast axes).
    let maskStrides: [Int]?
    var width: Int { heads * dh }
    var scale: Float { 1 / Float(dh).squareRoot() }
    /// Query rows per block.
    let blockRows: Int

    init(batch: Int, lq: Int, lk: Int, heads: Int, dh: Int, maskStrides: [Int]?, blockRows: Int? = nil) {
        (self.batch, self.lq, self.lk, self.heads, self.dh, self.maskStrides) = (batch, lq, lk, heads, dh, maskStrides)
        // About 1 MB of scores by default, so a block stays in cache between its gemms.
        self.blockRows = Swift.max(1, Swift.min(lq, blockRows ?? (1 << 18) / Swift.max(lk, 1)))
    }

    /// One block of scores: s[r, j] = scale q[r0 + r] . k[j] + mask, then per row either
    /// e^(s - max) with the log-sum-exp saved into `saveLSE` and 1/sum into `saveInverseSum`
    /// (forward, when `lse` is nil), or the probabilities e^(s - lse) from the saved
    /// log-sum-exp (backward).
    func scores(
        _ s: UnsafeMutablePointer<Float>, b: Int, h: Int, r0: Int, rows: Int,
        _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ mask: UnsafePointer<Float>?,
        lse: UnsafePointer<Float>?, saveLSE: UnsafeMutablePointer<Float>?, saveInverseSum: UnsafeMutablePointer<Float>? = nil,
        parallelRows: Bool
    ) {
        let d = width
        sgemm(false, true, m: rows, n: lk, k: dh, q + (b * lq + r0) * d + h * dh, lda: d,
              k + b * lk * d + h * dh, ldb: d, s, ldc: lk, alpha: scale)
        let rowBase = (b * heads + h) * lq + r0
        forEachRowChunk(rows, parallel: parallelRows) { range in
            for r in range {
                let row = s + r * lk
                var maskRow: UnsafePointer<Float>? = nil
                var maskStride = 1
                if let mask, let ms = maskStrides {
                    maskRow = mask + b * ms[0] + h * ms[1] + (r0 + r) * ms[2]
                    maskStride = ms[3]
                }
                if let lse {
                    // p = e^(s + mask - lse)
                    if let maskRow { for j in 0..<lk { row[j] += maskRow[j * maskStride] } }
                    VectorUnit.expShiftedRow(row, lk, shift: lse[rowBase + r])
                } else {
                    let (m, sum) = VectorUnit.expRow(row, lk, mask: maskRow, maskStride: maskStride)
                    saveLSE?[rowBase + r] = m + Foundation.log(sum)
                    saveInverseSum?[r] = 1 / sum
                }
            }
        }
    }

    /// Rows of one block, split across threads unless whole (batch, head) pairs already are.
    @inline(__always)
    func forEachRowChunk(_ rows: Int, parallel: Bool, _ body: (Range<Int>) -> Void) {
        if parallel {
            Parallel.forEachChunk(rows, minimumPerChunk: Swift.max(1, 16_384 / Swift.max(lk, 1)), body)
        } else {
            body(0..<rows)
        }
    }

    /// Calls `body(b, h, parallelRows)` for every (batch, head) pair. With at least two pairs
    /// per thread, each thread takes whole pairs and runs its gemms on one BLAS thread: no
    /// hand-offs between threads inside a pair, where small heads (8 x 1024 scores a row) made
    /// three per block. Otherwise (one large head, say) BLAS and the row loops share the
    /// threads inside each block. `scratch` is called once per thread for its buffers. Either
    /// way each pair is computed by the same sequence of operations, so results do not depend
    /// on the split.
    func forEachPair<Scratch>(_ scratch: () -> Scratch, _ body: (Int, Int, inout Scratch, Bool) -> Void) {
        let pairs = batch * heads
        guard Parallel.threads > 1, pairs >= 2 * Parallel.threads else {
            var buffers = scratch()
            for pair in 0..<pairs { body(pair / heads, pair % heads, &buffers, true) }
            return
        }
        withSingleThreadedBLAS {
            Parallel.forEachChunk(pairs, minimumPerChunk: 1) { range in
                var buffers = scratch()
                for pair in range { body(pair / heads, pair % heads, &buffers, false) }
            }
        }
    }

    /// out [B,Lq,D] and the log-sum-exp of every score row [B,heads,Lq].
    func forward(_ q: [Float], _ k: [Float], _ v: [Float], _ mask: [Float]?) -> (out: [Float], lse: [Float]) {
        var out = [Float](repeating: 0, count: batch * lq * width)
        var lse = [Float](repeating: 0, count: batch * heads * lq)
        let rowsPerBlock = blockRows, lk = self.lk
        let d = width
        q.withUnsafeBufferPointer { pq in k.withUnsafeBufferPointer { pk in v.withUnsafeBufferPointer { pv in
        out.withUnsafeMutableBufferPointer { po in lse.withUnsafeMutableBufferPointer { pl in
            guard let pq = pq.baseAddress, let pk = pk.baseAddress, let pv = pv.baseAddress,
                  let po = po.baseAddress, let pl = pl.baseAddress else { return }
            withOptionalPointer(mask) { pm in
                forEachPair({ (block: [Float](repeating: 0, count: rowsPerBlock * lk), inverseSums: [Float](repeating: 0, count: rowsPerBlock)) }) { b, h, buffers, parallelRows in
                    buffers.block.withUnsafeMutableBufferPointer { ps in buffers.inverseSums.withUnsafeMutableBufferPointer { pi in
                        guard let ps = ps.baseAddress, let pi = pi.baseAddress else { return }
                        for r0 in stride(from: 0, to: lq, by: rowsPerBlock) {
                            let rows = Swift.min(rowsPerBlock, lq - r0)
                            scores(ps, b: b, h: h, r0: r0, rows: rows, pq, pk, pm, lse: nil, saveLSE: pl, saveInverseSum: pi,
                                   parallelRows: parallelRows)
                            // Unnormalised e^(s - max) times v, then each output row over its sum:
                            // dh values a row instead of Lk.
                            let o = po + (b * lq + r0) * d + h * dh
                            sgemm(false, false, m: rows, n: dh, k: lk, ps, lda: lk, pv + b * lk * d + h * dh, ldb: d, o, ldc: d)
                            for r in 0..<rows { scaleRow(o + r * d, dh, by: pi[r]) }
                        }
                    }}
                }
            }
        }}}}}
        return (out, lse)
    }

    /// Gradients for q, k, v (nil where not needed) from the output gradient `g` [B,Lq,D]:
    /// P recomputed, dV = P^T dO, dP = dO V^T, dS = P (dP - rowsum(P dP)), dQ = scale dS K,
    /// dK = scale dS^T Q.
    func backward(_ g: [Float], _ q: [Float], _ k: [Float], _ v: [Float], _ mask: [Float]?, _ lse: [Float], needs: [Bool]) -> [Tensor?] {
        let d = width
        let needQK = needs[0] || needs[1]
        var dq = [Float](repeating: 0, count: needs[0] ? q.count : 0)
        var dk = [Float](repeating: 0, count: needs[1] ? k.count : 0)
        var dv = [Float](repeating: 0, count: needs[2] ? v.count : 0)
        let rowsPerBlock = blockRows, lk = self.lk
        g.withUnsafeBufferPointer { pg in q.withUnsafeBufferPointer { pq in k.withUnsafeBufferPointer { pk in
        v.withUnsafeBufferPointer { pv in lse.withUnsafeBufferPointer { pl in
        dq.withUnsafeMutableBufferPointer { pdq in dk.withUnsafeMutableBufferPointer { pdk in dv.withUnsafeMutableBufferPointer { pdv in
            guard let pg = pg.baseAddress, let pq = pq.baseAddress, let pk = pk.baseAddress, let pv = pv.baseAddress,
                  let pl = pl.baseAddress else { return }
            withOptionalPointer(mask) { pm in
                forEachPair({ (p: [Float](repeating: 0, count: rowsPerBlock * lk), dp: [Float](repeating: 0, count: needQK ? rowsPerBlock * lk : 0)) }) { b, h, buffers, parallelRows in
                    buffers.p.withUnsafeMutableBufferPointer { pp in buffers.dp.withUnsafeMutableBufferPointer { pdp in
                        guard let pp = pp.baseAddress else { return }
                        let kOff = b * lk * d + h * dh
                        for r0 in stride(from: 0, to: lq, by: rowsPerBlock) {
                            let rows = Swift.min(rowsPerBlock, lq - r0)
                            let qOff = (b * lq + r0) * d + h * dh
                            scores(pp, b: b, h: h, r0: r0, rows: rows, pq, pk, pm, lse: pl, saveLSE: nil, parallelRows: parallelRows)
                            if needs[2], let pdv = pdv.baseAddress {  // an empty array's base address is not nil
                                sgemm(true, false, m: lk, n: dh, k: rows, pp, lda: lk, pg + qOff, ldb: d,
                                      pdv + kOff, ldc: d, beta: 1)
                            }
                            guard needQK, let pdp = pdp.baseAddress else { continue }
                            sgemm(false, true, m: rows, n: lk, k: dh, pg + qOff, lda: d, pv + kOff, ldb: d, pdp, ldc: lk)
                            forEachRowChunk(rows, parallel: parallelRows) { range in
                                for r in range { VectorUnit.softmaxBackwardRow(pp + r * lk, pdp + r * lk, lk) }
                            }
                            if needs[0], let pdq = pdq.baseAddress {
                                sgemm(false, false, m: rows, n: dh, k: lk, pdp, lda: lk, pk + kOff, ldb: d,
                                      pdq + qOff, ldc: d, alpha: scale)
                            }
                            if needs[1], let pdk = pdk.baseAddress {
                                sgemm(true, false, m: lk, n: dh, k: rows, pdp, lda: lk, pq + qOff, ldb: d,
                                      pdk + kOff, ldc: d, alpha: scale, beta: 1)
                            }
                        }
                    }}
                }
            }
        }}}}}}}}
        return [
            needs[0] ? Tensor(uncheckedShape: [batch, lq, d], scalars: dq) : nil,
            needs[1] ? Tensor(uncheckedShape: [batch, lk, d], scalars: dk) : nil,
            needs[2] ? Tensor(uncheckedShape: [batch, lk, d], scalars: dv) : nil,
        ]
    }
}

@inline(__always)
private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

extension Tensor {
    /// Multi-head scaled dot-product attention. q [B,Lq,D], k and v [B,Lk,D]; D splits into
    /// `heads` heads; `mask` (additive) broadcasts against the scores [B,heads,Lq,Lk].
    /// Gradients flow to q, k and v (and to the mask when it needs one).
    public static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor? = nil) throws -> Tensor {
        guard k.rank == 3, k.shape == v.shape else {
            throw TensorError.shapeMismatch(op: "attention (k vs v, each [B,L,D])", lhs: k.shape, rhs: v.shape)
        }
        guard q.rank == 3, q.shape[0] == k.shape[0], q.shape[2] == k.shape[2] else {
            throw TensorError.shapeMismatch(op: "attention (q vs k, each [B,L,D])", lhs: q.shape, rhs: k.shape)
        }
        let (b, lq, d) = (q.shape[0], q.shape[1], q.shape[2]), lk = k.shape[1]
        guard heads > 0, d % heads == 0 else {
            throw TensorError.invalidArgument(op: "attention", message: "width \(d) does not split into \(heads) heads")
        }
        let scoresShape = [b, heads, lq, lk]
        if let mask {
            guard (try? broadcastShape(scoresShape, mask.shape, op: "attention")) == scoresShape else {
                throw TensorError.shapeMismatch(op: "attention (scores [B,heads,Lq,Lk] vs additive mask)", lhs: scoresShape, rhs: mask.shape)
            }
            if mask.node != nil && GradMode.isEnabled {
                return try attentionComposite(q, k, v, heads: heads, mask: mask)
            }
        }
        let geo = AttentionGeometry(batch: b, lq: lq, lk: lk, heads: heads, dh: d / heads,
                                    maskStrides: mask.map { broadcastStrides($0.shape, to: scoresShape) })
        let maskValues = mask?.scalars
        let (out, lse) = geo.forward(q.scalars, k.scalars, v.scalars, maskValues)
        let (cq, ck, cv) = (q.scalars, k.scalars, v.scalars)
        return result(shape: [b, lq, d], scalars: out, inputs: [q, k, v]) { g, needs in
            geo.backward(g.scalars, cq, ck, cv, maskValues, lse, needs: needs)
        }
    }

    /// The same attention from differentiable parts (matmul, softmax, permutes), used when the
    /// mask itself needs a gradient.
    static func attentionComposite(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor) throws -> Tensor {
        let (b, lq, d) = (q.shape[0], q.shape[1], q.shape[2]), lk = k.shape[1]
        let dh = d / heads
        func split(_ t: Tensor, _ l: Int) throws -> Tensor { try t.reshaped([b, l, heads, dh]).permuted([0, 2, 1, 3]) }
        let (qh, kh, vh) = (try split(q, lq), try split(k, lk), try split(v, lk))
        let scores = try matmul(qh, kh, transposeB: true) * (1 / Float(dh).squareRoot()) + mask
        let out = try matmul(scores.softmax(axis: -1), vh)
        return try out.permuted([0, 2, 1, 3]).reshaped([b, lq, d])
    }
}
