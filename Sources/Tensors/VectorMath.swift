/// Four-lane kernels for the softmax/attention hot loops. Four lanes match the SSE registers of
/// the baseline x86-64 target this package compiles for; measured here, Swift's SIMD4<Float>
/// code runs e^x at about 1 ns per value against 3 ns for glibc's expf, while SIMD8/SIMD16
/// code came out slower than expf. Every result depends only on its own inputs and a fixed
/// lane order, so the kernels are deterministic.
typealias Lanes = SIMD4<Float>

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
    let bits = (unsafeBitCast(t, to: SIMD4<Int32>.self) &- SIMD4<Int32>(repeating: 0x4B40_0000 - 127)) &<< SIMD4<Int32>(repeating: 23)
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
    let body = n & ~3
    var vmax = Lanes(repeating: -.infinity)
    var j = 0
    while j < body { let v = loadLanes(x + j); vmax.replace(with: v, where: vmax .< v); j += 4 }
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
        j += 4
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
    let body = n & ~3, v = Lanes(repeating: factor)
    var j = 0
    while j < body { storeLanes(loadLanes(x + j) * v, x + j); j += 4 }
    while j < n { x[j] *= factor; j += 1 }
}

/// x[j] = e^(x[j] - shift) over a contiguous row (attention's backward: probabilities from the
/// saved log-sum-exp).
@inline(__always)
func expShiftedRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
    let body = n & ~3, vs = Lanes(repeating: shift)
    var j = 0
    while j < body { storeLanes(expNonPositive(loadLanes(x + j) - vs), x + j); j += 4 }
    while j < n { x[j] = expNonPositive(x[j] - shift); j += 1 }
}

/// dS = P (dP - sum(P dP)) over one row, in place in `dp`.
@inline(__always)
func softmaxBackwardRow(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, _ n: Int) {
    let body = n & ~3
    var vdot = Lanes(repeating: 0)
    var j = 0
    while j < body { vdot += loadLanes(p + j) * loadLanes(dp + j); j += 4 }
    var dot = vdot.sum()
    while j < n { dot += p[j] * dp[j]; j += 1 }
    let vd = Lanes(repeating: dot)
    j = 0
    while j < body { storeLanes(loadLanes(p + j) * (loadLanes(dp + j) - vd), dp + j); j += 4 }
    while j < n { dp[j] = p[j] * (dp[j] - dot); j += 1 }
}

import Foundation

/// y = x sigmoid(x) over n values, four lanes at a time. sigmoid from e = e^-|x| only (so the
/// exponential never overflows): 1 / (1 + e) for x >= 0, e / (1 + e) below.
func siluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let body = n & ~3
    var j = 0
    while j < body {
        let v = loadLanes(x + j)
        let negative = v .< 0
        let e = expNonPositive(v.replacing(with: -v, where: .!negative))
        let r = 1 / (1 + e)
        storeLanes(v * r.replacing(with: e * r, where: negative), y + j)
        j += 4
    }
    while j < n {
        let v = x[j], e = expNonPositive(-Swift.abs(v))
        y[j] = v * (v < 0 ? e / (1 + e) : 1 / (1 + e))
        j += 1
    }
}
