import Foundation
import XCTest
@testable import Plotting

final class ReportTests: XCTestCase {
    static let script = """
        # A walkthrough (before the first marker)
        let_me_be = 0

        # %% Setup
        x = 1
        print(x)

        # %% [markdown] Notes
        # Some *prose* here.
        #
        # Second paragraph.
        # %% A plot
        plot(x, title: "```fenced```")
        # %%
        print("untitled cell")
        # %% Fails
        boom()

        # %% After
        print(2)
        """

    /// Stands in for the interpreter: canned outputs per cell, real PNGs for plots.
    private func execute(_ cell: ReportCell, figureDirectory: ScratchDirectory) throws -> CellOutcome {
        switch cell.heading {
        case nil where cell.code.hasPrefix("# A walkthrough"): return CellOutcome()
        case "Setup": return CellOutcome(output: "1\n")
        case "A plot":
            let first = figureDirectory.file("first.png"), second = figureDirectory.file("second.png")
            try Gnuplot().save(Figure.plot([Series(y: [1, 4, 9])], title: "plot 1"), to: first)
            try Gnuplot().save(Figure.plot([Series(y: [9, 4, 1])], title: "plot 2"), to: second)
            return CellOutcome(output: "", figures: [first, second])
        case nil: return CellOutcome(output: "untitled cell\n")
        case "Fails": return CellOutcome(output: "partial\n", error: "line \(cell.firstLine):1: unknown function 'boom'")
        default: return CellOutcome(output: "2\n")
        }
    }

    func testCellsSplitAtMarkers() {
        let cells = ReportCell.split(Self.script)
        XCTAssertEqual(cells.map(\.heading), [nil, "Setup", "Notes", "A plot", nil, "Fails", "After"])
        XCTAssertEqual(cells.map(\.kind), [.code, .code, .markdown, .code, .code, .code, .code])
        XCTAssertEqual(cells[0].code, "# A walkthrough (before the first marker)\nlet_me_be = 0")
        XCTAssertEqual(cells[1].code, "x = 1\nprint(x)")
        XCTAssertEqual(cells[1].firstLine, 5)
        XCTAssertEqual(cells[2].code, "Some *prose* here.\n\nSecond paragraph.")
        XCTAssertEqual(cells[5].firstLine, 17)
        XCTAssertEqual(ReportCell.split(""), [])
        XCTAssertEqual(ReportCell.split("# %% Only heading\n\n").map(\.code), [""])
    }

    func testMarkdownMatchesGolden() throws {
        let out = try ScratchDirectory(), figures = try ScratchDirectory()
        let report = Report.run(source: Self.script, title: "walkthrough") { try execute($0, figureDirectory: figures) }
        XCTAssertEqual(report.notRun, 1)
        try report.writeMarkdown(to: out.file("walk.md"))
        let written = try String(contentsOfFile: out.file("walk.md"), encoding: .utf8)
        let goldenURL = try XCTUnwrap(Bundle.module.url(forResource: "report", withExtension: "md", subdirectory: "Golden"))
        let golden = try String(contentsOf: goldenURL, encoding: .utf8)
        if written != golden {
            // Leave the actual text where a person can diff it against the golden file.
            let actual = NSTemporaryDirectory() + "report.actual.md"
            try written.write(toFile: actual, atomically: true, encoding: .utf8)
            XCTFail("report differs from Golden/report.md; actual text in \(actual)")
        }
        XCTAssertEqual(out.contents, ["walk.md", "walk_files"])
        let linked = try FileManager.default.contentsOfDirectory(atPath: out.file("walk_files")).sorted()
        XCTAssertEqual(linked, ["cell04-1.png", "cell04-2.png"])
        XCTAssertEqual(FileManager.default.contents(atPath: out.file("walk_files/cell04-2.png")),
                       FileManager.default.contents(atPath: figures.file("second.png")))
    }

    func testKeepGoingRunsEveryCell() throws {
        let figures = try ScratchDirectory()
        var ran: [String?] = []
        let report = Report.run(source: Self.script, title: "t", keepGoing: true) { cell in
            ran.append(cell.heading)
            return try execute(cell, figureDirectory: figures)
        }
        XCTAssertEqual(ran, [nil, "Setup", "A plot", nil, "Fails", "After"], "prose cells are not run")
        XCTAssertEqual(report.notRun, 0)
        let text = report.markdown(figureLinks: [:])
        XCTAssertTrue(text.contains("unknown function 'boom'"))
        XCTAssertTrue(text.hasSuffix("## After\n\n```sn\nprint(2)\n```\n\n```text\n2\n```\n"), text)
    }

    func testThrownErrorsBecomeCellErrors() {
        let report = Report.run(source: "# %% a\nx\n# %% b\ny", title: "t") { _ in
            throw PlotError.invalidData("bad thing")
        }
        XCTAssertEqual(report.entries.count, 1)
        XCTAssertEqual(report.entries[0].outcome?.error, "cannot plot: bad thing")
        XCTAssertEqual(report.notRun, 1)
    }

