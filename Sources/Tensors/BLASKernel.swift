@preconcurrency import CBLAS
@preconcurrency import Glibc

/// Which OpenBLAS kernel set runs sgemm, and how `sn` makes sure it is the fast one.
///
/// Debian's OpenBLAS is built DYNAMIC_ARCH: it picks a kernel set per CPU when the library
/// loads. CPUs newer than the library (0.3.21 does not know Intel family 6 model 207) get
/// the generic "Prescott" SSE3 kernels, about 4.7x slower than the AVX-512 ones. The choice
/// is made before `main`, so the fix is to re-execute the process once with
/// `OPENBLAS_CORETYPE` set.
public enum BLASKernel {
    /// Environment variable OpenBLAS reads at load time to force a kernel set.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set (to the core the library first detected) in the re-executed process so it never loops.
    public static let relaunchMarker = "SOFTNEG_BLAS_RELAUNCHED"

    /// The kernel set the loaded library is using, e.g. "SkylakeX" or "Prescott".
    public static var activeCore: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingSpaces
    }

    /// The library's build configuration ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...").
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "OpenBLAS (unknown configuration)" }
        return String(cString: text).trimmingSpaces
    }

    /// What the CPU and OS support, from cpuid and xgetbv.
    public struct CPUFeatures: Sendable, Equatable {
        public var avx2 = false, fma = false
        public var avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false

        public init(avx2: Bool = false, fma: Bool = false, avx512f: Bool = false,
                    avx512bw: Bool = false, avx512vl: Bool = false, avx512dq: Bool = false) {
            (self.avx2, self.fma) = (avx2, fma)
            (self.avx512f, self.avx512bw, self.avx512vl, self.avx512dq) = (avx512f, avx512bw, avx512vl, avx512dq)
        }

        /// This machine's features; a vector extension counts only if the OS saves its registers.
        public static var current: CPUFeatures {
            let bits = Int(cblas_shim_cpu_features())
            func has(_ flag: Int) -> Bool { bits & flag != 0 }
            let osAVX = has(CBLAS_SHIM_OS_AVX)
            let osAVX512 = osAVX && has(CBLAS_SHIM_OS_AVX512)
            var f = CPUFeatures()
            f.avx2 = osAVX && has(CBLAS_SHIM_AVX2)
            f.fma = osAVX && has(CBLAS_SHIM_FMA)
            f.avx512f = osAVX512 && has(CBLAS_SHIM_AVX512F)
            f.avx512bw = osAVX512 && has(CBLAS_SHIM_AVX512BW)
            f.avx512vl = osAVX512 && has(CBLAS_SHIM_AVX512VL)
            f.avx512dq = osAVX512 && has(CBLAS_SHIM_AVX512DQ)
            return f
        }

        /// The best kernel level these features can run (see `BLASKernel.level`).
        var level: Int {
            if avx512f && avx512bw && avx512vl && avx512dq { return 3 }
            if avx2 && fma { return 2 }
            return 0
        }
    }

    /// "GenuineIntel family 6 model 207"-style description of the CPU.
    public static var cpuSignature: String {
        var buffer = [CChar](repeating: 0, count: 96)
        cblas_shim_cpu_signature(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Vector level of each x86-64 kernel set OpenBLAS 0.3.21 can pick:
    /// 0 SSE-era, 1 AVX, 2 AVX2+FMA, 3 AVX-512. Names not listed are left alone.
    static let level: [String: Int] = [
        "Katmai": 0, "Coppermine": 0, "Northwood": 0, "Prescott": 0, "Banias": 0, "Atom": 0,
        "Core2": 0, "Penryn": 0, "Dunnington": 0, "Nehalem": 0, "Athlon": 0, "Opteron": 0,
        "Opteron_SSE3": 0, "Barcelona": 0, "Nano": 0, "Bobcat": 0,
        "Sandybridge": 1, "Bulldozer": 1, "Piledriver": 1, "Steamroller": 1, "Excavator": 1,
        "Haswell": 2, "Zen": 2,
        "SkylakeX": 3, "Cooperlake": 3, "SapphireRapids": 3,
    ]

    /// The kernel set to force, or nil when the library's own choice is already as good.
    ///
    /// Only a core weaker than the CPU can run is replaced — a generic fallback such as
    /// Prescott on a CPU the library does not know. A correct detection (Cooperlake on
    /// Zen 4, Zen on Zen 2) is kept: measured here, those run at the same speed.
    public static func fasterCore(than detected: String, features: CPUFeatures) -> String? {
        guard let detectedLevel = level[detected] else { return nil }
        let best = features.level
        guard best > detectedLevel else { return nil }
        return best == 3 ? "SkylakeX" : "Haswell"
    }

    /// The core `relaunchOnFastestKernel` would switch this process to (nil: none).
    public static var recommendedCore: String? {
        fasterCore(than: activeCore, features: .current)
    }

    /// Environment variable OpenBLAS reads at load time for how long an idle worker thread
    /// spins (calling sched_yield) before it sleeps: 2^n cycles, default n = 28 (~0.1 s).
    public static let threadTimeoutVariable = "OPENBLAS_THREAD_TIMEOUT"
    /// The smallest value OpenBLAS accepts: workers sleep almost as soon as a call ends. sn
    /// interleaves BLAS calls with its own two-thread loops; a worker spinning through those
    /// loops takes a core from them (a training step runs about a fifth faster, with a fifth of the
    /// system time, when they sleep).
    static let threadTimeout = "4"

    /// Re-executes the program once so OpenBLAS loads with the right settings: the fastest
    /// correct kernel when the library fell back to a generic one, and idle workers that sleep
    /// instead of spinning. A setting the user made is kept. Call first thing in `main`.
    /// Returns normally (doing nothing) when nothing needs changing or `execv` fails.
    public static func relaunchOnFastestKernel() {
        relaunch(detected: activeCore)
    }

    /// The relaunch, given the core the library detected (tests pass a generic one).
    static func relaunch(detected: String) {
        guard getenv(relaunchMarker) == nil else { return }
        let core = getenv(coreTypeVariable) == nil ? fasterCore(than: detected, features: .current) : nil
        let setTimeout = getenv(threadTimeoutVariable) == nil
        guard core != nil || setTimeout else { return }
        if let core { setenv(coreTypeVariable, core, 1) }
        if setTimeout { setenv(threadTimeoutVariable, threadTimeout, 1) }
        setenv(relaunchMarker, detected, 1)
        fflush(stdout)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: exec failed. Carry on as loaded, which is slower but still correct.
        let reason = errnoText()
        if core != nil { unsetenv(coreTypeVariable) }
        if setTimeout { unsetenv(threadTimeoutVariable) }
        unsetenv(relaunchMarker)
        fputs("sn: could not restart with OpenBLAS's faster settings (\(reason)); continuing on \(detected)\n", stderr)
    }

    /// One line for `sn --version`: library, active kernel, how it was chosen, CPU.
    public static var summary: String {
        let core = activeCore
        let how: String
        if let detected = getenv(relaunchMarker).map({ String(cString: $0) }), detected != core {
            how = "chosen by sn; the library detected \(detected)"
        } else if getenv(relaunchMarker) == nil, let forced = getenv(coreTypeVariable).map({ String(cString: $0) }) {
            how = "\(coreTypeVariable)=\(forced)"
        } else {
            how = "detected by the library"
        }
        let idle = getenv(threadTimeoutVariable).map { "; idle workers spin 2^\(String(cString: $0)) cycles" } ?? ""
        return "\(configuration); kernel \(core) (\(how)); \(openblas_get_num_threads()) threads\(idle); \(cpuSignature)"
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.last == " " || s.last == "\n" { s.removeLast() }
        while s.first == " " { s.removeFirst() }
        return String(s)
    }
}
