import Foundation
import XCTest
@testable import Plotting

/// Timing of a 1e6-point plot: a benchmark run by `scripts/bench_plot`, skipped in the
/// normal test run (timing belongs in benchmarks, not in tests).
final class PlotBenchmark: XCTestCase {
    func testMillionPointPlot() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SN_BENCH"] == "1", "set SN_BENCH=1 (scripts/bench_plot)")
        let n = 1_000_000
        let x = (0..<n).map { Double($0) / Double(n) * 20 }
        let y = x.map { sin($0) + 0.1 * sin(37 * $0) }
        let figure = Figure.plot([Series(x: x, y: y, label: "1e6 points")], title: "1e6 points")
        let dir = try ScratchDirectory()
        let gnuplot = Gnuplot()
        for (name, run) in [("png", { try gnuplot.save(figure, to: dir.file("m.png")) }),
                            ("svg", { try gnuplot.save(figure, to: dir.file("m.svg")) }),
                            ("text", { _ = try gnuplot.text(figure, columns: 80, rows: 24) })] as [(String, () throws -> Void)] {
            var times: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                try run()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let best = times.min() ?? 0
            print(String(format: "bench_plot: 1e6 points -> %@: best %.3f s of %d (%@)", name, best, times.count,
                         times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        }
        _ = try pngSize(dir.file("m.png"))
    }
}
