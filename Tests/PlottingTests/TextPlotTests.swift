import Foundation
import XCTest
@testable import Plotting

/// Text plots from gnuplot's dumb terminal, and images drawn as characters.
final class TextPlotTests: XCTestCase {
    func testTextPlotHasTitleLabelsAndTicks() throws {
        let figure = Figure.plot([Series(y: squares(), label: "squares")], title: "Growth of x squared",
                                 xlabel: "step", ylabel: "value")
        let text = try Gnuplot().text(figure, columns: 70, rows: 22)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 22, text)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 70 }, text)
        XCTAssertTrue(text.contains("Growth of x squared"), text)
        XCTAssertTrue(text.contains("step"), text)
        XCTAssertTrue(text.contains("squares"), "legend: \(text)")
        // y runs 0...100 and x 0...10: gnuplot labels both ends.
        XCTAssertNotNil(text.range(of: #"(?m)^ *100 [+|]"#, options: .regularExpression), text)
        XCTAssertNotNil(text.range(of: #"(?m)^ *0 [+|]"#, options: .regularExpression), text)
        XCTAssertNotNil(text.range(of: #"(?m)^ +0 .* 10 *$"#, options: .regularExpression), "x ticks: \(text)")
    }

    func testNotATerminalMeans80x24() throws {
        try XCTSkipIf(TerminalSize.standardOutputIsTerminal, "stdout is a terminal here")
        XCTAssertEqual(TerminalSize.current().columns, 80)
        XCTAssertEqual(TerminalSize.current().rows, 24)
        let text = try Gnuplot().inline(Figure.plot([Series(y: squares())], title: "piped"))
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().count, 24)
    }

    func testTextPlotSizeIsChecked() {
        XCTAssertThrowsError(try Gnuplot().text(Figure.plot([Series(y: [1, 2])]), columns: 5, rows: 3))
    }

    /// A 4x2 image, left half black, right half white, drawn 4 characters by 1 line:
    /// black is the lightest shade (space), white the densest ("@").
    func testImageAsCharacters() throws {
        var rgb: [Double] = []
        for _ in 0..<2 { for x in 0..<4 { rgb += [Double](repeating: x < 2 ? 0 : 1, count: 3) } }
        let panel = try ImagePanel(width: 4, height: 2, rgb: rgb, label: "half")
        XCTAssertEqual(TextImage.picture(panel, columns: 4, rows: 1, colours: .none), ["  @@"])
        let grid = try ImageGrid(panels: [panel, panel], cols: 2)
        let text = TextImage.render(grid, title: "pair", columns: 10, rows: 10)
        XCTAssertEqual(text, "   pair\nhalf  half\n  @@    @@\n")
    }
}

/// Sixel graphics: a DCS sequence (ESC P ... q ... ESC \) when gnuplot has the sixelgd terminal.
final class SixelTests: XCTestCase {
    func testSixelIsADeviceControlString() throws {
        let figure = Figure.plot([Series(y: squares())], title: "sixel", size: FigureSize(width: 200, height: 100))
        let sixel = try XCTUnwrap(try Gnuplot().sixel(figure), "this gnuplot has no sixelgd terminal")
        XCTAssertTrue(sixel.hasPrefix("\u{1B}P"), String(sixel.prefix(20)).debugDescription)
        XCTAssertTrue(sixel.contains("q\""), "raster attributes follow the introducer")
        XCTAssertTrue(sixel.hasSuffix("\u{1B}\\") || sixel.hasSuffix("\u{1B}\\\n"), String(sixel.suffix(8)).debugDescription)
    }

    func testInlineFallsBackToTextWhenNotATerminal() throws {
        try XCTSkipIf(TerminalSize.standardOutputIsTerminal, "stdout is a terminal here")
        let text = try Gnuplot().inline(Figure.plot([Series(y: squares())], title: "fallback"), sixel: true)
        XCTAssertFalse(text.contains("\u{1B}P"))
        XCTAssertTrue(text.contains("fallback"))
    }
}
