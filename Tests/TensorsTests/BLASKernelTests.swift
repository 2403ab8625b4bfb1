import Foundation
import XCTest
@testable import Tensors

/// The OpenBLAS kernel the library runs on, and that its sgemm is correct. Reference: a naive
/// product accumulated in Float64 here. Tolerance: |error| <= k * eps * sum_p |a_ip||b_pj|, the
/// classic bound for a length-k Float32 dot product in any summation order (gamma_k < k eps).
final class BLASKernelTests: XCTestCase {
    func testSgemmMatchesFloat64OnOddShapesAndAllTransposes() throws {
        // When a core is forced (scripts/test, or the child processes below) it must be active.
        if let forced = ProcessInfo.processInfo.environment[BLASKernel.coreTypeVariable], !forced.isEmpty {
            XCTAssertEqual(BLASKernel.activeCore.lowercased(), forced.lowercased(), BLASKernel.summary)
        }
        print("sgemm check on: \(BLASKernel.summary)")
        var rng = RandomGenerator(seed: 31)
        let shapes = [(1, 1, 1), (7, 13, 5), (33, 65, 17), (127, 129, 131), (64, 3, 300), (2, 257, 1)]
        var worst = 0.0
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 2)] {
                        let a = rng.uniform(count: m * k, lo: -1, hi: 1)
                        let b = rng.uniform(count: k * n, lo: -1, hi: 1)
                        var c = rng.uniform(count: m * n, lo: -1, hi: 1)
                        let c0 = c
                        a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pc = pc.baseAddress else { return }
                                    sgemm(transA, transB, m: m, n: n, k: k, pa, pb, pc, alpha: alpha, beta: beta)
                                }
                            }
                        }
                        for i in 0..<m {
                            for j in 0..<n {
                                var exact = 0.0, magnitude = 0.0
                                for p in 0..<k {
                                    let x = Double(transA ? a[p * m + i] : a[i * k + p])
                                    let y = Double(transB ? b[j * k + p] : b[p * n + j])
                                    exact += x * y
                                    magnitude += abs(x * y)
                                }
                                let want = Double(alpha) * exact + Double(beta) * Double(c0[i * n + j])
                                let bound = Double(k + 2) * Double(Float.ulpOfOne) * (abs(Double(alpha)) * magnitude + abs(Double(beta * c0[i * n + j])))
                                let error = abs(Double(c[i * n + j]) - want)
                                worst = max(worst, error / bound)
                                if error > bound {
                                    XCTFail("sgemm \(m)x\(n)x\(k) transA \(transA) transB \(transB) alpha \(alpha) beta \(beta): C[\(i),\(j)] = \(c[i * n + j]), Float64 says \(want)")
                                    return
                                }
                            }
                        }
                    }
                }
            }
        }
        print("sgemm worst error / bound: \(worst)")
    }

    func testMatmulAgreesWithSgemmPathOnBatches() throws {
        // Tensor.matmul's batched and shared-B paths on top of the checked sgemm.
        var rng = RandomGenerator(seed: 8)
        let a = try rng.uniform([3, 5, 4], lo: -1, hi: 1), b = try rng.uniform([4, 6], lo: -1, hi: 1)
        let c = try Tensor.matmul(a, b)
        XCTAssertEqual(c.shape, [3, 5, 6])
        for batch in 0..<3 {
            for i in 0..<5 {
                for j in 0..<6 {
                    var exact = 0.0
                    for p in 0..<4 { exact += Double(a.scalars[batch * 20 + i * 4 + p]) * Double(b.scalars[p * 6 + j]) }
                    XCTAssertEqual(Double(c.scalars[batch * 30 + i * 6 + j]), exact, accuracy: 6 * 4 * Double(Float.ulpOfOne))
                }
            }
        }
    }

    func testKernelDecision() {
        let avx512 = BLASKernel.CPUFeatures(avx2: true, fma: true, avx512f: true, avx512bw: true, avx512vl: true, avx512dq: true)
        let avx2 = BLASKernel.CPUFeatures(avx2: true, fma: true)
        // The failure this exists for: an AVX-512 CPU the library does not know falls back to Prescott.
        XCTAssertEqual(BLASKernel.fasterCore(than: "Prescott", features: avx512), "SkylakeX")
        XCTAssertEqual(BLASKernel.fasterCore(than: "Nehalem", features: avx2), "Haswell")
        XCTAssertEqual(BLASKernel.fasterCore(than: "Sandybridge", features: avx512), "SkylakeX")
        XCTAssertEqual(BLASKernel.fasterCore(than: "Haswell", features: avx512), "SkylakeX")
        // Correct detections are kept.
        XCTAssertNil(BLASKernel.fasterCore(than: "Cooperlake", features: avx512))
        XCTAssertNil(BLASKernel.fasterCore(than: "SkylakeX", features: avx512))
        XCTAssertNil(BLASKernel.fasterCore(than: "Zen", features: avx2))
        // Without the vector units (or the OS support for them) nothing changes; unknown names are left alone.
        XCTAssertNil(BLASKernel.fasterCore(than: "Prescott", features: BLASKernel.CPUFeatures()))
        XCTAssertNil(BLASKernel.fasterCore(than: "Prescott", features: BLASKernel.CPUFeatures(avx2: true)))
        var partial = avx512
        partial.avx512bw = false
        XCTAssertEqual(BLASKernel.fasterCore(than: "Prescott", features: partial), "Haswell")
        XCTAssertNil(BLASKernel.fasterCore(than: "FutureCore", features: avx512))
    }

    func testThisMachineIsDescribed() {
        let summary = BLASKernel.summary
        XCTAssertTrue(summary.hasPrefix("OpenBLAS "), summary)
        XCTAssertTrue(summary.contains("kernel \(BLASKernel.activeCore)"), summary)
        XCTAssertNotNil(BLASKernel.level[BLASKernel.activeCore], "unknown core \(BLASKernel.activeCore)")
        // /proc/cpuinfo and cpuid agree about AVX-512F and AVX2.
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            let set = Set(flags.split(separator: " ").map(String.init))
            XCTAssertEqual(BLASKernel.CPUFeatures.current.avx512f, set.contains("avx512f"))
            XCTAssertEqual(BLASKernel.CPUFeatures.current.avx2, set.contains("avx2"))
        }
    }

    /// The relaunch end to end: a child test process pretends the library detected the generic
    /// Prescott core and relaunches; the re-executed process must run the same test on the
    /// fast kernel with short-spinning workers and the marker set, and must not relaunch again.
    func testRelaunchReexecutesOnceOnTheFastKernel() throws {
        let childFlag = "SOFTNEG_TEST_RELAUNCH_CHILD"
        if ProcessInfo.processInfo.environment[childFlag] != nil {
            BLASKernel.relaunch(detected: "Prescott")
            print("relaunch child: \(BLASKernel.summary)")
            return
        }
        guard let fast = BLASKernel.fasterCore(than: "Prescott", features: .current) else {
            throw XCTSkip("this CPU has no faster kernel than Prescott")
        }
        var environment = ProcessInfo.processInfo.environment
        environment[childFlag] = "1"
        environment[BLASKernel.coreTypeVariable] = nil
        environment[BLASKernel.relaunchMarker] = nil
        environment[BLASKernel.threadTimeoutVariable] = nil
        let output = try runThisTestBinary("TensorsTests.BLASKernelTests/testRelaunchReexecutesOnceOnTheFastKernel", environment)
        XCTAssertTrue(output.contains("kernel \(fast) (chosen by sn; the library detected Prescott)"), output)
        XCTAssertTrue(output.contains("idle workers spin 2^\(BLASKernel.threadTimeout) cycles"), output)
        XCTAssertEqual(output.components(separatedBy: "relaunch child:").count, 2, "exactly one process reports:\n\(output)")
    }

    /// Runs one test of this binary in a child process with `environment`; fails unless it passed.
    func runThisTestBinary(_ test: String, _ environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [test]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(test):\n\(output)")
        XCTAssertTrue(output.contains("Executed 1 test, with 0 failures"), "\(test):\n\(output)")
        return output
    }

    /// Runs the sgemm check above in a child process of this test binary with each kernel
    /// forced through OPENBLAS_CORETYPE (the way sn's relaunch selects it).
    func testForcedSkylakeXAndHaswellKernelsAreCorrect() throws {
        let features = BLASKernel.CPUFeatures.current
        var cores: [String] = []
        if features.level >= 3 { cores.append("SkylakeX") }
        if features.level >= 2 { cores.append("Haswell") }
        try XCTSkipIf(cores.isEmpty, "this CPU runs neither kernel")
        for core in cores {
            var environment = ProcessInfo.processInfo.environment
            environment[BLASKernel.coreTypeVariable] = core
            let output = try runThisTestBinary("TensorsTests.BLASKernelTests/testSgemmMatchesFloat64OnOddShapesAndAllTransposes", environment)
            XCTAssertTrue(output.contains("kernel \(core)"), "\(core) was not active:\n\(output)")
            if let line = output.split(separator: "\n").first(where: { $0.contains("worst error / bound") }) {
                print("\(core): \(line)")
            }
        }
    }
}
