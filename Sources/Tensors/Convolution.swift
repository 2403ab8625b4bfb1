/// 2-D convolution (PyTorch's `nn.Conv2d`, groups = 1): through oneDNN's direct kernels
/// (OneDNNConvolution.swift) where it takes the shape, else as im2col + sgemm per image.
/// 1x1 convolutions with stride 1 skip im2col: the image already is the column matrix.
public struct Conv2dGeometry: Sendable, Equatable {
    public let inChannels: Int, height: Int, width: Int
    public let kernelH: Int, kernelW: Int, stride: Int, padding: Int
    public var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    public var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }
    var rows: Int { inChannels * kernelH * kernelW }
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }

    /// Channels per thread chunk: each channel's rows (im2col) or plane (col2im) are its own.
    private var channelsPerChunk: Int { Swift.max(1, 16_384 / Swift.max(kernelH * kernelW * outH * outW, 1)) }

    /// The output columns whose input column ox * stride - padding + kj lies inside the image
    /// (stride 1 only): first..<last.
    private func validColumns(_ kj: Int) -> (first: Int, last: Int) {
        (Swift.max(0, padding - kj), Swift.min(outW, width + padding - kj))
    }

    /// Unfolds one image [C,H,W] into columns [C*kh*kw, outH*outW], whose rows lie `rowStride`
    /// apart (several images side by side share one column matrix); with `outputRows`, only the
    /// columns of those output rows ([C*kh*kw, outputRows.count*outW], a tile).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rowStride: Int, outputRows: Range<Int>? = nil) {
        let ow = outW, rowsOut = outputRows ?? 0..<outH
        Parallel.forEachChunk(inChannels, minimumPerChunk: channelsPerChunk) { channels in
            for c in channels {
                for ki in 0..<kernelH {
                    for kj in 0..<kernelW {
                        let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
                        for oy in rowsOut {
                            let iy = oy * stride - padding + ki
                            let dst = row + (oy - rowsOut.lowerBound) * ow
                            guard iy >= 0 && iy < height else { dst.update(repeating: 0, count: ow); continue }
                            let src = x + (c * height + iy) * width
                            if stride == 1 {
                                // Contiguous run: zeros left of the image, a copy, zeros right of it.
                                let (first, last) = validColumns(kj)
                                if first > 0 { dst.update(repeating: 0, count: Swift.min(first, ow)) }
                                if last > first { (dst + first).update(from: src + first - padding + kj, count: last - first) }
                                if last < ow { (dst + Swift.max(last, 0)).update(repeating: 0, count: ow - Swift.max(last, 0)) }
                            } else {
                                for ox in 0..<ow {
                                    let ix = ox * stride - padding + kj
                                    dst[ox] = ix >= 0 && ix < width ? src[ix] : 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Folds columns (rows `rowStride` apart) back into an image, adding overlapping
    /// contributions (im2col's adjoint). Each channel's plane is summed by one thread in a fixed
    /// order, so results do not depend on the thread count.
    func col2im(_ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (oh, ow) = (outH, outW)
        Parallel.forEachChunk(inChannels, minimumPerChunk: channelsPerChunk) { channels in
            for c in channels {
                for ki in 0..<kernelH {
                    for kj in 0..<kernelW {
                        let row = col + ((c * kernelH + ki) * kernelW + kj) * rowStride
                        for oy in 0..<oh {
                            let iy = oy * stride - padding + ki
                            guard iy >= 0 && iy < height else { continue }
                            let dst = x + (c * height + iy) * width, src = row + oy * ow
                            if stride == 1 {
                                let (first, last) = validColumns(kj)
                                if last > first {
                                    let d = dst + (first - padding + kj)
                                    for j in 0..<(last - first) { d[j] += src[first + j] }
                                }
                            } else {
                                for ox in 0..<ow {
                                    let ix = ox * stride - padding + kj
                                    if ix >= 0 && ix < width { dst[ix] += src[ox] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    var spatial: Int { outH * outW }
    var imageSize: Int { inChannels * height * width }

    /// Column matrices are kept to about 1M floats (4 MB) where that leaves sgemm at least
    /// `minimumColumns` columns: small images share one matrix (one wide product runs much
    /// faster than many narrow ones at 16x16 and 8x8), a large image is split into tiles of output
    /// rows so its columns stay in cache between im2col and sgemm (one thread, 320->320 at 64x64:
    /// 70% -> 88% of PyTorch's rate). Settable so tests can force tiles and single-image matrices
    /// on small inputs.
    nonisolated(unsafe) static var columnBudget = 1 << 20
    nonisolated(unsafe) static var minimumColumns = 1024

    /// How many images share one column matrix.
    func imagesPerChunk(_ n: Int) -> Int {
        let byBudget = Self.columnBudget / Swift.max(rows * spatial, 1)
        let byWidth = (Self.minimumColumns + spatial - 1) / Swift.max(spatial, 1)
        return Swift.max(1, Swift.min(n, Swift.max(byBudget, byWidth)))
    }

    /// Output rows per tile of a single image's columns (outH: no tiling).
    var outputRowsPerTile: Int {
        let byBudget = Self.columnBudget / Swift.max(rows * outW, 1)
        let byWidth = (Self.minimumColumns + outW - 1) / Swift.max(outW, 1)
        return Swift.max(1, Swift.min(outH, Swift.max(byBudget, byWidth)))
    }

    /// Columns [rows, b*spatial] of the b = images.count images of the batch x; image j of the
    /// chunk occupies columns j*spatial..<(j+1)*spatial.
    func columns(_ x: UnsafePointer<Float>, images: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        let ld = images.count * spatial
        for (j, i) in images.enumerated() {
            if isPointwise {
                for c in 0..<inChannels { (col + c * ld + j * spatial).update(from: x + i * imageSize + c * spatial, count: spatial) }
            } else {
                im2col(x + i * imageSize, col + j * spatial, rowStride: ld)
            }
        }
    }
}

/// A buffer every element of which is written before it is read (the output of sgemm with
/// beta 0, im2col, interleave), so the zero fill is skipped (it would cost about 6% of the CPU
/// time of a default-model forward pass).
func scratch(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// Moves rows between [b, R, spatial] (one block per image) and [R, b*spatial] (images side by
/// side), the layouts of a batch and of its product with a column matrix.
func interleave(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, images b: Int, rows: Int, spatial: Int, toSideBySide: Bool) {
    for j in 0..<b {
        for r in 0..<rows {
            let batched = (j * rows + r) * spatial, sideBySide = r * b * spatial + j * spatial
            if toSideBySide {
                (dst + sideBySide).update(from: src + batched, count: spatial)
            } else {
                (dst + batched).update(from: src + sideBySide, count: spatial)
            }
        }
    }
}

extension Tensor {
    /// x [N,Cin,H,W] * weight [Cout,Cin,kh,kw] (+ bias [Cout]) -> [N,Cout,H',W'].
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, weight.shape[1] == x.shape[1] else {
            throw TensorError.shapeMismatch(op: "conv2d (input [N,C,H,W] vs weight [Cout,C,kh,kw])", lhs: x.shape, rhs: weight.shape)
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw TensorError.shapeMismatch(op: "conv2d (weight vs bias)", lhs: weight.shape, rhs: bias.shape)
        }
        let geo = Conv2dGeometry(inChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                 kernelH: weight.shape[2], kernelW: weight.shape[3], stride: stride, padding: padding)
        guard stride > 0, padding >= 0, geo.outH > 0, geo.outW > 0 else {
            throw TensorError.invalidArgument(op: "conv2d", message: "kernel \(weight.shape[2])x\(weight.shape[3]) with stride \(stride) and padding \(padding) does not fit input \(formatShape(x.shape)) (weight \(formatShape(weight.shape)))")
        }
        let (n, cout) = (x.shape[0], weight.shape[0])
        let out = OneDNNConvolution.accepts(geo, images: n, outChannels: cout, bias: bias != nil)
            ? try OneDNNConvolution.forward(x.scalars, weight.scalars, bias?.scalars, geo, images: n, outChannels: cout)
            : conv2dColumns(x, weight, bias, geo)
        let (cx, cw) = (x.detached(), weight.detached())
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return result(shape: [n, cout, geo.outH, geo.outW], scalars: out, inputs: inputs) { g, needs in
            try conv2dBackward(g, cx, cw, geo, needs: needs)
        }
    }

    /// The forward pass as im2col + sgemm (OpenBLAS), for what oneDNN does not take.
    static func conv2dColumns(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ geo: Conv2dGeometry) -> [Float] {
        let (n, cout, spatial) = (x.shape[0], weight.shape[0], geo.spatial)
        let chunk = geo.imagesPerChunk(n)
        var out = scratch(n * cout * spatial)
        // 1x1 convolutions of one image at a time use the image itself as the column matrix.
        let direct = geo.isPointwise && chunk == 1
        let tiled = chunk == 1 && geo.outputRowsPerTile < geo.outH
        var col = scratch(direct ? 0 : geo.rows * (tiled ? geo.outputRowsPerTile * geo.outW : chunk * spatial))
        var product = scratch(chunk > 1 ? cout * chunk * spatial : 0)
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    col.withUnsafeMutableBufferPointer { pc in
                        product.withUnsafeMutableBufferPointer { pp in
                            guard let px = px.baseAddress, let pw = pw.baseAddress, let po = po.baseAddress else { return }
                            for first in Swift.stride(from: 0, to: n, by: chunk) {
                                let images = first..<Swift.min(n, first + chunk)
                                let tile = geo.outputRowsPerTile
                                if tiled, !direct, let pc = pc.baseAddress {
                                    // One large image: columns and product one tile of output rows at a time.
                                    for y0 in Swift.stride(from: 0, to: geo.outH, by: tile) {
                                        let rowsOut = y0..<Swift.min(geo.outH, y0 + tile), width = rowsOut.count * geo.outW
                                        geo.im2col(px + first * geo.imageSize, pc, rowStride: width, outputRows: rowsOut)
                                        sgemm(false, false, m: cout, n: width, k: geo.rows, pw, lda: geo.rows, pc, ldb: width,
                                              po + first * cout * spatial + y0 * geo.outW, ldc: spatial)
                                    }
                                    continue
                                }
                                var columns = px + first * geo.imageSize
                                if !direct, let pc = pc.baseAddress {
                                    geo.columns(px, images: images, into: pc)
                                    columns = UnsafePointer(pc)
                                }
                                let target = po + first * cout * spatial
                                if images.count > 1, let pp = pp.baseAddress {
                                    sgemm(false, false, m: cout, n: images.count * spatial, k: geo.rows, pw, columns, pp)
                                    interleave(pp, target, images: images.count, rows: cout, spatial: spatial, toSideBySide: false)
                                } else {
                                    sgemm(false, false, m: cout, n: spatial, k: geo.rows, pw, columns, target)
                                }
                            }
                            if let bias {
                                for i in 0..<n {
                                    for c in 0..<cout {
                                        let b = bias.scalars[c], row = po + (i * cout + c) * spatial
                                        for j in 0..<spatial { row[j] += b }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The gradients through oneDNN when it takes this shape, else through `conv2dBackwardColumns`.
    static func conv2dBackward(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2dGeometry, needs: [Bool]) throws -> [Tensor?] {
        let (n, cout) = (x.shape[0], w.shape[0])
        let hasBias = needs.count > 2
        guard OneDNNConvolution.acceptsBackward(geo, images: n, outChannels: cout, bias: hasBias) else {
            return try conv2dBackwardColumns(g, x, w, geo, needs: needs)
        }
        var grads: [Tensor?] = [nil, nil]
        if needs[0] {
            let dx = try OneDNNConvolution.backwardData(g.scalars, w.scalars, geo, images: n, outChannels: cout)
            grads[0] = Tensor(uncheckedShape: x.shape, scalars: dx)
        }
        let biasNeeded = hasBias && needs[2]
        if needs[1] {
            let (dw, db) = try OneDNNConvolution.backwardWeights(g.scalars, x.scalars, geo, images: n, outChannels: cout, bias: biasNeeded)
            grads[1] = Tensor(uncheckedShape: w.shape, scalars: dw)
            if hasBias { grads.append(db.map { Tensor(uncheckedShape: [cout], scalars: $0) }) }
        } else if hasBias {
            grads.append(biasNeeded ? try g.sum(axes: [0, 2, 3]) : nil)
        }
        return grads
    }

    /// dW = sum over image chunks of G col^T, dcol = W^T G (folded back with col2im), db = sum
    /// of G; G and col hold a chunk's images side by side, as in the forward pass.
    static func conv2dBackwardColumns(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2dGeometry, needs: [Bool]) throws -> [Tensor?] {
        let (n, cout, spatial) = (x.shape[0], w.shape[0], geo.spatial)
        let chunk = geo.imagesPerChunk(n)
        var dx = [Float](repeating: 0, count: needs[0] ? x.count : 0)
        var dw = [Float](repeating: 0, count: needs[1] ? w.count : 0)
        var col = scratch(needs[1] ? geo.rows * chunk * spatial : 0)
        var dcol = scratch(needs[0] ? geo.rows * chunk * spatial : 0)
        var gathered = scratch(chunk > 1 ? cout * chunk * spatial : 0)
        g.scalars.withUnsafeBufferPointer { pg in
            x.scalars.withUnsafeBufferPointer { px in
                w.scalars.withUnsafeBufferPointer { pw in
                    guard let pg = pg.baseAddress, let px = px.baseAddress, let pw = pw.baseAddress else { return }
                    for first in Swift.stride(from: 0, to: n, by: chunk) {
                        let images = first..<Swift.min(n, first + chunk)
                        let width = images.count * spatial
                        gathered.withUnsafeMutableBufferPointer { pt in
                            var grad = pg + first * cout * spatial
                            if images.count > 1, let pt = pt.baseAddress {
                                interleave(grad, pt, images: images.count, rows: cout, spatial: spatial, toSideBySide: true)
                                grad = UnsafePointer(pt)
                            }
                            if needs[1] {
                                dw.withUnsafeMutableBufferPointer { pdw in
                                    col.withUnsafeMutableBufferPointer { pc in
                                        guard let pdw = pdw.baseAddress, let pc = pc.baseAddress else { return }
                                        geo.columns(px, images: images, into: pc)
                                        sgemm(false, true, m: cout, n: geo.rows, k: width, grad, pc, pdw, beta: first == 0 ? 0 : 1)
                                    }
                                }
                            }
                            if needs[0] {
                                dx.withUnsafeMutableBufferPointer { pdx in
                                    dcol.withUnsafeMutableBufferPointer { pdc in
                                        guard let pdx = pdx.baseAddress, let pdc = pdc.baseAddress else { return }
                                        sgemm(true, false, m: geo.rows, n: width, k: cout, pw, grad, pdc)
                                        if geo.isPointwise {
                                            interleave(pdc, pdx + first * geo.imageSize, images: images.count, rows: geo.inChannels,
                                                       spatial: spatial, toSideBySide: false)
                                        } else {
                                            for (j, i) in images.enumerated() {
                                                geo.col2im(pdc + j * spatial, pdx + i * geo.imageSize, rowStride: width)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var grads: [Tensor?] = [
            needs[0] ? Tensor(uncheckedShape: x.shape, scalars: dx) : nil,
            needs[1] ? Tensor(uncheckedShape: w.shape, scalars: dw) : nil,
        ]
        if needs.count > 2 {
            grads.append(needs[2] ? try g.sum(axes: [0, 2, 3]) : nil)
        }
        return grads
    }
}
