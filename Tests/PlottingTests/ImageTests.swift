import Foundation
import Tensors
import XCTest
@testable import Plotting

final class ImageTests: XCTestCase {
    /// A [1,3,2,3] tensor whose value at (c, y, x) is c*100 + y*10 + x, scaled to [0, 1].
    private func indexed() throws -> Tensor {
        var scalars: [Float] = []
        for c in 0..<3 { for y in 0..<2 { for x in 0..<3 { scalars.append(Float(c * 100 + y * 10 + x) / 255) } } }
        return try Tensor(shape: [1, 3, 2, 3], scalars: scalars)
    }

    func testPanelFromNCHWIsInterleavedRowMajor() throws {
        let panel = try ImagePanel(indexed())
        XCTAssertEqual(panel.width, 3)
        XCTAssertEqual(panel.height, 2)
        // Pixel (y=1, x=2): channels 12, 112, 212.
        let o = (1 * 3 + 2) * 3
        XCTAssertEqual(panel.rgb[o] * 255, 12, accuracy: 1e-4)
        XCTAssertEqual(panel.rgb[o + 1] * 255, 112, accuracy: 1e-4)
        XCTAssertEqual(panel.rgb[o + 2] * 255, 212, accuracy: 1e-4)
        XCTAssertEqual(panel.tensor().scalars, try indexed().scalars)
    }

    func testOtherImageShapes() throws {
        let chw = try ImagePanel(Tensor(shape: [3, 2, 2], scalars: (0..<12).map { Float($0) / 11 }))
        XCTAssertEqual(chw.width, 2)
        let grey = try ImagePanel(Tensor(shape: [2, 2], scalars: [0, 0.25, 0.5, 2]))
        XCTAssertEqual(grey.rgb, [0, 0, 0, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 1, 1, 1], "grey to RGB, clipped to 1")
        let batch = try ImagePanel.panels(from: Tensor.zeros([3, 3, 4, 5]))
        XCTAssertEqual(batch.count, 3)
        XCTAssertThrowsError(try ImagePanel(Tensor.zeros([2, 3, 4, 4]))) { error in
            XCTAssertTrue("\(error)".contains("use grid"), "\(error)")
        }
        XCTAssertThrowsError(try ImagePanel(Tensor.zeros([1, 2, 4, 4])))
        XCTAssertThrowsError(try ImagePanel(Tensor.zeros([4])))
    }

    /// Two 2x3 images in 2 columns, padding 1: a 4x9 canvas, image k at x = 1 + 4k, y = 1.
    func testComposedGridPlacesImages() throws {
        let a = try indexed()
        let grid = try ImageGrid([a, Tensor.zeros([1, 3, 2, 3])], cols: 2, labels: ["a", "zero"])
        XCTAssertEqual(grid.rows, 1)
        XCTAssertEqual(grid.panels.map(\.label), ["a", "zero"])
        let canvas = try grid.composed(padding: 1, background: 1)
        XCTAssertEqual(canvas.shape, [1, 3, 4, 9])
        let s = canvas.scalars
        func at(_ c: Int, _ y: Int, _ x: Int) -> Float { s[c * 36 + y * 9 + x] }
        XCTAssertEqual(at(0, 0, 0), 1, "padding")
        XCTAssertEqual(at(1, 2, 3) * 255, 112, accuracy: 1e-3, "image 0 pixel (y=1, x=2), green")
        XCTAssertEqual(at(0, 1, 5), 0, "image 1 is black")
        XCTAssertEqual(at(2, 3, 8), 1, "bottom-right padding")
        XCTAssertThrowsError(try ImageGrid([a], labels: ["x", "y"]))
        XCTAssertThrowsError(try ImageGrid([Tensor]()))
    }

    func testImageFiguresRenderAtTheirDefaultSize() throws {
        let dir = try ScratchDirectory()
        let grid = try ImageGrid([Tensor.ones([4, 3, 16, 32])], cols: 2, labels: ["a", "b", "c", "d"])
        let figure = Figure(.images(grid), title: "grid")
        try Gnuplot().save(figure, to: dir.file("g.png"))
        let size = try pngSize(dir.file("g.png"))
        let expected = FigureLayout.defaultSize(for: figure)
        XCTAssertEqual(size.width, expected.width)
        XCTAssertEqual(size.height, expected.height)
        // 2 columns of 256-pixel-wide cells plus margins.
        XCTAssertEqual(expected.width, 2 * (256 + 16) + 16)
    }

    func testLastFigureIsKept() {
        LastFigure.clear()
        XCTAssertNil(LastFigure.current)
        let figure = Figure.plot([Series(y: [1, 2, 3])], title: "kept")
        LastFigure.set(figure)
        XCTAssertEqual(LastFigure.current, figure)
    }
}
