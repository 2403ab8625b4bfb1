import Foundation
import XCTest
@testable import Plotting

final class ChartDataTests: XCTestCase {
    /// Expected values from numpy 2.4.6 `np.histogram` (printed by hand in the scripts venv).
    func testHistogramMatchesNumpy() throws {
        let a = try Histogram(values: (0...10).map(Double.init), bins: 5).counts()
        XCTAssertEqual(a.counts, [2, 2, 2, 2, 3])
        XCTAssertEqual(a.edges, [0, 2, 4, 6, 8, 10])

        let b = try Histogram(values: [0.1, 0.5, 0.5, 0.9, 1.0, -0.3], bins: 4).counts()
        XCTAssertEqual(b.counts, [1, 1, 2, 2])
        let expectedEdges = [-0.3, 0.025, 0.35, 0.675, 1.0]
        for (edge, expected) in zip(b.edges, expectedEdges) { XCTAssertEqual(edge, expected, accuracy: 1e-15) }

        let c = try Histogram(values: [3, 3], bins: 2).counts()
        XCTAssertEqual(c.counts, [0, 2])
        XCTAssertEqual(c.edges, [2.5, 3, 3.5])

        let d = try Histogram(values: [0.05, 0.2, 0.95, 1.0, 1.5, -1], bins: 4, range: 0...1).counts()
        XCTAssertEqual(d.counts, [2, 0, 0, 2])
    }

    func testHistogramRefusesBadInput() {
        XCTAssertThrowsError(try Histogram(values: [], bins: 3).counts())
        XCTAssertThrowsError(try Histogram(values: [1, .nan], bins: 3).counts())
        XCTAssertThrowsError(try Histogram(values: [1, 2], bins: 0).counts())
    }

    /// Three bars in a 0.8-wide slot around each group index.
    func testBarPositions() throws {
        let chart = BarChart(groups: ["t1", "t2"], series: ["a", "b", "c"], values: [[1, 2], [3, 4], [5, 6]])
        try chart.validate()
        XCTAssertEqual(chart.barWidth, 0.8 / 3, accuracy: 1e-12)
        XCTAssertEqual(chart.barCenter(series: 0, group: 0), -0.8 / 3, accuracy: 1e-12)
        XCTAssertEqual(chart.barCenter(series: 1, group: 1), 1, accuracy: 1e-12)
        XCTAssertEqual(chart.barCenter(series: 2, group: 1), 1 + 0.8 / 3, accuracy: 1e-12)
    }

    func testBarTableShapeIsChecked() {
        let wrong = BarChart(groups: ["t1", "t2"], series: ["a"], values: [[1, 2, 3]])
        XCTAssertThrowsError(try wrong.validate()) { error in
            XCTAssertEqual(error as? PlotError, .invalidData("bar values must be 1 series x 2 groups, got [1,3]"))
        }
        let negative = BarChart(groups: ["t"], series: ["a"], values: [[1]], errors: [[-1]])
        XCTAssertThrowsError(try negative.validate())
    }
}
