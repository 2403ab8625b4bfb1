import Foundation

/// Group norm and layer norm as fused ops: both normalise contiguous runs of `size`
/// elements (a group of channels x pixels, or one feature vector), then apply a
/// per-channel scale and shift.
struct NormalizedRuns {
    let runs: Int, size: Int
    /// Number of consecutive elements that share one scale/shift entry.
    let channelStride: Int
    let channels: Int

    /// y = (x - mean) * rstd * w[c] + b[c]; returns y, xhat (only when `keepXhat`, for the
    /// backward pass) and rstd per run. Runs are split across threads; each run's statistics
    /// are summed in Double by one thread in a fixed order.
    func forward(_ x: [Float], _ w: [Float]?, _ b: [Float]?, eps: Float, keepXhat: Bool) -> (y: [Float], xhat: [Float], rstd: [Float]) {
        var y = [Float](repeating: 0, count: x.count)
        var xhat = [Float](repeating: 0, count: keepXhat ? x.count : 0)
        var rstd = [Float](repeating: 0, count: runs)
        let wv = w ?? [Float](repeating: 1, count: channels), bv = b ?? [Float](repeating: 0, count: channels)
        let size = self.size, stride = Swift.max(channelStride, 1), channels = self.channels
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                xhat.withUnsafeMutableBufferPointer { hb in
                    rstd.withUnsafeMutableBufferPointer { rb in
                        Parallel.forEachChunk(runs, minimumPerChunk: Swift.max(1, 16_384 / Swift.max(size, 1))) { range in
                            for r in range {
                                let base = r * size
                                var sum = 0.0
                                for i in base..<(base + size) { sum += Double(xb[i]) }
                                let mean = sum / Double(size)
                                var sq = 0.0
                                for i in base..<(base + size) { let d = Double(xb[i]) - mean; sq += d * d }
                                let rs = Float(1 / (sq / Double(size) + Double(eps)).squareRoot())
                                rb[r] = rs
                                let m = Float(mean)
                                if keepXhat {
                                    for i in base..<(base + size) { hb[i] = (xb[i] - m) * rs }
                                }
                                // One scale and shift per stretch of `stride` elements sharing a channel.
                                var start = base
                                while start < base + size {
                                    let c = (start / stride) % channels
                                    let scale = rs * wv[c], shift = bv[c]
                                    for i in start..<(start + stride) { yb[i] = (xb[i] - m) * scale + shift }
                                    start += stride
                                }
                            }
                        }
                    }
                }
            }
        }
        return (y, xhat, rstd)
    }

    /// dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy w; dw = sum dy xhat; db = sum dy.
    func backward(_ dy: [Float], _ xhat: [Float], _ rstd: [Float], _ w: [Float]?) -> (dx: [Float], dw: [Float], db: [Float]) {
        var dx = [Float](repeating: 0, count: dy.count)
        var dw = [Double](repeating: 0, count: channels), db = dw
        for r in 0..<runs {
            let base = r * size
            var meanD = 0.0, meanDX = 0.0
            for i in 0..<size {
                let c = ((base + i) / channelStride) % channels
                let d = Double(dy[base + i] * (w?[c] ?? 1))
                meanD += d
                meanDX += d * Double(xhat[base + i])
                dw[c] += Double(dy[base + i] * xhat[base + i])
                db[c] += Double(dy[base + i])
            }
            meanD /= Double(size)
            meanDX /= Double(size)
            for i in 0..<size {
                let c = ((base + i) / channelStride) % channels
                let d = Double(dy[base + i] * (w?[c] ?? 1))
                dx[base + i] = Float(Double(rstd[r]) * (d - meanD - Double(xhat[base + i]) * meanDX))
            }
        }
        return (dx, dw.map(Float.init), db.map(Float.init))
    }
}

