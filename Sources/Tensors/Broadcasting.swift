/// NumPy broadcasting: shapes align at the right; a size-1 dimension stretches.
public func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else { throw TensorError.shapeMismatch(op: op, lhs: a, rhs: b) }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides of `shape` seen through `outShape`: 0 along broadcast dimensions.
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let pad = outShape.count - shape.count
    let own = Tensor.strides(of: shape)
    return (0..<outShape.count).map { i in
        i < pad || shape[i - pad] == 1 ? 0 : own[i - pad]
    }
}

/// A scalar function of two values as a type. Loops generic over it are specialised per op,
/// so `+` compiles to a vectorised loop; a closure would stay an indirect call per element once
/// it crosses into the thread pool.
protocol BinaryScalarOp {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

struct AddOp: BinaryScalarOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubtractOp: BinaryScalarOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MultiplyOp: BinaryScalarOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivideOp: BinaryScalarOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
/// a itself: a broadcasting copy.
struct FirstOp: BinaryScalarOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }
/// For the rarer ops, where a call per element does not matter.
struct BinaryClosure: BinaryScalarOp {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

/// The same for one value: scale * x + shift is the one common enough to specialise.
protocol UnaryScalarOp {
    func callAsFunction(_ x: Float) -> Float
}

struct AffineOp: UnaryScalarOp {
    let scale: Float, shift: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { scale * x + shift }
}

struct UnaryClosure: UnaryScalarOp {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}

/// A broadcast loop reduced to its essentials: size-1 dimensions dropped and neighbours merged
/// wherever both operands step through them contiguously, so [2,320,64,64] + [1,320,1,1]
/// becomes [640 rows of 4096] with strides (4096, 1) and (1, 0).
struct BroadcastLoop {
    var dims: [Int] = [], sa: [Int] = [], sb: [Int] = []

    init(_ outShape: [Int], _ stridesA: [Int], _ stridesB: [Int]) {
        for i in outShape.indices where outShape[i] != 1 {
            if let last = dims.indices.last, sa[last] == stridesA[i] * outShape[i], sb[last] == stridesB[i] * outShape[i] {
                dims[last] *= outShape[i]
                sa[last] = stridesA[i]
                sb[last] = stridesB[i]
            } else {
                dims.append(outShape[i]); sa.append(stridesA[i]); sb.append(stridesB[i])
            }
        }
        if dims.isEmpty { (dims, sa, sb) = ([1], [0], [0]) }
    }

    var inner: Int { dims[dims.count - 1] }
    var rows: Int { dims.dropLast().reduce(1, *) }

    /// Offsets into a and b of the first element of `row` (rows are the inner runs, in order).
    @inline(__always)
    func offsets(ofRow row: Int) -> (Int, Int) {
        var rem = row, oa = 0, ob = 0
        var d = dims.count - 2
        while d >= 0 {
            let i = rem % dims[d]
            rem /= dims[d]
            oa += i * sa[d]
            ob += i * sb[d]
            d -= 1
        }
        return (oa, ob)
    }

    /// out[row * inner + j] = f(a[..], b[..]) for every element, rows split across threads. The
    /// inner run takes one of four loops (both contiguous, one side a repeated value, strided),
    /// which the compiler vectorises once `f` is a concrete op.
    @inline(__always)
    func run<F: BinaryScalarOp>(_ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ po: UnsafeMutablePointer<Float>, _ f: F) {
        let inner = self.inner, ia = sa[sa.count - 1], ib = sb[sb.count - 1]
        Parallel.forEachChunk(rows, minimumPerChunk: Swift.max(1, 32_768 / inner)) { range in
            for row in range {
                let (oa, ob) = offsets(ofRow: row)
                let o = po + row * inner, a = pa + oa, b = pb + ob
                if ia == 1 && ib == 1 {
                    for j in 0..<inner { o[j] = f(a[j], b[j]) }
                } else if ia == 1 && ib == 0 {
                    let s = b[0]
                    for j in 0..<inner { o[j] = f(a[j], s) }
                } else if ia == 0 && ib == 1 {
                    let s = a[0]
                    for j in 0..<inner { o[j] = f(s, b[j]) }
                } else {
                    for j in 0..<inner { o[j] = f(a[j * ia], b[j * ib]) }
                }
            }
        }
    }
}

/// out[i] = f(x[i]) over a whole array, split across threads for large arrays.
@inline(__always)
func mapScalars<F: UnaryScalarOp>(_ x: [Float], _ f: F) -> [Float] {
    [Float](unsafeUninitializedCapacity: x.count) { po, initialized in
        x.withUnsafeBufferPointer { px in
            guard let px = px.baseAddress, let po = po.baseAddress else { return }
            Parallel.forEachChunk(x.count, minimumPerChunk: 32_768) { range in
                for i in range { (po + i).initialize(to: f(px[i])) }
            }
        }
        initialized = x.count
    }
}

/// out = kernel(x) over a whole array, by a kernel that maps n contiguous values; split across
/// threads for large arrays.
func mapChunks(_ x: [Float], _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: x.count) { po, initialized in
        x.withUnsafeBufferPointer { px in
            guard let px = px.baseAddress, let po = po.baseAddress else { return }
            Parallel.forEachChunk(x.count, minimumPerChunk: 32_768) { range in
                kernel(px + range.lowerBound, po + range.lowerBound, range.count)
            }
        }
        initialized = x.count
    }
}

/// out[i] = f(x[i], y[i]) over two equal-length arrays, split across threads for large arrays.
@inline(__always)
func zipScalars<F: BinaryScalarOp>(_ x: [Float], _ y: [Float], _ f: F) -> [Float] {
    [Float](unsafeUninitializedCapacity: x.count) { po, initialized in
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                guard let px = px.baseAddress, let py = py.baseAddress, let po = po.baseAddress else { return }
                Parallel.forEachChunk(x.count, minimumPerChunk: 32_768) { range in
                    for i in range { (po + i).initialize(to: f(px[i], py[i])) }
                }
            }
        }
        initialized = x.count
    }
}

/// Calls `body(outIndex, aIndex, bIndex)` for every element of the broadcast result.
@inline(__always)
func forEachBroadcast(_ outShape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
    let total = outShape.reduce(1, *)
    guard total > 0 else { return }
    guard let inner = outShape.last else { body(0, 0, 0); return }
    let rank = outShape.count
    let ia = sa[rank - 1], ib = sb[rank - 1]
    var counter = [Int](repeating: 0, count: rank)
    var offA = 0, offB = 0, o = 0
    while o < total {
        var pa = offA, pb = offB
        for j in 0..<inner {
            body(o + j, pa, pb)
            pa += ia
            pb += ib
        }
        o += inner
        // Advance the outer counter (all dims but the last).
        var d = rank - 2
        while d >= 0 {
            counter[d] += 1
            offA += sa[d]
            offB += sb[d]
            if counter[d] < outShape[d] { break }
            offA -= sa[d] * outShape[d]
            offB -= sb[d] * outShape[d]
            counter[d] = 0
            d -= 1
        }
    }
}

extension Tensor {
    /// Sums a broadcast gradient back down to `target` (the inverse of broadcasting).
    func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let pad = shape.count - target.count
        var axes: [Int] = Array(0..<pad)
        for i in 0..<target.count where target[i] == 1 && shape[i + pad] != 1 { axes.append(i + pad) }
        let summed = axes.isEmpty ? self : try sum(axes: axes, keepDims: true)
        return try summed.reshaped(target)
    }
}
