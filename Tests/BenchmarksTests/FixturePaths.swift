import Foundation

/// The committed fixtures (Tests/BenchmarksTests/Fixtures, copied into the test bundle).
enum Fixtures {
    static var root: String {
        (Bundle.module.resourcePath ?? ".") + "/Fixtures"
    }

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func bytes(_ relative: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path(relative)) else {
            throw NSError(domain: "fixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "missing fixture \(relative)"])
        }
        return [UInt8](d)
    }

    static func text(_ relative: String) throws -> String {
        String(decoding: try bytes(relative), as: UTF8.self)
    }

    /// A fresh scratch directory, removed by the caller's tearDown if wanted.
    static func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "softneg-bench-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