extension Tensor {
    /// GroupNorm over [N,C,...] with `groups` groups of channels; weight and bias are [C].
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        guard rank >= 2, groups > 0, shape[1] % groups == 0 else {
            throw TensorError.badShape(op: "group_norm(\(groups) groups)", expected: "[N,C,...] with C divisible by \(groups)", got: shape)
        }
        let c = shape[1], spatial = shape[2...].reduce(1, *)
        for p in [weight, bias].compactMap({ $0 }) where p.shape != [c] {
            throw TensorError.shapeMismatch(op: "group_norm (input vs affine)", lhs: shape, rhs: p.shape)
        }
        let runs = NormalizedRuns(runs: shape[0] * groups, size: c / groups * spatial, channelStride: spatial, channels: c)
        return normalized(runs, weight: weight, bias: bias, eps: eps)
    }

    /// LayerNorm over the last dimension; weight and bias are [D].
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        guard let d = shape.last, d > 0 else { throw TensorError.badShape(op: "layer_norm", expected: "a non-empty last dimension", got: shape) }
        for p in [weight, bias].compactMap({ $0 }) where p.shape != [d] {
            throw TensorError.shapeMismatch(op: "layer_norm (input vs affine)", lhs: shape, rhs: p.shape)
        }
        return normalized(NormalizedRuns(runs: count / d, size: d, channelStride: 1, channels: d), weight: weight, bias: bias, eps: eps)
    }

    private func normalized(_ runs: NormalizedRuns, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
        let recording = GradMode.isEnabled && (node != nil || weight?.node != nil || bias?.node != nil)
        let (y, xhat, rstd) = runs.forward(scalars, weight?.scalars, bias?.scalars, eps: eps, keepXhat: recording)
        let w = weight?.scalars
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let (hasWeight, hasBias) = (weight != nil, bias != nil)
        let inShape = shape
        // The closure keeps xhat and rstd only, not the inputs themselves.
        return Tensor.result(shape: shape, scalars: y, inputs: inputs) { g, _ in
            let (dx, dw, db) = runs.backward(g.scalars, xhat, rstd, w)
            var grads: [Tensor?] = [Tensor(uncheckedShape: inShape, scalars: dx)]
            if hasWeight { grads.append(Tensor(uncheckedShape: [runs.channels], scalars: dw)) }
            if hasBias { grads.append(Tensor(uncheckedShape: [runs.channels], scalars: db)) }
            return grads
        }
    }

    /// Softmax along `axis`: exp(x - max) / sum.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let a = try normalizedAxes([axis], op: "softmax")[0]
        let outer = shape[..<a].reduce(1, *), n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var y = scalars
        y.withUnsafeMutableBufferPointer { py in
            guard let py = py.baseAddress, n > 0 else { return }
            if inner == 1 {
                // Rows are contiguous: the vectorised kernel, rows split across threads.
                Parallel.forEachChunk(outer, minimumPerChunk: Swift.max(1, 16_384 / n)) { rows in
                    for o in rows { softmaxRow(py + o * n, n) }
                }
                return
            }
            Parallel.forEachChunk(outer * inner, minimumPerChunk: Swift.max(1, 16_384 / n)) { columns in
                for column in columns {
                    let base = (column / inner) * n * inner + column % inner
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, py[base + k * inner]) }
                    var s: Float = 0
                    for k in 0..<n {
                        let e = Foundation.exp(py[base + k * inner] - m)
                        py[base + k * inner] = e
                        s += e
                    }
                    for k in 0..<n { py[base + k * inner] /= s }
                }
            }
        }
        let out = y
        return Tensor.result(shape: shape, scalars: y, inputs: [self]) { g, _ in
            // dx = y (g - sum(g y))
            var dx = [Float](repeating: 0, count: out.count)
            out.withUnsafeBufferPointer { py in
                g.scalars.withUnsafeBufferPointer { pg in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        guard let py = py.baseAddress, let pg = pg.baseAddress, let pdx = pdx.baseAddress else { return }
                        Parallel.forEachChunk(outer * inner, minimumPerChunk: Swift.max(1, 16_384 / Swift.max(n, 1))) { columns in
                            for column in columns {
                                let base = (column / inner) * n * inner + column % inner
                                var dot: Float = 0
                                for k in 0..<n { dot += pg[base + k * inner] * py[base + k * inner] }
                                for k in 0..<n { pdx[base + k * inner] = py[base + k * inner] * (pg[base + k * inner] - dot) }
                            }
                        }
                    }
                }
            }
            return [Tensor(uncheckedShape: g.shape, scalars: dx)]
        }
    }
}

