/// Tensors' row kernels (VectorMath.swift, linked here) compiled for AVX-512: this module is
/// built with `-target-cpu skylake-avx512` and sixteen lanes, so nothing in it may run unless the
/// CPU has AVX-512 F/BW/DQ/VL. Tensors calls it only then (`VectorUnit.wide`); everything here
/// is an entry point to one kernel, with the meaning documented in VectorMath.swift.
typealias Lanes = SIMD16<Float>

public enum Wide {
    public static func expRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, mask: UnsafePointer<Float>?, maskStride: Int) -> (max: Float, sum: Float) {
        WideKernels.expRow(x, n, mask: mask, maskStride: maskStride)
    }
    public static func expShiftedRow(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
        WideKernels.expShiftedRow(x, n, shift: shift)
    }
    public static func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) { WideKernels.softmaxRow(x, n) }
    public static func softmaxBackwardRow(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, _ n: Int) {
        WideKernels.softmaxBackwardRow(p, dp, n)
    }
    public static func siluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { WideKernels.siluRow(x, y, n) }
    public static func geluRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { WideKernels.geluRow(x, y, n) }
    public static func siluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        WideKernels.siluGradientRow(x, g, dx, n)
    }
    public static func geluGradientRow(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        WideKernels.geluGradientRow(x, g, dx, n)
    }
}
