import Foundation
import XCTest
@testable import Plotting

final class FigureDisplayTests: XCTestCase {
    override func tearDown() {
        FigureDisplay.mode = .inline(sixel: false)
    }

    func testCollectModeSavesNumberedPNGs() throws {
        let dir = try ScratchDirectory()
        FigureDisplay.mode = .collect(directory: dir.path)
        let first = Figure.plot([Series(y: [1, 2, 3])], title: "one")
        XCTAssertEqual(try FigureDisplay.show(first), "")
        XCTAssertEqual(try FigureDisplay.show(Figure.plot([Series(y: [3, 2, 1])], title: "two")), "")
        XCTAssertEqual(FigureDisplay.takeCollected(), [dir.file("figure-0001.png"), dir.file("figure-0002.png")])
        XCTAssertEqual(FigureDisplay.takeCollected(), [])
        _ = try pngSize(dir.file("figure-0002.png"))
        XCTAssertEqual(LastFigure.current?.title, "two")
    }

    func testInlineModeReturnsATextPlot() throws {
        FigureDisplay.mode = .inline(sixel: false)
        let text = try FigureDisplay.show(Figure.plot([Series(y: [1, 2, 3])], title: "inline title"))
        XCTAssertTrue(text.contains("inline title"))
        XCTAssertEqual(FigureDisplay.takeCollected(), [])
    }
}