    func testSameRunGivesByteIdenticalReports() throws {
        var outputs: [[Data?]] = []
        for _ in 0..<2 {
            let out = try ScratchDirectory(), figures = try ScratchDirectory()
            let report = Report.run(source: Self.script, title: "walk") { try execute($0, figureDirectory: figures) }
            try report.writeMarkdown(to: out.file("r.md"))
            try report.writeHTML(to: out.file("r.html"))
            outputs.append(["r.md", "r.html", "r_files/cell04-1.png", "r_files/cell04-2.png"]
                .map { FileManager.default.contents(atPath: out.file($0)) })
        }
        XCTAssertTrue(outputs[0].allSatisfy { $0 != nil })
        XCTAssertEqual(outputs[0], outputs[1])
    }

    func testHTMLIsSelfContained() throws {
        let out = try ScratchDirectory(), figures = try ScratchDirectory()
        let report = Report.run(source: Self.script, title: "a <walk> & \"talk\"") { try execute($0, figureDirectory: figures) }
        try report.writeHTML(to: out.file("r.html"))
        XCTAssertEqual(out.contents, ["r.html"], "no side files")
        let html = try String(contentsOfFile: out.file("r.html"), encoding: .utf8)
        let png = try XCTUnwrap(FileManager.default.contents(atPath: figures.file("first.png")))
        XCTAssertTrue(html.contains("src=\"data:image/png;base64,\(png.base64EncodedString())\""))
        XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, 2)
        XCTAssertTrue(html.contains("<title>a &lt;walk&gt; &amp; &quot;talk&quot;</title>"))
        XCTAssertTrue(html.contains("<h2>Setup</h2>"))
        XCTAssertTrue(html.contains("<pre class=\"error\">line 17:1: unknown function 'boom'</pre>"))
        XCTAssertFalse(html.contains("src=\"http"), "nothing fetched from elsewhere")
    }

    func testStaleFiguresAreRemoved() throws {
        let out = try ScratchDirectory(), figures = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: out.file("r_files"), withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: out.file("r_files/cell09-1.png"), contents: Data([1])))
        XCTAssertTrue(FileManager.default.createFile(atPath: out.file("r_files/notes.txt"), contents: Data([1])))
        let report = Report.run(source: Self.script, title: "r") { try execute($0, figureDirectory: figures) }
        try report.writeMarkdown(to: out.file("r.md"))
        let names = try FileManager.default.contentsOfDirectory(atPath: out.file("r_files")).sorted()
        XCTAssertEqual(names, ["cell04-1.png", "cell04-2.png", "notes.txt"])
    }

    /// Text, tables and figures appear in the order the cell made them; a table is a Markdown
    /// table in .md reports and an HTML table in .html ones, never a block of text.
    func testTablesAndFiguresKeepTheirOrder() throws {
        let out = try ScratchDirectory(), figures = try ScratchDirectory()
        let png = figures.file("f.png")
        try Gnuplot().save(Figure.plot([Series(y: [1, 2, 4])]), to: png)
        let table = Table.numeric(header: ["method", "accuracy"], rows: [["a|b", "50.0 [40.0, 60.0]"]])
        let report = Report.run(source: "# %% Cell\nshow()", title: "t") { _ in
            CellOutcome(outputs: [.text("before\n"), .text("still before\n"), .table(table), .figure(png), .text("\n"), .text("after\n")])
        }
        try report.writeMarkdown(to: out.file("t.md"))
        let md = try String(contentsOfFile: out.file("t.md"), encoding: .utf8)
        XCTAssertTrue(md.hasSuffix("""
            ```text
            before
            still before
            ```

            | method | accuracy |
            | --- | ---: |
            | a\\|b | 50.0 [40.0, 60.0] |

            ![Cell — figure 1](t_files/cell01-1.png)

            ```text

            after
            ```

            """), md)
        let html = report.html(figureSources: [1: ["data:image/png;base64,AA=="]])
        let positions = ["<pre class=\"output\">before", "<table>", "<td>a|b</td>", "<img alt=\"Cell — figure 1\"", "after</pre>"]
            .map { html.range(of: $0)?.lowerBound }
        XCTAssertFalse(positions.contains { $0 == nil }, html)
        XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted(), "in the cell's order")
    }

    func testMissingFigureIsAnError() throws {
        let out = try ScratchDirectory()
        let report = Report.run(source: "# %% a\nx", title: "r") { _ in CellOutcome(figures: ["/nonexistent/f.png"]) }
        XCTAssertThrowsError(try report.writeMarkdown(to: out.file("r.md")))
        XCTAssertEqual(out.contents, [])
    }
}
