import XCTest
@testable import Plotting

/// Text in PNG figures fits its space: long titles and captions wrap at spaces, long legends go
/// below the plot, tick labels of bars wrap within their group. Checked on the gnuplot commands
/// (pure), and on the default size of image grids; examples/reports/gallery shows the results.
final class LayoutTests: XCTestCase {
    let caption = "a red square to the left of a blue circle, and a small green triangle above both of them"

    func commands(_ figure: Figure, _ terminal: Terminal = .png(.standard)) throws -> String {
        try GnuplotScript(figure: figure, terminal: terminal, output: "/tmp/o.png").commands(tablePaths: [])
    }

    func line(_ prefix: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
    }

    func testLongTitlesWrapAtSpaces() throws {
        let title = "SoftNeg on the bundled ShapesWorld model: the unconditional error of the empty caption while fine-tuning with the literal loss"
        let text = try commands(Figure.plot([Series(y: [1, 2])], title: title))
        let set = try XCTUnwrap(line("set title", in: text))
        // 800 px at 7.6 px a character, less the margins: 102 characters a line.
        XCTAssertEqual(set, #"set title "SoftNeg on the bundled ShapesWorld model: the unconditional error of the empty caption while\nfine-tuning with the literal loss""#)
        let image = try commands(try Figure.imshow(ImagePanel(width: 2, height: 2, rgb: Array(repeating: 0.5, count: 12)), title: caption),
                                 .png(FigureSize(width: 288, height: 330)))
        XCTAssertEqual(line("set title", in: image),
                       #"set title "a red square to the left of a blue\ncircle, and a small green triangle\nabove both of them""#,
                       "an image's title wraps within the image's width")
    }

    func testShortLegendsStayRightLongOnesGoBelowWrapped() throws {
        let short = try commands(Figure.plot([Series(y: [1, 2], label: "noneg"), Series(y: [2, 1], label: "softneg")]))
        XCTAssertNotNil(line("set key outside right top box", in: short))
        let long = try commands(Figure.plot([Series(y: [1, 2], label: caption), Series(y: [2, 1], label: "the empty caption")]))
        XCTAssertEqual(line("set key", in: long), "set key below Left reverse spacing 2 height 1")
        // (800 - 190) / 8.2 = 74 characters an entry: gnuplot drops a key whose entries it thinks are wider.
        XCTAssertTrue(long.contains(#"title "a red square to the left of a blue circle, and a small green triangle\nabove both of them""#), long)
        let many = try commands(Figure.plot((0..<40).map { Series(y: [1, 2], label: "run \($0)") }))
        XCTAssertEqual(line("set key", in: many), "set key below Left reverse height 1", "more entries than fit down the side")
    }

    func testSeriesPastTheTenColoursAreDashed() throws {
        let text = try commands(Figure.plot((0..<12).map { Series(y: [1, 2], label: "s\($0)") }))
        XCTAssertTrue(text.contains("linetype 10 title \"s9\""), text)
        XCTAssertTrue(text.contains("linetype 11 dashtype 2 title \"s10\""), text)
        XCTAssertTrue(text.contains("linetype 12 dashtype 2 title \"s11\""), text)
    }

    func testBarGroupNamesWrapAndPushTheKeyDown() throws {
        let chart = BarChart(groups: ["ImageCoDe image R@1", "Winoground text", "VG-Attribution accuracy"],
                             series: ["SoftNeg, bounded by the conditional error", "base"],
                             values: [[1, 2, 3], [3, 2, 1]])
        let text = try commands(Figure.bars(chart, ylabel: "percent"))
        XCTAssertTrue(text.contains(#"set xtics ("ImageCoDe image R@1" 0, "Winoground text" 1, "VG-Attribution accuracy" 2)"#), text)
        let narrow = try commands(Figure.bars(chart, ylabel: "percent"), .png(FigureSize(width: 400, height: 300)))
        // A third of 400 px less the y axis: 11 characters; a longer word stays whole.
        XCTAssertTrue(narrow.contains(#"set xtics ("ImageCoDe\nimage R@1" 0, "Winoground\ntext" 1, "VG-Attribution\naccuracy" 2)"#), narrow)
        // (400 - 190) / 8.2 = 25 characters an entry: the long series name takes two lines.
        XCTAssertEqual(line("set key", in: narrow), "set key below Left reverse spacing 2 height 1")
        XCTAssertEqual(line("set xlabel", in: narrow), #"set xlabel "\n""#, "a blank line per extra tick line keeps the key off the ticks")
    }

    func testGridCaptionsWrapWithinTheirCellAndTheFigureMakesRoomForThem() throws {
        let panel = try ImagePanel(width: 32, height: 32, rgb: Array(repeating: 0.5, count: 32 * 32 * 3))
        let short = try ImageGrid(panels: (0..<4).map { var p = panel; p.label = "item \($0)"; return p }, cols: 4)
        let long = try ImageGrid(panels: (0..<4).map { _ in var p = panel; p.label = caption; return p }, cols: 4)
        let shortSize = FigureLayout.defaultSize(for: Figure.grid(short))
        let longSize = FigureLayout.defaultSize(for: Figure.grid(long))
        XCTAssertEqual(shortSize.width, longSize.width)
        // 4 cells of 1104 / 4 - 16 = 260 px: each caption wraps to (260 - 24) / 7.6 = 31 characters, 3 lines.
        XCTAssertEqual(FigureLayout.imageBands(long, title: nil, width: Double(longSize.width), metrics: .png).labelLines, 3)
        XCTAssertEqual(longSize.height - shortSize.height, 2 * 17, "two more lines of 17 px")
        let text = try commands(Figure.grid(long), .png(longSize))
        XCTAssertTrue(text.contains(#"set title "a red square to the left of a\nblue circle, and a small green\ntriangle above both of them""#), text)
        for title in text.split(separator: "\n").filter({ $0.hasPrefix("set title") }) {
            for part in title.dropFirst(11).dropLast().components(separatedBy: "\\n") {
                XCTAssertLessThanOrEqual(part.count, 31, "a caption line wider than its cell: \(part)")
            }
        }
    }
}
