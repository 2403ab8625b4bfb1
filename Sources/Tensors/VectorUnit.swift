import WideKernels

/// Four lanes: the SSE registers of the baseline x86-64 target Tensors compiles for.
typealias Lanes = SIMD4<Float>

/// Which build of the row kernels runs: WideKernels' AVX-512 one when the CPU and OS support
/// it, else Tensors' own four-lane one (VectorMath.swift is the source of both).
enum VectorUnit {
    /// Whether this CPU and OS can run the AVX-512 build (F, BW, DQ and VL: skylake-avx512).
    static let wideAvailable: Bool = {
        let f = BLASKernel.CPUFeatures.current
        return f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl
    }()

    /// Settable so tests can run both builds on the same machine.
    nonisolated(unsafe) static var wide = wideAvailable

    static func expRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, mask: UnsafePointer<Float>?, maskStride: Int) -> (max: Float, sum: Float) {
        wide ? Wide.expRow(x, n, mask: mask, maskStride: maskStride) : Tensors.expRow(x, n, mask: mask, maskStride: maskStride)
    }
    static func expShiftedRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
        wide ? Wide.expShiftedRow(x, n, shift: shift) : Tensors.expShiftedRow(x, n, shift: shift)
    }
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.softmaxRow(x, n) : Tensors.softmaxRow(x, n)
    }
    static func softmaxBackwardRow(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.softmaxBackwardRow(p, dp, n) : Tensors.softmaxBackwardRow(p, dp, n)
    }
    static func siluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.siluRow(x, y, n) : Tensors.siluRow(x, y, n)
    }
    static func geluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.geluRow(x, y, n) : Tensors.geluRow(x, y, n)
    }
    static func siluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.siluGradientRow(x, g, dx, n) : Tensors.siluGradientRow(x, g, dx, n)
    }
    static func geluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        wide ? Wide.geluGradientRow(x, g, dx, n) : Tensors.geluGradientRow(x, g, dx, n)
    }
}
