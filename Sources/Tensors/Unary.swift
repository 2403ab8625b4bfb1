import Foundation

/// Elementwise math. Each op states its derivative next to its definition.
extension Tensor {
    /// y = f(x) with dy/dx = df(x, y), evaluated in the backward pass.
    @inline(__always)
    func unary(_ f: @escaping (Float) -> Float, derivative df: @escaping (Float, Float) -> Float) -> Tensor {
        unary(values: mapScalars(scalars, UnaryClosure(f: f)), derivative: df)
    }

    /// The same with y already computed (by a vector kernel).
    func unary(values out: [Float], derivative df: @escaping (Float, Float) -> Float) -> Tensor {
        unary(values: out) { x, y, g, dx, n in for i in 0..<n { dx[i] = g[i] * df(x[i], y[i]) } }
    }

    /// With the backward as a row kernel too: `gradient(x, y, g, dx, n)` writes dx = g f'(x) for n values.
    func unary(values out: [Float], gradient: @escaping (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                                         UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let x = scalars
        return Tensor.result(shape: shape, scalars: out, inputs: [self]) { g, _ in
            let d = [Float](unsafeUninitializedCapacity: x.count) { pd, initialized in
                x.withUnsafeBufferPointer { px in out.withUnsafeBufferPointer { py in g.scalars.withUnsafeBufferPointer { pg in
                    guard let px = px.baseAddress, let py = py.baseAddress, let pg = pg.baseAddress, let pd = pd.baseAddress else { return }
                    Parallel.forEachChunk(x.count, minimumPerChunk: 32_768) { r in
                        gradient(px + r.lowerBound, py + r.lowerBound, pg + r.lowerBound, pd + r.lowerBound, r.count)
                    }
                }}}
                initialized = x.count
            }
            return [Tensor(uncheckedShape: g.shape, scalars: d)]
        }
    }

    public func exp() -> Tensor { unary(Foundation.exp) { _, y in y } }
    public func log() -> Tensor { unary(Foundation.log) { x, _ in 1 / x } }
    public func sqrt() -> Tensor { unary(Foundation.sqrt) { _, y in 0.5 / y } }
    public func abs() -> Tensor { unary(Swift.abs) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    public func tanh() -> Tensor { unary(Foundation.tanh) { _, y in 1 - y * y } }
    public func sin() -> Tensor { unary(Foundation.sin) { x, _ in Foundation.cos(x) } }
    public func cos() -> Tensor { unary(Foundation.cos) { x, _ in -Foundation.sin(x) } }
    public func square() -> Tensor { unary({ $0 * $0 }) { x, _ in 2 * x } }
    public func relu() -> Tensor { unary({ Swift.max($0, 0) }) { x, _ in x > 0 ? 1 : 0 } }

    /// 1 / (1 + e^-x)
    public func sigmoid() -> Tensor { unary(sigmoidScalar) { _, y in y * (1 - y) } }

    /// SiLU: x * sigmoid(x)
    public func silu() -> Tensor {
        unary(values: mapChunks(scalars, VectorUnit.siluRow), gradient: { x, _, g, dx, n in VectorUnit.siluGradientRow(x, g, dx, n) })
    }

    /// GELU with erf: x/2 (1 + erf(x/sqrt 2)); PyTorch's default, with erf computed as PyTorch's
    /// vectorised CPU kernel does.
    public func gelu() -> Tensor {
        unary(values: mapChunks(scalars, VectorUnit.geluRow), gradient: { x, _, g, dx, n in VectorUnit.geluGradientRow(x, g, dx, n) })
    }

    /// CLIP's quick_gelu: x * sigmoid(1.702 x)
    public func quickGelu() -> Tensor {
        unary({ $0 * sigmoidScalar(1.702 * $0) }) { x, _ in
            let s = sigmoidScalar(1.702 * x)
            return s + 1.702 * x * s * (1 - s)
        }
    }

    /// Clamps into [lo, hi]; the gradient passes where the value was inside.
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor {
        unary({ Swift.min(Swift.max($0, lo), hi) }) { x, _ in x >= lo && x <= hi ? 1 : 0 }
    }
}

@inline(__always) func sigmoidScalar(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
