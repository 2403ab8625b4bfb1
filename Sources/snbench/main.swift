// snbench: the speed benchmark behind scripts/bench, and the BLAS-kernel queries scripts/test uses.
//
//   snbench                  sgemm and conv2d GFLOP/s, one "name<TAB>GFLOP/s" line each
//   snbench --only sgemm     just the sgemm shapes (used to compare forced OpenBLAS kernels)
//   snbench --only matmul    the models' matrix products through oneDNN and through OpenBLAS
//   snbench --blas-core      the OPENBLAS_CORETYPE sn would relaunch with ("" when none)
//   snbench --blas-summary   library, active kernel and CPU, as `sn --version` shows them
//   snbench --load FILE      loads every tensor of a safetensors file; prints time and peak memory
//   snbench unet small|sd15|sd15-64   UNet forward seconds and peak RSS (see scripts/bench_unet.py)
//   snbench train            one training step of the small UNet config, seconds and peak RSS
//   snbench itm MODEL|sd15|sd15-64   DiffusionITM seconds per 2x2 item, peak RSS
@preconcurrency import Glibc
import Foundation
import Tensors

let arguments = Array(CommandLine.arguments.dropFirst())

if arguments.first == "--blas-core" {
    print(BLASKernel.recommendedCore ?? "")
    exit(0)
}
// Same start as sn: run on the kernel sn would run on.
BLASKernel.relaunchOnFastestKernel()
Allocator.keepFreedMemory()
if arguments.first == "--blas-summary" {
    print(BLASKernel.summary)
    exit(0)
}
/// Peak resident memory of this process so far (VmHWM), in bytes.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}

if arguments.first == "--load", arguments.count > 1 {
    do {
        let baseline = peakResidentBytes()
        let start = Date()
        let file = try SafeTensorsFile(path: arguments[1])
        var tensors: [String: Tensor] = [:]
        for name in file.names { tensors[name] = try file.tensor(name) }
        let bytes = tensors.values.reduce(0) { $0 + 4 * $1.count }
        let peak = peakResidentBytes()
        print(String(format: "%d tensors, %.1f MB as Float32, loaded in %.2f s; peak RSS %.1f MB above start (%.2fx the Float32 size)",
                     tensors.count, Double(bytes) / 1e6, Date().timeIntervalSince(start), Double(peak - baseline) / 1e6,
                     Double(peak - baseline) / Double(max(bytes, 1))))
        exit(0)
    } catch {
        fputs("snbench: \(error)\n", stderr)
        exit(1)
    }
}
let only: String? = arguments.first == "--only" && arguments.count > 1 ? arguments[1] : nil

/// BENCH_CLOCK=cpu times by process CPU time instead of wall time: with one BLAS thread
/// (OPENBLAS_NUM_THREADS=1) that measures the kernel itself, whatever else the machine runs.
let clock = ProcessInfo.processInfo.environment["BENCH_CLOCK"] == "cpu" ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC

func now() -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best rate over repetitions filling about `budget` seconds (at least 3), after one warm-up.
/// The best, not the mean, because the machine is shared: slower runs measure the neighbours.
func rate(flops: Double, budget: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var best = Double.infinity
    let start = now()
    var reps = 0
    while reps < 3 || now() - start < budget {
        let t0 = now()
        try body()
        best = min(best, now() - t0)
        reps += 1
    }
    return flops / best / 1e9
}

func report(_ name: String, _ gflops: Double) {
    print("\(name)\t\(String(format: "%.1f", gflops))")
    fflush(stdout)
}

func filled(_ shape: [Int], seed: UInt64) throws -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return try generator.uniform(shape, lo: -1, hi: 1)
}

let modes: [String: ([String]) throws -> Void] = [
    "unet": UNetBenchmark.run, "train": TrainStepBenchmark.run, "itm": ITMBenchmark.run,
]
if let mode = arguments.first.flatMap({ modes[$0] }) {
    do { try mode(Array(arguments.dropFirst())) } catch {
        fputs("snbench: \(error)\n", stderr)
        exit(1)
    }
    exit(0)
}

do {
    fputs("snbench: \(BLASKernel.summary)\n", stderr)
    // M x N x K: A[M,K] @ B[K,N]. 1024^3 plus the UNet's attention/projection shapes.
    let gemms = [(1024, 1024, 1024), (4096, 320, 320), (1024, 640, 640), (77, 768, 768), (4096, 1280, 320)]
    if only == nil || only == "sgemm" {
        for (m, n, k) in gemms {
            let a = try filled([m, k], seed: 1), b = try filled([k, n], seed: 2)
            let g = try rate(flops: 2 * Double(m * n * k)) { _ = try Tensor.matmul(a, b) }
            report("sgemm \(m)x\(n)x\(k)", g)
        }
    }
    // The models' matrix products, oneDNN against OpenBLAS (M x N x K, op(A) op(B); a Linear
    // layer is X W^T, its weight gradient G^T X): bundled model at batch 32 (64 channels,
    // 16x16 and 8x8 tokens), the small config at batch 8, SD-1.5 at batch 1.
    let products: [(Int, Int, Int, Bool, Bool)] = [
        (8192, 64, 64, false, true), (8192, 512, 64, false, true), (8192, 64, 256, false, true),
        (8192, 64, 64, false, false), (64, 64, 8192, true, false), (512, 64, 8192, true, false),
        (2048, 128, 128, false, true), (2048, 1024, 128, false, true), (512, 256, 256, false, true),
        (128, 128, 2048, true, false),
        (4096, 320, 320, false, true), (4096, 2560, 320, false, true), (4096, 320, 1280, false, true),
        (1024, 640, 640, false, true), (256, 1280, 1280, false, true), (77, 320, 768, false, true),
    ]
    if only == "matmul" {
        for (m, n, k, ta, tb) in products {
            let a = try filled(ta ? [k, m] : [m, k], seed: 1), b = try filled(tb ? [n, k] : [k, n], seed: 2)
            let name = "matmul \(m)x\(n)x\(k)\(ta ? " A^T" : "")\(tb ? " B^T" : "")"
            for backend in ["onednn", "openblas"] {
                OneDNNMatmul.enabled = backend == "onednn"
                let g = try rate(flops: 2 * Double(m * n * k)) { _ = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb) }
                report("\(name) \(backend)", g)
            }
        }
        OneDNNMatmul.enabled = true
    }
    // SD-1.5 UNet 3x3 convolutions: channels and the latent resolutions they run at.
    let convs = [(320, 32), (320, 64), (640, 16), (640, 32), (1280, 8), (1280, 16)]
    if only == nil || only == "conv2d" {
        for batch in [1, 2] {
            for (c, hw) in convs {
                let x = try filled([batch, c, hw, hw], seed: 3)
                let w = try filled([c, c, 3, 3], seed: 4), bias = try filled([c], seed: 5)
                let flops = 2 * Double(batch * c * hw * hw * c * 9)
                let g = try rate(flops: flops) { _ = try Tensor.conv2d(x, weight: w, bias: bias, stride: 1, padding: 1) }
                report("conv2d \(c)->\(c) \(hw)x\(hw) b\(batch)", g)
            }
        }
    }
} catch {
    fputs("snbench: \(error)\n", stderr)
    exit(1)
}
