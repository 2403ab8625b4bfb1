import Foundation
import XCTest
@testable import Plotting

/// gnuplot's own complaints, and a missing or broken gnuplot, become PlotErrors.
final class GnuplotErrorTests: XCTestCase {
    private let figure = Figure.plot([Series(y: squares())], title: "t")

    func testMissingBinaryAtPathIsAClearError() throws {
        let dir = try ScratchDirectory()
        let gnuplot = Gnuplot(binary: "/nonexistent/bin/gnuplot")
        XCTAssertThrowsError(try gnuplot.save(figure, to: dir.file("a.png"))) { error in
            XCTAssertEqual(error as? PlotError, .gnuplotNotFound(binary: "/nonexistent/bin/gnuplot"))
            XCTAssertTrue("\(error)".contains("gnuplot not found"))
        }
        XCTAssertThrowsError(try gnuplot.text(figure, columns: 80, rows: 24))
        XCTAssertEqual(dir.contents, [])
    }

    func testMissingBinaryOnPathIsAClearError() {
        let gnuplot = Gnuplot(binary: "sn-no-such-gnuplot-binary")
        XCTAssertThrowsError(try gnuplot.resolvedBinary()) { error in
            XCTAssertEqual(error as? PlotError, .gnuplotNotFound(binary: "sn-no-such-gnuplot-binary"))
        }
    }

    func testDefaultBinaryResolvesFromPath() throws {
        XCTAssertTrue(try Gnuplot(binary: "gnuplot").resolvedBinary().hasSuffix("/gnuplot"))
    }

    /// A "gnuplot" that exits without reading: writing more than a pipe buffer (64 KiB)
    /// blocks until it exits and then fails with EPIPE. Without SIGPIPE blocked this
    /// would kill the test process; here it must be an error.
    func testGnuplotDyingEarlyIsAnErrorNotSIGPIPE() throws {
        let dir = try ScratchDirectory()
        let long = String(repeating: "long title ", count: 20_000)
        let big = Figure.plot([Series(y: squares())], title: long)
        XCTAssertThrowsError(try Gnuplot(binary: "/bin/true").save(big, to: dir.file("a.png"))) { error in
            guard case .gnuplotFailed? = error as? PlotError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(dir.contents, [])
    }

    func testGnuplotErrorCarriesGnuplotsMessage() throws {
        let dir = try ScratchDirectory()
        let bad = Figure.plot([Series(y: [-1, -2, -3])], logy: true)
        XCTAssertThrowsError(try Gnuplot().save(bad, to: dir.file("a.png"))) { error in
            guard case let .gnuplot(message, command)? = error as? PlotError else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "all points y value undefined!")
            XCTAssertTrue(command?.hasPrefix("plot ") ?? false, "\(String(describing: command))")
            XCTAssertEqual("\(error)", "gnuplot error: all points y value undefined!")
        }
        XCTAssertThrowsError(try Gnuplot().text(bad, columns: 80, rows: 24))
    }

    /// Samples of gnuplot 5.4's stderr (from `printf ... | gnuplot`).
    func testDiagnosticsSeparateErrorsFromWarnings() throws {
        let error = """
            Warning: empty y range [0:0], adjusting to [-1:1]

            gnuplot> plot [1:2] -x
                                  ^
                     line 0: all points y value undefined!

            """
        let found = try XCTUnwrap(GnuplotDiagnostics.error(in: error))
        XCTAssertEqual(found.message, "all points y value undefined!")
        XCTAssertEqual(found.command, "plot [1:2] -x")
        XCTAssertNil(GnuplotDiagnostics.error(in: "Warning: empty y range [2:2], adjusting to [1.98:2.02]\n"))
        XCTAssertNil(GnuplotDiagnostics.error(in: "\"x.gp\" line 3: warning: Skipping data file with no valid points\n"))
        XCTAssertNil(GnuplotDiagnostics.error(in: ""))
        let bare = try XCTUnwrap(GnuplotDiagnostics.error(in: "         line 0: x_min should not equal x_max!\n"))
        XCTAssertEqual(bare.message, "x_min should not equal x_max!")
        XCTAssertNil(bare.command)
    }
}
