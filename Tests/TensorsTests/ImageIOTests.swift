import Foundation
import XCTest
@testable import Tensors

/// PNG/JPEG reading and PNG writing. Reference: Pillow 13.0.0's `convert("RGB")` bytes of the
/// fixture images (Fixtures/images/expected.json, scripts/make_tensor_fixtures.py), scaled by
/// 1/255 as torchvision's ToTensor does. PNG must match exactly; JPEG within 1/255 (Pillow
/// bundles a different libjpeg-turbo than Debian's, whose IDCT rounding may differ by one).
final class ImageIOTests: XCTestCase {
    func expected(_ name: String) throws -> (width: Int, height: Int, rgb: [Int]) {
        let all = try XCTUnwrap(try TensorsFixture.json("images/expected.json") as? [String: [String: Any]])
        let entry = try XCTUnwrap(all[name])
        return (try XCTUnwrap(entry["width"] as? Int), try XCTUnwrap(entry["height"] as? Int), try XCTUnwrap(entry["rgb"] as? [Int]))
    }

    /// Pillow's interleaved HWC bytes -> the [1,3,H,W] values the reader must give.
    func planar(_ rgb: [Int], width: Int, height: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rgb.count)
        for i in 0..<(width * height) { for c in 0..<3 { out[c * width * height + i] = Float(rgb[i * 3 + c]) / 255 } }
        return out
    }

    func testPNGsMatchPillowExactly() throws {
        for name in ["rgb.png", "rgba.png", "gray.png", "palette.png"] {
            let want = try expected(name)
            let image = try ImageIO.read(TensorsFixture.path("images/" + name))
            XCTAssertEqual(image.shape, [1, 3, want.height, want.width], name)
            XCTAssertEqual(image.scalars, planar(want.rgb, width: want.width, height: want.height), name)
        }
    }

    func testSixteenBitPNGScalesToEightBits() throws {
        let want = try expected("gray16.png")
        let image = try ImageIO.read(TensorsFixture.path("images/gray16.png"))
        XCTAssertEqual(image.shape, [1, 3, 2, 3])
        for (got, ref) in zip(image.scalars, planar(want.rgb, width: 3, height: 2)) {
            XCTAssertEqual(got, ref, accuracy: 1.0 / 255 + 1e-6)
        }
    }

    func testJPEGsMatchPillowWithinOneStep() throws {
        for name in ["photo.jpg", "gray.jpg"] {
            let want = try expected(name)
            let image = try ImageIO.read(TensorsFixture.path("images/" + name))
            XCTAssertEqual(image.shape, [1, 3, want.height, want.width], name)
            let ref = planar(want.rgb, width: want.width, height: want.height)
            var exact = 0
            for (got, r) in zip(image.scalars, ref) {
                XCTAssertEqual(got, r, accuracy: 1.0 / 255 + 1e-6, name)
                if got == r { exact += 1 }
            }
            print("\(name): \(exact) of \(ref.count) values identical to Pillow's")
            XCTAssertGreaterThan(exact, ref.count * 9 / 10, name)
        }
    }

    func testBrokenImagesThrowWithThePath() throws {
        for name in ["truncated.jpg", "truncated.png", "not_an_image.png", "missing.png"] {
            let path = TensorsFixture.path("images/" + name)
            XCTAssertThrowsError(try ImageIO.read(path), name) { error in
                guard case .file(let errorPath, let message)? = error as? TensorError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(errorPath, path)
                print("\(name): \(message)")
            }
        }
        // A JPEG cut anywhere, and a PNG cut anywhere: an error or a picture, never a crash.
        let dir = try TensorsFixture.scratchDirectory(self)
        for name in ["photo.jpg", "rgb.png"] {
            let bytes = try TensorsFixture.bytes(TensorsFixture.path("images/" + name))
            for cut in stride(from: 0, to: bytes.count, by: 7) {
                let path = dir + "/cut-" + name
                try TensorsFixture.write(Array(bytes.prefix(cut)), to: path)
                _ = try? ImageIO.read(path)
                var corrupted = bytes
                corrupted[cut] ^= 0x5A
                try TensorsFixture.write(corrupted, to: path)
                _ = try? ImageIO.read(path)
            }
        }
    }

    func testWriteThenReadRoundsLikeTorchvision() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        var rng = RandomGenerator(seed: 4)
        var values = rng.uniform(count: 3 * 4 * 5, lo: -0.2, hi: 1.2)
        values[0] = .nan
        values[1] = 0.5 / 255  // exactly half a step: rounds up, floor(x * 255 + 0.5)
        let image = try Tensor(shape: [1, 3, 4, 5], scalars: values)
        try ImageIO.writePNG(image, to: dir + "/out.png")
        let back = try ImageIO.read(dir + "/out.png")
        XCTAssertEqual(back.shape, [1, 3, 4, 5])
        let want = values.map { v -> Float in
            v.isNaN ? 0 : (min(max(v, 0), 1) * 255 + 0.5).rounded(.down) / 255
        }
        XCTAssertEqual(back.scalars, want)
        XCTAssertEqual(back.scalars[1], 1.0 / 255)
        // [3,H,W] works too, and the directory holds only the result (no temporary file left).
        try ImageIO.writePNG(try image.reshaped([3, 4, 5]), to: dir + "/out.png")
        XCTAssertEqual(try ImageIO.read(dir + "/out.png").scalars, want)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.png"])
    }

    func testWriteRefusesWrongShapesAndPaths() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        for shape in [[1, 1, 4, 4], [2, 3, 4, 4], [4, 4], [1, 3, 0, 4]] {
            XCTAssertThrowsError(try ImageIO.writePNG(Tensor.zeros(shape), to: dir + "/x.png"), "\(shape)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        // Missing folders are made (every atomic writer does, since 7d257f4); a folder that is a
        // file is refused, naming the path.
        try ImageIO.writePNG(Tensor.zeros([3, 2, 2]), to: dir + "/no/such/dir/x.png")
        XCTAssertEqual(try ImageIO.read(dir + "/no/such/dir/x.png").shape, [1, 3, 2, 2])
        XCTAssertThrowsError(try ImageIO.writePNG(Tensor.zeros([3, 2, 2]), to: dir + "/no/such/dir/x.png/y.png")) { error in
            XCTAssertTrue("\(error)".contains("x.png/y.png"), "\(error)")
        }
    }
}
