@preconcurrency import CDNNL
import Foundation

/// Matrix products through oneDNN's matmul (brg:avx512_core here), for the shape classes where
/// it beats OpenBLAS (`takes`), which packs both operands on every call.
///
/// The product is cut into blocks of rows (or of columns, when there are few rows) fixed by the
/// shape alone, each computed by a one-thread primitive; threads take blocks as they come free,
/// so a thread the machine preempts holds up one block, not half the product. No block splits
/// the sum over k, so every element is one primitive's dot product: the same bits on any number
/// of threads, and inside forEachIndependent's one-thread workers.
public enum OneDNNMatmul {
    /// One block's product: C[rows, cols] = A[rows, depth] B[depth, cols], each operand as
    /// (row stride, column stride) in elements, so transposes and leading dimensions need no copy.
    struct Key: Hashable, Sendable {
        let rows: Int, cols: Int, depth: Int
        let aRowStride: Int, aColStride: Int
        let bRowStride: Int, bColStride: Int
        let cRowStride: Int
    }

    struct Plan: Sendable {
        let primitive: OneDNNPrimitive
        let a: dnnl_memory_desc_t, b: dnnl_memory_desc_t, c: dnnl_memory_desc_t
        let scratchpad: dnnl_memory_desc_t, scratchpadBytes: Int
    }

    private static let plans = OneDNNCache<Key, Plan?>()

    static func plan(_ key: Key) -> Plan? {
        (try? plans.value(key) { try? makePlan(key) }) ?? nil
    }

