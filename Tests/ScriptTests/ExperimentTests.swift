import Foundation
import XCTest

/// The seed experiment end to end on the bundled default model: `sn examples/table1.sn quick`
/// fine-tunes with every loss, evaluates every task and prints the table with intervals.
final class ExperimentTests: XCTestCase {
    func testQuickTable1RunsEndToEnd() throws {
        let model = packageRoot.appendingPathComponent("examples/models/shapes-base/model_index.json")
        guard FileManager.default.fileExists(atPath: model.path) else {
            throw XCTSkip("the bundled default model is not committed yet (examples/train_default_model.sn makes it)")
        }
        let sn = try XCTUnwrap(snBinary, "build sn first")
        // Run from a scratch folder: the script's figure is written there, not into the repository.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sn-table1-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let script = packageRoot.appendingPathComponent("examples/table1.sn").path
        let r = try runProcess(sn, [script, "quick"], directory: scratch)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("table1_softneg_uncond.png").path))
        XCTAssertEqual(r.status, 0, r.err)
        let header = r.out.split(separator: "\n").first { $0.hasPrefix("| method |") }.map(String.init) ?? ""
        for column in ["shapes_imagecode image_r1", "shapes_winoground text", "shapes_winoground image", "shapes_winoground group",
                       "shapes_vg_relation accuracy", "shapes_vg_attribution accuracy", "shapes_order accuracy"] {
            XCTAssertTrue(header.contains(column), "table lacks \(column): \(header)")
        }
        for method in ["base", "noneg", "hardneg", "softneg", "softneg_bounded", "softneg_anchored"] {
            XCTAssertTrue(r.out.contains("\n| \(method) |"), "no row for \(method)")
        }
        // Two tables: the values, each cell a percentage with its interval ("33.3 [0.0, 100.0]"),
        // then every fine-tuned model's difference from the base model ("+4.0 [-2.0, 10.0] *").
        let rows = r.out.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| method") && !$0.hasPrefix("| ---") }
        XCTAssertEqual(rows.count, 6 + 5)
        for (n, row) in rows.enumerated() {
            let cells = row.split(separator: "|").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
            let pattern = n < 6 ? #"^\d+\.\d \[\d+\.\d, \d+\.\d\]$"# : #"^[+-]?\d+\.\d \[[+-]?\d+\.\d, [+-]?\d+\.\d\]( \*)?$"#
            for cell in cells.dropFirst() {
                XCTAssertNotNil(cell.range(of: pattern, options: .regularExpression), "cell '\(cell)' in \(row)")
            }
        }
        XCTAssertTrue(r.out.contains("Differences from base in points"), r.out)
    }
}
