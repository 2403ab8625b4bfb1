/// Reductions over any set of axes (negative axes count from the end).
extension Tensor {
    func normalizedAxes(_ axes: [Int]?, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let normalized = try axes.map { a -> Int in
            let n = a < 0 ? a + rank : a
            guard n >= 0 && n < rank else {
                throw TensorError.invalidArgument(op: op, message: "axis \(a) is out of range for shape \(formatShape(shape))")
            }
            return n
        }
        guard Set(normalized).count == normalized.count else {
            throw TensorError.invalidArgument(op: op, message: "axis listed twice in \(axes)")
        }
        return normalized.sorted()
    }

    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Folds every element into its output slot (Double accumulation for exact-enough sums).
    /// Runs of the input are folded in one tight loop each: into one slot when the innermost
    /// (merged) dimension is reduced, elementwise into a row of slots when it is kept. The
    /// order of accumulation is fixed, and single-threaded (a reduction across rows cannot be
    /// split without changing the order).
    @inline(__always)
    func fold(_ axes: [Int], initial: Double, _ combine: (Double, Float) -> Double) -> [Double] {
        let kept = reducedShape(axes, keepDims: true)
        var acc = [Double](repeating: initial, count: kept.reduce(1, *))
        guard count > 0 else { return acc }
        let loop = BroadcastLoop(shape, Tensor.strides(of: shape), broadcastStrides(kept, to: shape))
        let inner = loop.inner, ix = loop.sa[loop.sa.count - 1], ia = loop.sb[loop.sb.count - 1]
        scalars.withUnsafeBufferPointer { px in
            acc.withUnsafeMutableBufferPointer { pacc in
                guard let px = px.baseAddress, let pacc = pacc.baseAddress else { return }
                for row in 0..<loop.rows {
                    let (ox, oa) = loop.offsets(ofRow: row)
                    let x = px + ox, a = pacc + oa
                    if ia == 0 {
                        var v = a[0]
                        if ix == 1 {
                            for j in 0..<inner { v = combine(v, x[j]) }
                        } else {
                            for j in 0..<inner { v = combine(v, x[j * ix]) }
                        }
                        a[0] = v
                    } else {
                        for j in 0..<inner { a[j * ia] = combine(a[j * ia], x[j * ix]) }
                    }
                }
            }
        }
        return acc
    }

    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let axes = try normalizedAxes(axes, op: "sum")
        let out = fold(axes, initial: 0) { $0 + Double($1) }.map(Float.init)
        let inShape = shape
        let kept = reducedShape(axes, keepDims: true)
        return Tensor.result(shape: reducedShape(axes, keepDims: keepDims), scalars: out, inputs: [self]) { g, _ in
            [try g.reshaped(kept).broadcast(to: inShape)]
        }
    }

    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let axes = try normalizedAxes(axes, op: "mean")
        let n = axes.reduce(1) { $0 * shape[$1] }
        return try sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    /// Variance, biased (divide by n) unless `unbiased` (divide by n - 1, torch.var's default).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) throws -> Tensor {
        let axes = try normalizedAxes(axes, op: "variance")
        let n = axes.reduce(1) { $0 * shape[$1] }
        let centered = try self - mean(axes: axes, keepDims: true)
        return try centered.square().sum(axes: axes, keepDims: keepDims) / Float(unbiased ? n - 1 : n)
    }

    public func max(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepDims: keepDims, op: "max", initial: -.infinity) { $0 > $1 }
    }

    public func min(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try extremum(axes: axes, keepDims: keepDims, op: "min", initial: .infinity) { $0 < $1 }
    }

    /// The gradient goes to every element equal to the extremum, split evenly among ties.
    private func extremum(axes: [Int]?, keepDims: Bool, op: String, initial: Double, _ better: @escaping (Double, Double) -> Bool) throws -> Tensor {
        let axes = try normalizedAxes(axes, op: op)
        guard count > 0 else { throw TensorError.badShape(op: op, expected: "a non-empty tensor", got: shape) }
        let out = fold(axes, initial: initial) { better(Double($1), $0) || $1.isNaN ? Double($1) : $0 }.map(Float.init)
        let kept = reducedShape(axes, keepDims: true)
        let x = detached()
        return Tensor.result(shape: reducedShape(axes, keepDims: keepDims), scalars: out, inputs: [self]) { g, _ in
            let best = Tensor(uncheckedShape: kept, scalars: out)
            let mask = try Tensor.compare(x, best, op: op) { $0 == $1 }
            let ties = try mask.sum(axes: axes, keepDims: true)
            return [try mask * (g.reshaped(kept) / ties)]
        }
    }

    /// Index of the largest element along `axis` (the first on ties), or over all elements.
    public func argmax(axis: Int? = nil) throws -> Tensor {
        guard count > 0 else { throw TensorError.badShape(op: "argmax", expected: "a non-empty tensor", got: shape) }
        guard let axis else {
            var best = 0
            for i in 1..<count where scalars[i] > scalars[best] || (scalars[i].isNaN && !scalars[best].isNaN) { best = i }
            return Tensor(Float(best))
        }
        let a = try normalizedAxes([axis], op: "argmax")[0]
        let outer = shape[..<a].reduce(1, *), n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var out = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                var bestValue = scalars[o * n * inner + i]
                for k in 1..<Swift.max(n, 1) {
                    let v = scalars[(o * n + k) * inner + i]
                    if v > bestValue { best = k; bestValue = v }
                }
                out[o * inner + i] = Float(best)
            }
        }
        return Tensor(uncheckedShape: reducedShape([a], keepDims: false), scalars: out)
    }

    /// Repeats along size-1 (or missing leading) dimensions to reach `target`.
    public func broadcast(to target: [Int]) throws -> Tensor {
        if shape == target { return self }
        guard try broadcastShape(shape, target, op: "broadcast") == target else {
            throw TensorError.shapeMismatch(op: "broadcast", lhs: shape, rhs: target)
        }
        let total = target.reduce(1, *)
        let s = broadcastStrides(shape, to: target)
        let loop = BroadcastLoop(target, s, s)
        let out = [Float](unsafeUninitializedCapacity: total) { po, initialized in
            scalars.withUnsafeBufferPointer { px in
                guard total > 0, let px = px.baseAddress, let po = po.baseAddress else { return }
                loop.run(px, px, po, FirstOp())
            }
            initialized = total
        }
        let inShape = shape
        return Tensor.result(shape: target, scalars: out, inputs: [self]) { g, _ in [try g.sumToShape(inShape)] }
    }
}
