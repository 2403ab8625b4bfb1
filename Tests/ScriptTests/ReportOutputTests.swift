import Foundation
import XCTest

/// `sn report` shows what each cell made: every figure, saved with out: or not, and tables as
/// tables (Markdown in .md, <table> in .html), in the order the cell made them.
final class ReportOutputTests: XCTestCase {
    func testSavedFiguresAndTablesAppearInTheReport() throws {
        let sn = try XCTUnwrap(snBinary, "build sn first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-report-output-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Results of the committed Table 1 run: a table without loading a model.
        let results = packageRoot.appendingPathComponent("examples/reports/table1_full").path
        let script = dir.appendingPathComponent("nb.sn")
        try """
            # %% Saved
            plot([1, 2, 4], out: "\(dir.path)/saved.png")
            print("after the plot")
            # %% Shown
            plot([4, 2, 1])
            # %% Table
            print("two methods:")
            table("\(results)/table1_full_base_shapes_order.json", "\(results)/table1_full_noneg_shapes_order.json")
            """.write(to: script, atomically: true, encoding: .utf8)

        let md = dir.appendingPathComponent("nb.md")
        let r = try runProcess(sn, ["report", script.path, "-o", md.path])
        XCTAssertEqual(r.status, 0, r.err)
        let text = try String(contentsOf: md, encoding: .utf8)
        XCTAssertTrue(text.contains("![Saved — figure 1](nb_files/cell01-1.png)\n\n```text\nafter the plot\n```"), text)
        XCTAssertTrue(text.contains("![Shown — figure 1](nb_files/cell02-1.png)"), text)
        XCTAssertEqual(FileManager.default.contents(atPath: dir.appendingPathComponent("nb_files/cell01-1.png").path),
                       FileManager.default.contents(atPath: dir.appendingPathComponent("saved.png").path),
                       "the report shows the figure the script saved")
        XCTAssertTrue(text.contains("```text\ntwo methods:\n```\n\n| method | shapes_order accuracy (n=300) |\n| --- | ---: |\n| base | "), text)
        XCTAssertTrue(text.contains("\n| noneg | "), text)

        let html = dir.appendingPathComponent("nb.html")
        XCTAssertEqual(try runProcess(sn, ["report", script.path, "-o", html.path, "--html"]).status, 0)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<img ").count - 1, 2, "both figures")
        XCTAssertTrue(page.contains("<table>\n<thead>\n<tr><th>method</th><th style=\"text-align: right\">shapes_order accuracy (n=300)</th></tr>"), page)
        XCTAssertFalse(page.contains("| method |"), "a table, not its Markdown in a <pre>")
    }
}
