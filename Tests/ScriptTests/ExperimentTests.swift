import Foundation
import XCTest

/// The seed experiment end to end on the bundled default model: `sn examples/table1.sn quick`
/// fine-tunes with every loss, evaluates every task and prints the table with intervals.
final class ExperimentTests: XCTestCase {
    func testQuickTable1RunsEndToEnd() throws {
        let model = packageRoot.appendingPathComponent("examples/models/shapes-base/model_index.json")
        // The model is committed: its absence is a broken checkout, not a reason to skip.
        XCTAssertTrue(FileManager.default.fileExists(atPath: model.path), "the bundled default model is missing (examples/train_default_model.sn makes it)")
        let sn = try XCTUnwrap(snBinary, "build sn first")
        // Run from a scratch folder: the script's figure is written there, not into the repository.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sn-table1-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let script = packageRoot.appendingPathComponent("examples/table1.sn").path
        let r = try runProcess(sn, [script, "quick"], directory: scratch)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("table1_softneg_uncond.png").path))
        XCTAssertEqual(r.status, 0, r.err)
        // Two tables, printed as aligned text: the values, each cell a percentage with its interval
        // ("33.3 [0.0, 100.0]"), then every fine-tuned model's difference from the base model
        // ("+4.0 [-2.0, 10.0] *").
        let tables = textTables(r.out)
        XCTAssertEqual(tables.count, 2, r.out)
        guard tables.count == 2 else { return }
        let header = tables[0].header.joined(separator: " | ")
        for column in ["shapes_imagecode image_r1", "shapes_winoground text", "shapes_winoground image", "shapes_winoground group",
                       "shapes_vg_relation accuracy", "shapes_vg_attribution accuracy", "shapes_order accuracy"] {
            XCTAssertTrue(header.contains(column), "table lacks \(column): \(header)")
        }
        let methods = ["base", "noneg", "hardneg", "softneg", "softneg_bounded", "softneg_anchored"]
        XCTAssertEqual(tables[0].rows.map { $0.first ?? "" }, methods)
        XCTAssertEqual(tables[1].rows.map { $0.first ?? "" }, Array(methods.dropFirst()))
        for (n, table) in tables.enumerated() {
            let pattern = n == 0 ? #"^\d+\.\d \[\d+\.\d, \d+\.\d\]$"# : #"^[+-]?\d+\.\d \[[+-]?\d+\.\d, [+-]?\d+\.\d\]( \*)?$"#
            for row in table.rows {
                for cell in row.dropFirst() {
                    XCTAssertNotNil(cell.range(of: pattern, options: .regularExpression), "cell '\(cell)' in \(row)")
                }
            }
        }
        XCTAssertTrue(r.out.contains("Differences from base in points"), r.out)
    }
}