    static func strided(_ dims: [Int], _ strides: [Int]) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        try OneDNN.check(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), dims.map(Int64.init), dnnl_f32, strides.map(Int64.init)), "strided descriptor")
        return md
    }

    private static func makePlan(_ k: Key) throws -> Plan {
        var a = try strided([k.rows, k.depth], [k.aRowStride, k.aColStride])
        var b = try strided([k.depth, k.cols], [k.bRowStride, k.bColStride])
        var c = try strided([k.rows, k.cols], [k.cRowStride, 1])
        var desc = dnnl_matmul_desc_t()
        try OneDNN.check(dnnl_matmul_desc_init(&desc, &a, &b, nil, &c), "matmul")
        let primitive = try OneDNNPrimitive(&desc, threads: 1)
        // Plain layouts were asked for; a primitive that wants others would need copies per call.
        guard OneDNN.same(primitive.md(dnnl_query_src_md), a), OneDNN.same(primitive.md(dnnl_query_weights_md), b),
              OneDNN.same(primitive.md(dnnl_query_dst_md), c) else {
            throw OneDNNError(what: "matmul layouts", status: dnnl_unimplemented)
        }
        let scratchpad = primitive.md(dnnl_query_scratchpad_md)
        return Plan(primitive: primitive, a: a, b: b, c: c, scratchpad: scratchpad, scratchpadBytes: OneDNN.bytes(scratchpad))
    }

    /// Whether products go through oneDNN at all (`SOFTNEG_ONEDNN_MATMUL=0` turns off just the
    /// matmuls); settable so tests and `snbench --only matmul` compare both backends.
    public nonisolated(unsafe) static var enabled: Bool = {
        guard let v = ProcessInfo.processInfo.environment["SOFTNEG_ONEDNN_MATMUL"] else { return true }
        return !["0", "off", "no", "false"].contains(v.lowercased())
    }()

    /// Below this many multiply-adds a call's fixed cost (descriptors, memory objects: a few
    /// microseconds) outweighs any gain; OpenBLAS's small-matrix kernels take those.
    static let minimumWork = 1 << 16

    /// The shape classes oneDNN takes, from `snbench --only matmul` (2 threads, GFLOP/s oneDNN
    /// vs OpenBLAS, one run on a loaded machine): many rows or a long depth with at most 512
    /// columns (8192x512x64 185 vs 73, 8192x64x256 190 vs 120, 2048x128x128 173 vs 102,
    /// 4096x320x320 182 vs 160, 4096x320x1280 161 vs 108, weight gradients 512x64x8192 139 vs
    /// 70), and any product of 4096 rows or more (4096x2560x320 104 vs 82). OpenBLAS keeps the
    /// rest, where it won: few rows (77x320x768 70 vs 150, 256x1280x1280 153 vs 162,
    /// 512x256x256 164 vs 183, 1024x640x640 187 vs 193) and 2048x1024x128 (108 vs 152).
    static func takes(m: Int, n: Int, k: Int) -> Bool {
        guard m * n * k >= minimumWork else { return false }
        return m >= 4096 || (n <= 512 && (m >= 2048 || k >= 2048))
    }
    /// Multiply-adds per block: large enough to amortise a call, small enough that two threads
    /// share a product evenly.
    static let workPerBlock = 1 << 20
    static let maximumBlocks = 16

    /// The blocks of an m x n product with depth k: (row blocks, column blocks), from the shape.
    static func blocks(m: Int, n: Int, k: Int) -> (rows: Int, cols: Int) {
        let wanted = Swift.max(1, Swift.min(maximumBlocks, m * n * k / workPerBlock))
        // Rows in multiples of 16 (the kernels' row tile); columns only when rows run out.
        let rowBlocks = Swift.max(1, Swift.min(wanted, m / 16))
        let colBlocks = Swift.max(1, Swift.min(wanted / rowBlocks, n / 64))
        return (rowBlocks, colBlocks)
    }

    /// C[m,n] = op(A)[m,k] op(B)[k,n], row-major with leading dimensions, beta 0. Returns false
    /// (touching nothing) when oneDNN is off or declines the shape; the caller then uses sgemm.
    static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                     _ c: UnsafeMutablePointer<Float>, ldc: Int) throws -> Bool {
        guard enabled, OneDNN.isActive, m > 0, n > 0, k > 0, takes(m: m, n: n, k: k) else { return false }
        let (rowBlocks, colBlocks) = blocks(m: m, n: n, k: k)
        let rowsPer = (m + rowBlocks - 1) / rowBlocks, colsPer = (n + colBlocks - 1) / colBlocks
        // Element (i, j) of op(A) sits at i * aRow + j * aCol; likewise for op(B).
        let (aRow, aCol) = transA ? (1, lda) : (lda, 1)
        let (bRow, bCol) = transB ? (1, ldb) : (ldb, 1)
        func key(rows: Int, cols: Int) -> Key {
            Key(rows: rows, cols: cols, depth: k, aRowStride: aRow, aColStride: aCol, bRowStride: bRow, bColStride: bCol, cRowStride: ldc)
        }
        // Every block's plan first, so that a declined shape falls back before anything is written.
        let lastRows = m - (rowBlocks - 1) * rowsPer, lastCols = n - (colBlocks - 1) * colsPer
        var planBySize: [Int: Plan] = [:]
        for rows in Set([rowsPer, lastRows]) {
            for cols in Set([colsPer, lastCols]) {
                guard rows > 0, cols > 0, let p = plan(key(rows: rows, cols: cols)) else { return false }
                planBySize[rows << 32 | cols] = p
            }
        }
        let failure = FirstError()
        let (pa, pb, pc) = (UnsafeMutableRawPointer(mutating: a), UnsafeMutableRawPointer(mutating: b), UnsafeMutableRawPointer(c))
        Parallel.forEachTask(rowBlocks * colBlocks) { t in
            let (rb, cb) = (t / colBlocks, t % colBlocks)
            let (r0, c0) = (rb * rowsPer, cb * colsPer)
            let rows = Swift.min(rowsPer, m - r0), cols = Swift.min(colsPer, n - c0)
            guard rows > 0, cols > 0, let plan = planBySize[rows << 32 | cols] else { return }
            OneDNN.useThreads(1)
            let arena = ScratchArena([plan.scratchpadBytes])
            var args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = [
                (DNNL_ARG_SRC, plan.a, pa + 4 * r0 * aRow),
                (DNNL_ARG_WEIGHTS, plan.b, pb + 4 * c0 * bCol),
                (DNNL_ARG_DST, plan.c, pc + 4 * (r0 * ldc + c0)),
            ]
            if let pad = arena.region(0) { args.append((DNNL_ARG_SCRATCHPAD, plan.scratchpad, pad)) }
            do { try OneDNN.execute(plan.primitive.primitive, args) } catch { failure.record(error) }
        }
        try failure.rethrow()
        return true
    }
}
