/// The row kernels of the softmax/attention/activation hot loops, written once over `Lanes`.
/// This file is compiled twice: into Tensors with `Lanes` = SIMD4<Float> (the SSE registers of
/// the baseline x86-64 target), and into WideKernels, through a symbolic link, with `Lanes` =
/// SIMD16<Float> and AVX-512 code generation, used when the CPU has it (`VectorUnit`).
/// The kernels use plain multiplies and adds (no fused multiply-add), so every elementwise
/// result is bit-identical at both widths; only the order of a row's sums differs. Every result
/// depends only on its own inputs and a fixed lane order, so the kernels are deterministic.
/// (Measured here: SIMD4 code runs e^x at about 1.1 ns per value, SIMD16 built for AVX-512 at
/// 0.4 ns, glibc's expf at 3 ns.)
@inline(__always) func loadLanes(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
}

@inline(__always) func storeLanes(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
}

/// e^x for x <= 0 (softmax arguments, x - max): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by
/// Cephes' degree-6 polynomial (max relative error 1.2e-7 measured against expf), 2^n built in
/// the exponent bits. Below -87.34, where float32 turns subnormal, it gives 0; NaN stays NaN.
@inline(__always) func expNonPositive(_ x: Lanes) -> Lanes {
    let lo = Lanes(repeating: -87.336_54)
    // Comparisons and selects, not pointwiseMax: that one compiles to a call per four values.
    let xc = x.replacing(with: lo, where: x .< lo)
    // Adding 1.5 * 2^23 rounds x log2(e) to an integer n held in the low mantissa bits.
    let magic = Lanes(repeating: 12_582_912)
    let t = xc * Lanes(repeating: 1.442_695_04) + magic
    let n = t - magic
    let r = (xc - n * Lanes(repeating: 0.693_359_375)) - n * Lanes(repeating: -2.121_944_4e-4)
    var p = Lanes(repeating: 1.987_569_15e-4)
    p = p * r + Lanes(repeating: 1.398_199_950_7e-3)
    p = p * r + Lanes(repeating: 8.333_451_907_3e-3)
    p = p * r + Lanes(repeating: 4.166_579_589_4e-2)
    p = p * r + Lanes(repeating: 1.666_666_545_9e-1)
    p = p * r + Lanes(repeating: 5.000_000_120_1e-1)
    p = p * (r * r) + r + Lanes(repeating: 1)
    let bits = (unsafeBitCast(t, to: Lanes.MaskStorage.self) &- Lanes.MaskStorage(repeating: 0x4B40_0000 - 127)) &<< Lanes.MaskStorage(repeating: 23)
    var y = p * unsafeBitCast(bits, to: Lanes.self)
    y.replace(with: 0, where: x .< lo)
    return y
}

/// The same for one value (row tails), so a value's result does not depend on its position.
@inline(__always) func expNonPositive(_ x: Float) -> Float {
    expNonPositive(Lanes(repeating: x))[0]
}

/// x[j] = e^(x[j] + mask[j] - max) over one contiguous row, in place (`mask` read with stride
/// `maskStride`; 0 broadcasts one value). Returns the max and the sum of the exponentials:
/// the caller normalises (softmax) or folds 1/sum into a later, smaller product (attention).
@inline(__always)
func expRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, mask: UnsafePointer<Float>? = nil, maskStride: Int = 1) -> (max: Float, sum: Float) {
    if let mask {
        for j in 0..<n { x[j] += mask[j * maskStride] }
    }
    let body = n & ~(Lanes.scalarCount - 1)
    var vmax = Lanes(repeating: -.infinity)
    var j = 0
    while j < body { let v = loadLanes(x + j); vmax.replace(with: v, where: vmax .< v); j += Lanes.scalarCount }
    var m = vmax.max()
    while j < n { m = Swift.max(m, x[j]); j += 1 }
    if m == -.infinity { m = 0 }  // a fully masked row: all e^x are 0, the sum 0, the softmax NaN as in torch
    let vm = Lanes(repeating: m)
    var vsum = Lanes(repeating: 0)
    j = 0
    while j < body {
        let e = expNonPositive(loadLanes(x + j) - vm)
        storeLanes(e, x + j)
        vsum += e
        j += Lanes.scalarCount
    }
    var s = vsum.sum()
    while j < n { let e = expNonPositive(x[j] - m); x[j] = e; s += e; j += 1 }
    return (m, s)
}

/// Softmax of one contiguous row in place.
@inline(__always)
func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let (_, s) = expRow(x, n)
    scaleRow(x, n, by: 1 / s)
}

@inline(__always)
func scaleRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
    let body = n & ~(Lanes.scalarCount - 1), v = Lanes(repeating: factor)
    var j = 0
    while j < body { storeLanes(loadLanes(x + j) * v, x + j); j += Lanes.scalarCount }
    while j < n { x[j] *= factor; j += 1 }
}

