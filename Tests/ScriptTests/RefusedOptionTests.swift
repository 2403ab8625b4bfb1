import Foundation
import XCTest

/// An option that cannot apply is an error that says why, never a silent no-op.
final class RefusedOptionTests: XCTestCase {
    /// shapes_world's probes have no published format: out: is refused with the reason and
    /// nothing is written; a benchmark task still writes its format.
    func testAProbeRefusesOutAndABenchmarkTaskWritesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-probe-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for probe in ["swap_attribute", "swap_relation", "swap_object", "replace_colour"] {
            let e = try XCTUnwrap(scriptError("shapes_world(\"\(probe)\", count: 3, seed: 1, out: \"\(dir.path)/\(probe)\")"), probe)
            XCTAssertTrue(e.message.contains("the probe \"\(probe)\" has none"), e.message)
            XCTAssertTrue(e.message.contains("vg_attribution"), "names the tasks that write: \(e.message)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(probe).path), "\(probe) wrote nothing")
        }
        let run = Run()
        try run("ds = shapes_world(\"vg_attribution\", count: 3, seed: 1, out: \"\(dir.path)/vga\")")
        let list = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("vga/visual_genome_attribution.json")))
        XCTAssertEqual((list as? [Any])?.count, 3)
    }
}
