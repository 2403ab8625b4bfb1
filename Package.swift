// swift-tools-version:6.0
import PackageDescription

// Data flows one way: Tensors -> Diffusion -> Matching (scoring) and Training (fine-tuning), side by
// side; Matching -> Benchmarks (which scores with it). Plotting needs only Tensors. Script binds them
// all; REPL and sn drive Script.
let package = Package(
    name: "SoftNeg",
    platforms: [.macOS(.v14)],
    products: [.executable(name: "sn", targets: ["sn"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .target(name: "CGnuplot", path: "Sources/CGnuplot",
                cxxSettings: [.unsafeFlags(["-std=c++17"])],
                linkerSettings: [.linkedLibrary("boost_iostreams"), .linkedLibrary("boost_filesystem"),
                                 .linkedLibrary("boost_system"), .linkedLibrary("stdc++")]),
        // The row kernels again, built for AVX-512; Tensors calls them only on a CPU that has it.
        .target(name: "WideKernels", swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])]),
        .target(name: "Tensors", dependencies: ["CBLAS", "CDNNL", "CPNG", "CJPEG", "WideKernels"]),
        .target(name: "Diffusion", dependencies: ["Tensors"]),
        .target(name: "Matching", dependencies: ["Diffusion"]),
        .target(name: "Training", dependencies: ["Diffusion"]),
        .target(name: "Benchmarks", dependencies: ["Matching"]),
        .target(name: "Plotting", dependencies: ["Tensors", "CGnuplot"]),
        .target(name: "Script", dependencies: ["Tensors", "Diffusion", "Matching", "Training", "Benchmarks", "Plotting"]),
        .target(name: "REPL", dependencies: ["Script", "CEditLine"]),
        .executableTarget(name: "sn", dependencies: [
            "REPL", "Script", "Plotting", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "snbench", dependencies: ["Tensors", "Diffusion", "Matching", "Training"], path: "Sources/snbench"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "Training"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"], resources: [.copy("Golden")]),
        .testTarget(name: "ScriptTests", dependencies: ["Script", "REPL"]),
    ],
    swiftLanguageModes: [.v6]
)
