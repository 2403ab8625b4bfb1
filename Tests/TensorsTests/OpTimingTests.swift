import Foundation
import XCTest
@testable import Tensors

/// A timing harness for the UNet's hot ops at SD-1.5 shapes, not a timed test: it only runs when
/// SOFTNEG_OP_TIMINGS=1 and prints the best of a few runs per op (ms). Run it as
///   OPENBLAS_CORETYPE=SkylakeX SOFTNEG_OP_TIMINGS=1 swift test -c release --filter OpTimingTests
/// and compare with the same shapes in PyTorch (torch.set_num_threads(2)).
class OpTimingTests: XCTestCase {
    func filled(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        // A cheap deterministic fill in [-1, 1); the values do not matter for timing.
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        let n = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: n)
        for i in 0..<n {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            scalars[i] = Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// Milliseconds of CPU time used by the whole process (all threads) so far. On a shared
    /// machine wall time swings with the load; CPU time measures the work itself.
    func processCPUms() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
    }

    /// Prints the best wall time and the best CPU time over `runs` runs.
    func time(_ label: String, runs: Int = 5, _ body: () throws -> Tensor) rethrows {
        var bestWall = Double.infinity, bestCPU = Double.infinity
        var checksum: Float = 0
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, cpu = processCPUms()
            let y = try body()
            bestCPU = Swift.min(bestCPU, processCPUms() - cpu)
            bestWall = Swift.min(bestWall, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            checksum = y.scalars.first ?? 0
        }
        print(String(format: "timing %-44@ wall %9.2f ms  cpu %9.2f ms  (%g)", label as NSString, bestWall, bestCPU, checksum))
    }

    func testTimings() throws {
        guard ProcessInfo.processInfo.environment["SOFTNEG_OP_TIMINGS"] == "1" else {
            throw XCTSkip("set SOFTNEG_OP_TIMINGS=1 to print op timings")
        }
        try noGrad {
            let x320 = filled([2, 320, 64, 64]), y320 = filled([2, 320, 64, 64], seed: 2)
            let x640 = filled([2, 640, 32, 32]), x1280 = filled([2, 1280, 16, 16])
            let w3 = filled([320, 320, 3, 3]).affine(scale: 0.02, shift: 0), b320 = filled([320])
            let w1 = filled([640, 320, 1, 1]).affine(scale: 0.05, shift: 0)
            let w3_1280 = filled([1280, 1280, 3, 3]).affine(scale: 0.01, shift: 0), b1280 = filled([1280])
            let w3s2 = filled([320, 320, 3, 3]).affine(scale: 0.02, shift: 0)
            let temb = filled([2, 320, 1, 1])
            try time("conv2d 3x3 [1,320,64,64]->320") { try Tensor.conv2d(x320.sliced(axis: 0, start: 0, end: 1), weight: w3, bias: b320, padding: 1) }
            try time("conv2d 3x3 [2,320,64,64]->320") { try Tensor.conv2d(x320, weight: w3, bias: b320, padding: 1) }
            try time("conv2d 3x3 s2 [2,320,64,64]->320") { try Tensor.conv2d(x320, weight: w3s2, bias: b320, stride: 2, padding: 1) }
            try time("conv2d 1x1 [2,320,64,64]->640") { try Tensor.conv2d(x320, weight: w1, bias: nil) }
            try time("conv2d 3x3 [2,1280,16,16]->1280") { try Tensor.conv2d(x1280, weight: w3_1280, bias: b1280, padding: 1) }
            try time("conv2d 3x3 [2,1280,8,8]->1280") {
                try Tensor.conv2d(x1280.sliced(axis: 2, start: 0, end: 8).sliced(axis: 3, start: 0, end: 8), weight: w3_1280, bias: b1280, padding: 1)
            }
            try time("group_norm 32 [2,320,64,64]") { try x320.groupNorm(groups: 32, weight: b320, bias: b320, eps: 1e-5) }
            try time("group_norm 32 [2,640,32,32]") { try x640.groupNorm(groups: 32, weight: nil, bias: nil, eps: 1e-5) }
            try time("silu [2,320,64,64]") { x320.silu() }
            try time("gelu [2,4096,320]") { try x320.reshaped([2, 4096, 320]).gelu() }
            try time("add same [2,320,64,64]") { try x320 + y320 }
            try time("add channel [2,320,64,64]+[2,320,1,1]") { try x320 + temb }
            try time("mul lastdim [2,4096,320]*[320]") { try x320.reshaped([2, 4096, 320]) * b320 }
            try time("scale affine [2,320,64,64]") { x320 * 0.5 }
            try time("permute NCHW->NHWC [2,320,64,64]") { try x320.permuted([0, 2, 3, 1]) }
            try time("layer_norm [2,4096,320]") { try x320.reshaped([2, 4096, 320]).layerNorm(weight: b320, bias: b320, eps: 1e-5) }
            let s16 = filled([16, 1024, 1024], seed: 4)
            try time("softmax [16,1024,1024]") { try s16.softmax(axis: -1) }
            try time("linear [2,4096,320]x[320,320]") { try Tensor.linear(x320.reshaped([2, 4096, 320]), weight: w3.reshaped([320, 2880]).sliced(axis: 1, start: 0, end: 320), bias: b320) }
            try time("attention 8 heads [2,4096,320] self") {
                let q = try x320.reshaped([2, 4096, 320])
                return try Tensor.attention(q, q, q, heads: 8)
            }
            try time("attention 8 heads [2,4096,320] x [2,77,320]") {
                let q = try x320.reshaped([2, 4096, 320])
                let k = self.filled([2, 77, 320], seed: 3)
                return try Tensor.attention(q, k, k, heads: 8)
            }
            try time("upsample 2x [2,1280,16,16]") { try x1280.upsampleNearest2x() }
            try time("cat channels [2,320,64,64]x2") { try Tensor.cat([x320, y320], axis: 1) }
            try time("sum axes [0,2,3] [2,320,64,64]") { try x320.sum(axes: [0, 2, 3]) }
            try time("mean all [2,320,64,64]") { try x320.mean() }
        }
    }
}
