import Foundation
import XCTest

/// Paths to the committed fixtures (made by scripts/make_tensor_fixtures.py) and scratch files.
enum TensorsFixture {
    static var root: URL {
        Bundle.module.bundleURL.appendingPathComponent("Fixtures")
    }

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(relative)))
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes a scratch file without the fsync Foundation's Data.write does (fuzz loops write thousands).
    static func write(_ bytes: [UInt8], to path: String) throws {
        // A new file, not a truncated one: ext4 flushes a file truncated and rewritten on close.
        unlink(path)
        guard let file = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        defer { fclose(file) }
        guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    /// A fresh empty directory, removed when the test ends.
    static func scratchDirectory(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("softneg-tensors-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
