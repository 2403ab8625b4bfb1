import Foundation
import XCTest
@testable import Plotting

/// Data goes to gnuplot through binary files, commands through the pipe.
final class DataPathTests: XCTestCase {
    func testCommandsReferenceABinaryFileNotInlineData() throws {
        let n = 10_000
        let series = Series(x: (0..<n).map(Double.init), y: (0..<n).map { Double($0) * 0.5 })
        let script = try GnuplotScript(figure: Figure.plot([series]), terminal: .png(.standard), output: "/tmp/o.png")
        XCTAssertEqual(script.tables.count, 1)
        XCTAssertEqual(script.tables[0].rowCount, n)
        let commands = script.commands(tablePaths: ["/tmp/d/table0.bin"])
        XCTAssertTrue(commands.contains("\"/tmp/d/table0.bin\" binary format='%double%double' record=(\(n)) using 1:2"),
                      commands)
        XCTAssertLessThan(commands.utf8.count, 2_000, "no data points in the command stream")
    }

    /// The file holds native doubles, record by record, exactly as given.
    func testBinaryTableRoundTrips() throws {
        let dir = try ScratchDirectory()
        let gnuplot = Gnuplot(scratchDirectory: dir.path)
        let scratch = try gnuplot.makeScratch()
        let x: [Double] = [0, -1.5, .pi, 1e-300]
        let y: [Double] = [1, 2, 3, -4e10]
        var captured: [String] = []
        try gnuplot.run(tables: [DataTable(columns: [x, y])], in: scratch) { paths in
            captured = paths
            return "print 1\n"
        }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: captured[0]))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        XCTAssertEqual(values, [0, 1, -1.5, 2, .pi, 3, 1e-300, -4e10])
    }
}