/// x[j] = e^(x[j] - shift) over a contiguous row (attention's backward: probabilities from the
/// saved log-sum-exp).
@inline(__always)
func expShiftedRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
    let body = n & ~(Lanes.scalarCount - 1), vs = Lanes(repeating: shift)
    var j = 0
    while j < body { storeLanes(expNonPositive(loadLanes(x + j) - vs), x + j); j += Lanes.scalarCount }
    while j < n { x[j] = expNonPositive(x[j] - shift); j += 1 }
}

/// dS = P (dP - sum(P dP)) over one row, in place in `dp`.
@inline(__always)
func softmaxBackwardRow(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, _ n: Int) {
    let body = n & ~(Lanes.scalarCount - 1)
    var vdot = Lanes(repeating: 0)
    var j = 0
    while j < body { vdot += loadLanes(p + j) * loadLanes(dp + j); j += Lanes.scalarCount }
    var dot = vdot.sum()
    while j < n { dot += p[j] * dp[j]; j += 1 }
    let vd = Lanes(repeating: dot)
    j = 0
    while j < body { storeLanes(loadLanes(p + j) * (loadLanes(dp + j) - vd), dp + j); j += Lanes.scalarCount }
    while j < n { dp[j] = p[j] * (dp[j] - dot); j += 1 }
}

/// y = x sigmoid(x) over n values, a vector of lanes at a time. sigmoid from e = e^-|x| only (so the
/// exponential never overflows): 1 / (1 + e) for x >= 0, e (1 / (1 + e)) below.
func siluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func lanes(_ v: Lanes) -> Lanes {
        let negative = v .< 0
        let e = expNonPositive(v.replacing(with: -v, where: .!negative))
        let r = 1 / (1 + e)
        return v * r.replacing(with: e * r, where: negative)
    }
    var j = 0
    while j + Lanes.scalarCount <= n { storeLanes(lanes(loadLanes(x + j)), y + j); j += Lanes.scalarCount }
    while j < n { y[j] = lanes(Lanes(repeating: x[j]))[0]; j += 1 }
}

/// dx = g s (1 + x (1 - s)) with s = sigmoid(x): SiLU's backward.
func siluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func lanes(_ v: Lanes, _ g: Lanes) -> Lanes {
        let negative = v .< 0
        let e = expNonPositive(v.replacing(with: -v, where: .!negative))
        let r = 1 / (1 + e)
        let s = r.replacing(with: e * r, where: negative)
        return g * (s * (1 + v * (1 - s)))
    }
    var j = 0
    while j + Lanes.scalarCount <= n { storeLanes(lanes(loadLanes(x + j), loadLanes(g + j)), dx + j); j += Lanes.scalarCount }
    while j < n { dx[j] = lanes(Lanes(repeating: x[j]), Lanes(repeating: g[j]))[0]; j += 1 }
}

/// erf as PyTorch's vectorised CPU kernels compute it: Abramowitz & Stegun 7.1.26,
/// 1 - (a1 t + ... + a5 t^5) e^(-x^2) with t = 1 / (1 + p|x|), absolute error below 1.5e-7.
@inline(__always) func erfLanes(_ x: Lanes) -> Lanes {
    let negative = x .< 0
    let a = x.replacing(with: -x, where: negative)
    let t = 1 / (1 + Lanes(repeating: 0.327_591_1) * a)
    var r = Lanes(repeating: 1.061_405_429) * t + Lanes(repeating: -1.453_152_027)
    r = r * t + Lanes(repeating: 1.421_413_741)
    r = r * t + Lanes(repeating: -0.284_496_736)
    r = r * t + Lanes(repeating: 0.254_829_592)
    let v = 1 - r * t * expNonPositive(-(x * x))
    return v.replacing(with: -v, where: negative)
}

/// GELU with erf: y = x/2 (1 + erf(x / sqrt 2)).
func geluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func lanes(_ v: Lanes) -> Lanes { 0.5 * v * (1 + erfLanes(v * Lanes(repeating: 0.707_106_781))) }
    var j = 0
    while j + Lanes.scalarCount <= n { storeLanes(lanes(loadLanes(x + j)), y + j); j += Lanes.scalarCount }
    while j < n { y[j] = lanes(Lanes(repeating: x[j]))[0]; j += 1 }
}

/// GELU's backward: dx = g (cdf(x) + x pdf(x)) for the standard normal's cdf and pdf.
func geluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func lanes(_ v: Lanes, _ g: Lanes) -> Lanes {
        let cdf = 0.5 * (1 + erfLanes(v * Lanes(repeating: 0.707_106_781)))
        let pdf = Lanes(repeating: 0.398_942_28) * expNonPositive(-0.5 * v * v)
        return g * (cdf + v * pdf)
    }
    var j = 0
    while j + Lanes.scalarCount <= n { storeLanes(lanes(loadLanes(x + j), loadLanes(g + j)), dx + j); j += Lanes.scalarCount }
    while j < n { dx[j] = lanes(Lanes(repeating: x[j]), Lanes(repeating: g[j]))[0]; j += 1 }
}
