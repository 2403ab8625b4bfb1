import XCTest
@testable import Tensors

/// A progress line redrawn in place must be ended before anything else is written, or the next
/// message runs into it ("ETA 0m26sinterrupted at ...").
final class ProgressMeterTests: XCTestCase {
    var written: [String] = []

    override func setUp() {
        written = []
        ProgressMeter.sink = { [unowned self] in self.written.append($0) }
    }

    override func tearDown() {
        ProgressMeter.endLine()
        ProgressMeter.sink = { FileHandle.standardError.write(Data($0.utf8)) }
    }

    func testAnInterruptedLineIsEndedBeforeTheNextMessage() {
        let meter = ProgressMeter("finetune", total: 10, interactive: true)
        meter.update(3, detail: "loss 0.5")
        XCTAssertEqual(written.count, 1)
        XCTAssertTrue(written[0].hasPrefix("\r\u{1B}[Kfinetune 3/10 "), written[0])
        XCTAssertFalse(written[0].hasSuffix("\n"), "redrawn in place")
        ProgressMeter.endLine()
        XCTAssertEqual(written.last, "\n", "the open line is ended")
        ProgressMeter.endLine()
        XCTAssertEqual(written.count, 2, "only once")
    }

    func testAMeterDroppedMidRunEndsItsLine() {
        do {
            // Dropped mid-run, as when an error or Ctrl-C leaves the loop that updated it.
            let meter = ProgressMeter("evaluate", total: 10, interactive: true)
            meter.update(1)
        }
        XCTAssertEqual(written.count, 2)
        XCTAssertEqual(written.last, "\n")
    }

    func testAFinishedLineIsNotEndedTwice() {
        let meter = ProgressMeter("evaluate", total: 2, interactive: true)
        meter.update(2)
        XCTAssertTrue(written.last?.hasSuffix("ETA 0m00s\n") ?? false, "\(written)")
        ProgressMeter.endLine()
        XCTAssertEqual(written.count, 1)
        let logged = ProgressMeter("evaluate", total: 2, interactive: false)
        logged.update(2)
        ProgressMeter.endLine()
        XCTAssertEqual(written.count, 2, "a log line always ends itself")
    }
}
