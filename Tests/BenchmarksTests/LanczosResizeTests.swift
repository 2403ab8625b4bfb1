import XCTest
@testable import Benchmarks
import Tensors

/// Reference: scripts/make_benchmark_fixtures.py, Pillow 13.0.0, `Image.resize((w, h), Image.LANCZOS)`
/// on a 37x29 RGB test image (gradients, a checkerboard, a sharp disc, noise). PIL rounds its
/// intermediate image to 8 bits; we keep floats, which measured at most 1.06/255 apart.
final class LanczosResizeTests: XCTestCase {
    func loadRGB(_ name: String, _ w: Int, _ h: Int) throws -> Tensor {
        let bytes = try Fixtures.bytes("lanczos/\(name)_\(w)x\(h).rgb")
        XCTAssertEqual(bytes.count, 3 * w * h)
        var planes = [Float](repeating: 0, count: 3 * w * h)
        for p in 0..<(w * h) { for c in 0..<3 { planes[c * w * h + p] = Float(bytes[3 * p + c]) / 255 } }
        return try Tensor(shape: [1, 3, h, w], scalars: planes)
    }

    func testMatchesPILWithinTwoLevels() throws {
        let source = try loadRGB("source", 37, 29)
        for (w, h) in [(16, 16), (64, 48), (32, 32), (37, 12), (9, 29)] {
            let expected = try loadRGB("pil", w, h)
            let got = try LanczosResize.resize(source, width: w, height: h)
            XCTAssertEqual(got.shape, [1, 3, h, w])
            let worst = zip(got.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(worst, 2 / 255, "\(w)x\(h): max difference \(worst * 255)/255")
        }
    }

    func testIdentitySizeReturnsTheImage() throws {
        let source = try loadRGB("source", 37, 29)
        XCTAssertEqual(try LanczosResize.resize(source, width: 37, height: 29).scalars, source.scalars)
    }

    func testConstantImageStaysConstant() throws {
        // Normalised weights: a flat image is a fixed point at any size.
        let flat = Tensor(repeating: 0.3, shape: [3, 10, 7])
        let out = try LanczosResize.resize(flat, width: 23, height: 4)
        XCTAssertEqual(out.shape, [3, 4, 23])
        for v in out.scalars { XCTAssertEqual(v, 0.3, accuracy: 1e-6) }
    }

    func testRejectsBadShapesAndSizes() {
        XCTAssertThrowsError(try LanczosResize.resize(Tensor.zeros([2, 3, 4, 4]), width: 2, height: 2))
        XCTAssertThrowsError(try LanczosResize.resize(Tensor.zeros([3, 4, 4]), width: 0, height: 2))
    }
}
