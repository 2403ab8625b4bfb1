/// 2-D convolution (PyTorch's `nn.Conv2d`, groups = 1) as im2col + sgemm per image.
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

    /// Unfolds one image [C,H,W] into columns [C*kh*kw, outH*outW].
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (outH, outW)
        Parallel.forEachChunk(inChannels, minimumPerChunk: channelsPerChunk) { channels in
            for c in channels {
                for ki in 0..<kernelH {
                    for kj in 0..<kernelW {
                        let row = col + ((c * kernelH + ki) * kernelW + kj) * oh * ow
                        for oy in 0..<oh {
                            let iy = oy * stride - padding + ki
                            let dst = row + oy * ow
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

    /// Folds columns back into an image, adding overlapping contributions (im2col's adjoint).
    /// Each channel's plane is summed by one thread in a fixed order, so results do not depend
    /// on the thread count.
    func col2im(_ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (outH, outW)
        Parallel.forEachChunk(inChannels, minimumPerChunk: channelsPerChunk) { channels in
            for c in channels {
                for ki in 0..<kernelH {
                    for kj in 0..<kernelW {
                        let row = col + ((c * kernelH + ki) * kernelW + kj) * oh * ow
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
        let (n, cout, spatial) = (x.shape[0], weight.shape[0], geo.outH * geo.outW)
        let imageSize = geo.inChannels * geo.height * geo.width
        var out = [Float](repeating: 0, count: n * cout * spatial)
        var col = [Float](repeating: 0, count: geo.isPointwise ? 0 : geo.rows * spatial)
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    col.withUnsafeMutableBufferPointer { pc in
                        guard let px = px.baseAddress, let pw = pw.baseAddress, let po = po.baseAddress else { return }
                        for i in 0..<n {
                            let columns: UnsafePointer<Float>
                            if geo.isPointwise {
                                columns = px + i * imageSize
                            } else {
                                guard let pc = pc.baseAddress else { return }
                                geo.im2col(px + i * imageSize, pc)
                                columns = UnsafePointer(pc)
                            }
                            sgemm(false, false, m: cout, n: spatial, k: geo.rows, pw, columns, po + i * cout * spatial)
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
        let (cx, cw) = (x.detached(), weight.detached())
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return result(shape: [n, cout, geo.outH, geo.outW], scalars: out, inputs: inputs) { g, needs in
            try conv2dBackward(g, cx, cw, geo, needs: needs)
        }
    }

    /// dW = sum_n G_n col_n^T, dcol_n = W^T G_n (folded back with col2im), db = sum of G.
    static func conv2dBackward(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2dGeometry, needs: [Bool]) throws -> [Tensor?] {
        let (n, cout, spatial) = (x.shape[0], w.shape[0], geo.outH * geo.outW)
        let imageSize = geo.inChannels * geo.height * geo.width
        var dx = [Float](repeating: 0, count: needs[0] ? x.count : 0)
        var dw = [Float](repeating: 0, count: needs[1] ? w.count : 0)
        var col = [Float](repeating: 0, count: geo.isPointwise ? 0 : geo.rows * spatial)
        var dcol = [Float](repeating: 0, count: needs[0] && !geo.isPointwise ? geo.rows * spatial : 0)
        g.scalars.withUnsafeBufferPointer { pg in
            x.scalars.withUnsafeBufferPointer { px in
                w.scalars.withUnsafeBufferPointer { pw in
                    guard let pg = pg.baseAddress, let px = px.baseAddress, let pw = pw.baseAddress else { return }
                    for i in 0..<n {
                        let gi = pg + i * cout * spatial
                        if needs[1] {
                            dw.withUnsafeMutableBufferPointer { pdw in
                                col.withUnsafeMutableBufferPointer { pc in
                                    guard let pdw = pdw.baseAddress else { return }
                                    if geo.isPointwise {
                                        sgemm(false, true, m: cout, n: geo.rows, k: spatial, gi, px + i * imageSize, pdw, beta: i == 0 ? 0 : 1)
                                    } else if let pc = pc.baseAddress {
                                        geo.im2col(px + i * imageSize, pc)
                                        sgemm(false, true, m: cout, n: geo.rows, k: spatial, gi, pc, pdw, beta: i == 0 ? 0 : 1)
                                    }
                                }
                            }
                        }
                        if needs[0] {
                            dx.withUnsafeMutableBufferPointer { pdx in
                                dcol.withUnsafeMutableBufferPointer { pdc in
                                    guard let pdx = pdx.baseAddress else { return }
                                    if geo.isPointwise {
                                        sgemm(true, false, m: geo.rows, n: spatial, k: cout, pw, gi, pdx + i * imageSize)
                                    } else if let pdc = pdc.baseAddress {
                                        sgemm(true, false, m: geo.rows, n: spatial, k: cout, pw, gi, pdc)
                                        geo.col2im(pdc, pdx + i * imageSize)
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
