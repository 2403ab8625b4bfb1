import Benchmarks
import Foundation
import Plotting
import XCTest
import Script

/// plot hist bar imshow grid savefig, driven from the language.
final class PlotBuiltinsTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "sn-plot-builtins-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Width and height from the IHDR chunk, after the 8-byte PNG signature.
    private func pngSize(_ path: String) throws -> [Int] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 24, bytes[1...3] == [0x50, 0x4E, 0x47] else { return [] }
        func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return [be32(16), be32(20)]
    }

    func testPlotWritesAPNGOfTheRequestedSize() throws {
        let path = "\(directory)/p.png"
        _ = try printed("""
            t = arange(10)
            plot(t, [t ^ 2, 2 * t], label: ["square", "double"], title: "growth", xlabel: "t", out: "\(path)", size: [640, 400])
            """)
        XCTAssertEqual(try pngSize(path), [640, 400])
    }

    func testSeveralSeriesFromAMatrixAndTheirLegend() throws {
        let path = "\(directory)/p.svg"
        _ = try printed("""
            cond = tensor([[3, 2, 1], [1, 2, 3]])
            plot([10, 20, 30], cond, legend: ["caption A", "caption B"], style: "linespoints", out: "\(path)")
            """)
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(svg.contains(">caption A<"))
        XCTAssertTrue(svg.contains(">caption B<"))
    }

    func testPlotWithoutOutPrintsATextPlot() throws {
        let text = try printed("plot([1, 4, 9, 16], title: \"inline squares\")")
        XCTAssertTrue(text.contains("inline squares"), text)
        XCTAssertTrue(text.contains("+---"), "a framed text plot: \(text)")
    }

    func testSavefigWritesTheLastFigure() throws {
        let path = "\(directory)/last.png"
        _ = try printed("hist([1, 2, 2, 3, 3, 3], bins: 3, title: \"h\")\nsavefig(\"\(path)\")")
        XCTAssertEqual(try pngSize(path), [800, 560])
    }

    func testBarFromARecordWithErrorBars() throws {
        let path = "\(directory)/bars.svg"
        _ = try printed("""
            bar({NoNeg: [0.3, 0.2], SoftNeg: [0.4, 0.25]}, groups: ["text", "image"],
                errors: {NoNeg: [0.02, 0.03], SoftNeg: [0.01, 0.02]}, ylabel: "accuracy", out: "\(path)")
            """)
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        for text in [">NoNeg<", ">SoftNeg<", ">text<", ">image<", ">accuracy<"] {
            XCTAssertTrue(svg.contains(text), text)
        }
    }

    /// The chart the last bar call drew.
    private func lastBars() throws -> BarChart {
        guard case .bars(let chart)? = LastFigure.current?.content else { throw NSError(domain: "the last figure is not a bar chart", code: 1) }
        return chart
    }

    /// bar(names, heights) as matplotlib's bar(x, height); numbers where names belong are an
    /// error that names groups: and the order.
    func testBarTakesNamesThenHeightsAsMatplotlibDoes() throws {
        _ = try printed("bar([\"cat\", \"dog\", \"cow\"], [3, 1, 2], out: \"\(directory)/names.svg\")")
        let chart = try lastBars()
        XCTAssertEqual(chart.groups, ["cat", "dog", "cow"])
        XCTAssertEqual(chart.values, [[3, 1, 2]])
        _ = try printed("bar([3, 1, 2], groups: [\"cat\", \"dog\", \"cow\"], out: \"\(directory)/values.svg\")")
        XCTAssertEqual(try lastBars().groups, ["cat", "dog", "cow"], "values first with groups: still works")
        let swapped = try XCTUnwrap(scriptError("bar([3, 1, 2], [1, 2, 3])"))
        XCTAssertTrue(swapped.message.contains("'groups' names the bars and must hold strings, got a number"), swapped.message)
        XCTAssertTrue(swapped.message.contains("bar(names, heights)"), swapped.message)
        let alone = try XCTUnwrap(scriptError("bar([\"cat\", \"dog\"])"))
        XCTAssertTrue(alone.message.contains("give the heights second"), alone.message)
        let short = try XCTUnwrap(scriptError("bar([\"cat\", \"dog\"], [1, 2, 3])"))
        XCTAssertTrue(short.message.contains("2 names for 3 heights"), short.message)
    }

    /// bar(r) and bar([r1, r2]): methods as series, metrics as groups, each bar's error bar its
    /// 95% interval (low to high, not symmetric); a method missing a column is refused.
    func testBarOfResultsDrawsTheirMetricsWithIntervals() throws {
        let items = [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]])]
        var base = try EvaluationResult(method: "base", task: "wino", protocol: .winoground, totalItems: 1, items: items)
        base.metrics = [MetricValue(name: "text", value: 0.5, low: 0.25, high: 0.875, count: 8),
                        MetricValue(name: "image", value: 0.25, low: 0, high: 0.5, count: 8)]
        var tuned = base
        tuned.method = "tuned"
        tuned.metrics = [MetricValue(name: "text", value: 0.625, low: 0.5, high: 0.75, count: 8),
                         MetricValue(name: "image", value: 0.375, low: 0.125, high: 0.5, count: 8)]
        let run = Run()
        run.interpreter.setVariable("a", .host(ResultValue(base)))
        run.interpreter.setVariable("b", .host(ResultValue(tuned)))
        try run("bar([a, b], ylabel: \"accuracy\", out: \"\(directory)/results.svg\")")
        let chart = try lastBars()
        XCTAssertEqual(chart.series, ["base", "tuned"])
        XCTAssertEqual(chart.groups, ["text", "image"], "one task: metric names alone")
        XCTAssertEqual(chart.values, [[0.5, 0.25], [0.625, 0.375]])
        XCTAssertEqual(chart.errors, [[0.375, 0.25], [0.125, 0.125]], "up to high")
        XCTAssertEqual(chart.errorsBelow, [[0.25, 0.25], [0.125, 0.25]], "down to low")
        let svg = try String(contentsOfFile: "\(directory)/results.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains(">tuned<") && svg.contains(">image<"), "gnuplot drew it")
        try run("bar(a, out: \"\(directory)/one.svg\")")
        XCTAssertEqual(try lastBars().series, ["base"])

        var other = tuned
        other.task = "aro"
        other.metrics = [MetricValue(name: "accuracy", value: 0.5, low: 0.25, high: 0.75, count: 8)]
        run.interpreter.setVariable("c", .host(ResultValue(other)))
        let missing = try XCTUnwrap(scriptError(in: run, "bar([a, c])"))
        XCTAssertTrue(missing.message.contains("'base' has no aro accuracy"), missing.message)
        let twice = try XCTUnwrap(scriptError(in: run, "bar([a, a])"))
        XCTAssertTrue(twice.message.contains("results 1 and 2 are both 'base' on wino"), twice.message)
    }

    /// Two 4x4 images, 2 columns, padding 2: 2*4 + 3*2 = 14 wide, 4 + 2*2 = 8 high.
    func testGridReturnsTheComposedImage() throws {
        XCTAssertEqual(try show("shape(grid([ones(1, 3, 4, 4), zeros(3, 4, 4)], cols: 2, show: false))"), "[1, 3, 8, 14]")
        let path = "\(directory)/g.png"
        _ = try printed("g = grid([ones(1, 3, 4, 4), zeros(3, 4, 4)], labels: [\"white\", \"black\"], out: \"\(path)\")")
        XCTAssertEqual(try pngSize(path).count, 2)
    }

    func testMistakesAreScriptErrorsAtTheArgument() throws {
        let style = scriptError("plot([1, 2], style: \"dots\")")
        XCTAssertTrue(style?.message.contains("style must be \"lines\", \"points\" or \"linespoints\"") ?? false, "\(String(describing: style))")
        let labels = scriptError("plot([1, 2], [[1, 2], [3, 4]], label: [\"a\"])")
        XCTAssertTrue(labels?.message.contains("'label' has 1 entries for 2 series") ?? false, "\(String(describing: labels))")
        let batch = scriptError("imshow(ones(2, 3, 4, 4))")
        XCTAssertTrue(batch?.message.contains("use grid") ?? false, "\(String(describing: batch))")
        let gnuplot = scriptError("plot([1, 2, 3], [-1, -2, -3], logy: true)")
        XCTAssertTrue(gnuplot?.message.contains("gnuplot error: all points y value undefined!") ?? false, "\(String(describing: gnuplot))")
        let format = scriptError("plot([1, 2], out: \"\(directory)/x.jpg\")")
        XCTAssertTrue(format?.message.contains("use .png or .svg") ?? false, "\(String(describing: format))")
    }
}
