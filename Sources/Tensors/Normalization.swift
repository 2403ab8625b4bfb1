import Foundation

/// Group norm and layer norm as fused ops: both normalise contiguous runs of `size`
/// elements (a group of channels x pixels, or one feature vector), then apply a
/// per-channel scale and shift. A run is made of stretches of `channelStride` elements that
/// share one channel (group norm: a channel's pixels; layer norm: single elements).
struct NormalizedRuns {
    let runs: Int, size: Int
    /// Number of consecutive elements that share one scale/shift entry.
    let channelStride: Int
    let channels: Int

    private var stride: Int { Swift.max(channelStride, 1) }
    private var stretches: Int { runs * size / stride }
    /// Runs per thread chunk: enough elements that a dispatch pays for itself.
    private var runsPerChunk: Int { Swift.max(1, 16_384 / Swift.max(size, 1)) }

    /// y = (x - mean) * rstd * w[c] + b[c]; returns y, xhat (only when `keepXhat`, for the
    /// backward pass) and rstd per run. Runs are split across threads; each run's statistics
    /// are summed in Double by one thread in a fixed order.
    func forward(_ x: [Float], _ w: [Float]?, _ b: [Float]?, eps: Float, keepXhat: Bool) -> (y: [Float], xhat: [Float], rstd: [Float]) {
        var y = [Float](repeating: 0, count: x.count)
        var xhat = [Float](repeating: 0, count: keepXhat ? x.count : 0)
        var rstd = [Float](repeating: 0, count: runs)
        let wv = w ?? [Float](repeating: 1, count: channels), bv = b ?? [Float](repeating: 0, count: channels)
        let size = self.size, stride = self.stride, channels = self.channels
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                xhat.withUnsafeMutableBufferPointer { hb in
                    rstd.withUnsafeMutableBufferPointer { rb in
                        guard let px = xb.baseAddress, let py = yb.baseAddress else { return }
                        Parallel.forEachChunk(runs, minimumPerChunk: runsPerChunk) { range in
                            for r in range {
                                let run = px + r * size
                                let mean = sumOf(run, size) / Double(size)
                                let rs = Float(1 / (sumOfSquares(run, size, minus: mean) / Double(size) + Double(eps)).squareRoot())
                                rb[r] = rs
                                let m = Float(mean)
                                if keepXhat, let ph = hb.baseAddress {
                                    let h = ph + r * size
                                    for i in 0..<size { h[i] = (run[i] - m) * rs }
                                }
                                // One scale and shift per stretch of `stride` elements sharing a channel.
                                var start = r * size
                                while start < (r + 1) * size {
                                    let c = (start / stride) % channels
                                    let scale = rs * wv[c], shift = bv[c]
                                    let (src, dst) = (px + start, py + start)
                                    for i in 0..<stride { dst[i] = (src[i] - m) * scale + shift }
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
    ///
    /// All three come from two sums per stretch, sum(dy xhat) and sum(dy), taken once in Double:
    /// a run's means weight them by w[c], dw and db add them up per channel in a fixed order.
    func backward(_ dy: [Float], _ xhat: [Float], _ rstd: [Float], _ w: [Float]?) -> (dx: [Float], dw: [Float], db: [Float]) {
        let wv = w ?? [Float](repeating: 1, count: channels)
        let size = self.size, stride = self.stride, channels = self.channels, perRun = size / stride
        var dot = [Double](repeating: 0, count: stretches), sum = dot
        var dx = [Float](repeating: 0, count: dy.count)
        dy.withUnsafeBufferPointer { gb in
            xhat.withUnsafeBufferPointer { hb in
                guard let pg = gb.baseAddress, let ph = hb.baseAddress else { return }
                dot.withUnsafeMutableBufferPointer { pdot in
                    sum.withUnsafeMutableBufferPointer { psum in
                        Parallel.forEachChunk(stretches, minimumPerChunk: Swift.max(1, 16_384 / stride)) { range in
                            for k in range {
                                pdot[k] = dotOf(pg + k * stride, ph + k * stride, stride)
                                psum[k] = sumOf(pg + k * stride, stride)
                            }
                        }
                    }
                }
                dx.withUnsafeMutableBufferPointer { db in
                    guard let pdx = db.baseAddress else { return }
                    Parallel.forEachChunk(runs, minimumPerChunk: runsPerChunk) { range in
                        for r in range {
                            var meanD = 0.0, meanDX = 0.0
                            for k in (r * perRun)..<((r + 1) * perRun) {
                                let wc = Double(wv[k % channels])
                                meanD += wc * sum[k]
                                meanDX += wc * dot[k]
                            }
                            let (mD, mDX) = (Float(meanD / Double(size)), Float(meanDX / Double(size)))
                            let rs = rstd[r]
                            for k in (r * perRun)..<((r + 1) * perRun) {
                                let wc = wv[k % channels]
                                let (g, h, o) = (pg + k * stride, ph + k * stride, pdx + k * stride)
                                for i in 0..<stride { o[i] = rs * (g[i] * wc - mD - h[i] * mDX) }
                            }
                        }
                    }
                }
            }
        }
        // Stretch k holds channel k % channels; sum each channel's stretches in index order.
        var dw = [Double](repeating: 0, count: channels), db = dw
        for k in 0..<stretches {
            dw[k % channels] += dot[k]
            db[k % channels] += sum[k]
        }
        return (dx, dw.map(Float.init), db.map(Float.init))
    }
}

/// Sum of n floats in Double, four lanes at a time (fixed order, so deterministic).
@inline(__always) func sumOf(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var acc = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 4 <= n { acc += SIMD4<Double>(loadLanes(x + i)); i += 4 }
    var total = acc.sum()
    while i < n { total += Double(x[i]); i += 1 }
    return total
}

/// Sum of (x - mean)^2 in Double, four lanes at a time.
@inline(__always) func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int, minus mean: Double) -> Double {
    var acc = SIMD4<Double>(repeating: 0)
    let m = SIMD4<Double>(repeating: mean)
    var i = 0
    while i + 4 <= n { let d = SIMD4<Double>(loadLanes(x + i)) - m; acc += d * d; i += 4 }
    var total = acc.sum()
    while i < n { let d = Double(x[i]) - mean; total += d * d; i += 1 }
    return total
}

/// Sum of a[i] b[i] (products in Float, as PyTorch forms them) accumulated in Double.
@inline(__always) func dotOf(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    var acc = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 4 <= n { acc += SIMD4<Double>(loadLanes(a + i) * loadLanes(b + i)); i += 4 }
    var total = acc.sum()
    while i < n { total += Double(a[i] * b[i]); i += 1 }
    return total
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
                    for o in rows { VectorUnit.softmaxRow(py + o * n, n) }
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

