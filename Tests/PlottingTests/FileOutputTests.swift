import Foundation
import XCTest
@testable import Plotting

/// PNG and SVG files: size, validity, atomic replacement and no temporary files left.
final class FileOutputTests: XCTestCase {
    private func chart(size: FigureSize?) -> Figure {
        Figure.plot([Series(y: squares(), label: "x^2"), Series(y: (0...10).map(Double.init), label: "x", style: .points)],
                    title: "squares", xlabel: "x", ylabel: "y", size: size)
    }

    func testPNGHasRequestedSizeAndIsValid() throws {
        let dir = try ScratchDirectory()
        try Gnuplot().save(chart(size: FigureSize(width: 640, height: 480)), to: dir.file("a.png"))
        let size = try pngSize(dir.file("a.png"))
        XCTAssertEqual(size.width, 640)
        XCTAssertEqual(size.height, 480)
    }

    func testPNGDefaultSize() throws {
        let dir = try ScratchDirectory()
        try Gnuplot().save(chart(size: nil), to: dir.file("a.png"))
        let size = try pngSize(dir.file("a.png"))
        XCTAssertEqual(size.width, FigureSize.standard.width)
        XCTAssertEqual(size.height, FigureSize.standard.height)
    }

    func testSVGParsesAsXMLWithRequestedSize() throws {
        let dir = try ScratchDirectory()
        try Gnuplot().save(chart(size: FigureSize(width: 500, height: 300)), to: dir.file("a.svg"))
        let svg = try SVGDocument(path: dir.file("a.svg"))
        XCTAssertEqual(svg.rootName, "svg")
        XCTAssertEqual(svg.rootAttributes["width"], "500")
        XCTAssertEqual(svg.rootAttributes["height"], "300")
        XCTAssertTrue(svg.texts.contains("squares"), "title in \(svg.texts)")
        XCTAssertTrue(svg.texts.contains("x^2"), "legend entry drawn without enhanced-text markup")
    }

    func testEveryFigureKindRenders() throws {
        let dir = try ScratchDirectory()
        let gnuplot = Gnuplot()
        let histogram = Figure(.histogram(Histogram(values: squares(), bins: 4, label: "squares")), title: "h")
        let bars = Figure(.bars(BarChart(groups: ["a", "b"], series: ["m1", "m2"], values: [[1, 2], [3, 4]],
                                         errors: [[0.1, 0.2], [0.3, 0.4]])), title: "b")
        let image = try Figure.imshow(ImagePanel(width: 4, height: 2, rgb: [Double](repeating: 0.5, count: 24), label: "grey"))
        for (name, figure) in [("h", histogram), ("b", bars), ("i", image)] {
            try gnuplot.save(figure, to: dir.file("\(name).png"))
            try gnuplot.save(figure, to: dir.file("\(name).svg"))
            _ = try pngSize(dir.file("\(name).png"))
            XCTAssertEqual(try SVGDocument(path: dir.file("\(name).svg")).rootName, "svg")
        }
    }

    func testSameFigureGivesIdenticalBytes() throws {
        let dir = try ScratchDirectory()
        try Gnuplot().save(chart(size: nil), to: dir.file("1.png"))
        try Gnuplot().save(chart(size: nil), to: dir.file("2.png"))
        XCTAssertEqual(FileManager.default.contents(atPath: dir.file("1.png")),
                       FileManager.default.contents(atPath: dir.file("2.png")))
    }

    func testSaveLeavesOnlyTheTargetAndCleansScratch() throws {
        let out = try ScratchDirectory()
        let scratch = try ScratchDirectory()
        let gnuplot = Gnuplot(scratchDirectory: scratch.path)
        try gnuplot.save(chart(size: nil), to: out.file("plot.png"))
        try gnuplot.save(chart(size: nil), to: out.file("plot.png"))  // replaces in place
        XCTAssertEqual(out.contents, ["plot.png"])
        XCTAssertEqual(scratch.contents, [], "data files and stderr capture removed")
    }

    func testFailedSaveKeepsOldFileAndLeavesNothingBehind() throws {
        let out = try ScratchDirectory()
        let scratch = try ScratchDirectory()
        let gnuplot = Gnuplot(scratchDirectory: scratch.path)
        let old = Data("previous figure".utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: out.file("plot.png"), contents: old))
        // Negative values on a log axis: gnuplot refuses to draw.
        let bad = Figure.plot([Series(y: [-1, -2, -3])], logy: true)
        XCTAssertThrowsError(try gnuplot.save(bad, to: out.file("plot.png")))
        XCTAssertEqual(FileManager.default.contents(atPath: out.file("plot.png")), old)
        XCTAssertEqual(out.contents, ["plot.png"])
        XCTAssertEqual(scratch.contents, [])
    }

    /// Missing folders are made (as `save` and `write_image` make theirs); a file standing where
    /// a folder should be is an error that names the path and the reason.
    func testUnknownExtensionIsAnErrorAndMissingFoldersAreMade() throws {
        let dir = try ScratchDirectory()
        XCTAssertThrowsError(try Gnuplot().save(chart(size: nil), to: dir.file("a.jpg"))) { error in
            XCTAssertEqual(error as? PlotError, .unsupportedFormat(path: dir.file("a.jpg")))
        }
        try Gnuplot().save(chart(size: FigureSize(width: 320, height: 240)), to: dir.file("missing/deeper/a.png"))
        XCTAssertEqual(try pngSize(dir.file("missing/deeper/a.png")).width, 320)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("plain"), contents: Data("x".utf8)))
        XCTAssertThrowsError(try Gnuplot().save(chart(size: nil), to: dir.file("plain/a.png"))) { error in
            guard case .file(let path, let message)? = error as? PlotError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, dir.file("plain/a.png"))
            XCTAssertTrue(message.hasPrefix("cannot make the folder \(dir.file("plain"))"), message)
        }
    }

    func testBadDataIsRefusedBeforeGnuplotRuns() {
        let mismatched = Figure.plot([Series(x: [1, 2, 3], y: [1, 2])])
        XCTAssertThrowsError(try Gnuplot(binary: "/nonexistent/gnuplot").save(mismatched, to: "/tmp/x.png")) { error in
            XCTAssertEqual(error as? PlotError, .invalidData("series 1 has 3 x values and 2 y values"))
        }
    }
}
