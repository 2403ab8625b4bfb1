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
