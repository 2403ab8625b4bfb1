import XCTest
@testable import Training

/// The fine-tuning progress line names both errors and shows enough digits to tell them apart.
final class ProgressDetailTests: XCTestCase {
    func record(_ positive: Float, _ comparison: Float?) -> TrainingRecord {
        TrainingRecord(step: 1, learningRate: 1e-4, loss: 0, positiveError: positive, comparisonError: comparison, gradientNorm: 0)
    }

    func testEachErrorIsNamed() {
        XCTAssertEqual(FineTuner.progressDetail(record(0.0035121, 0.0035612), loss: .softneg, recent: [0.25, 0.5]),
                       "loss 0.375 (mean of last 2), conditional error 0.003512, unconditional 0.003561")
        XCTAssertEqual(FineTuner.progressDetail(record(0.0035121, 0.0041), loss: .hardneg, recent: [1]),
                       "loss 1 (mean of last 1), conditional error 0.003512, negative 0.0041")
        XCTAssertEqual(FineTuner.progressDetail(record(0.0035121, nil), loss: .noneg, recent: [1]),
                       "loss 1 (mean of last 1), conditional error 0.003512")
    }

    func testCloseErrorsGetMoreDigits() {
        // 4 significant digits would show 0.003512 twice.
        XCTAssertEqual(FineTuner.progressDetail(record(0.00351214, 0.00351239), loss: .softnegBounded, recent: [1]),
                       "loss 1 (mean of last 1), conditional error 0.0035121, unconditional 0.0035124")
    }
}
