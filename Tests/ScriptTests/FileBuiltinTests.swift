import Foundation
import XCTest
import Script
import Tensors

/// randn, safetensors and image builtins, checked against the Tensors functions they bind
/// and against values written by hand.
final class FileBuiltinTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-files-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testRandnIsSeededAndTheSessionStreamRestartsOnReset() throws {
        let run = Run()
        guard case .tensor(let a)? = try run("randn(2, 3, seed: 7)") else { return XCTFail("not a tensor") }
        XCTAssertEqual(a.scalars, try Tensor.randn([2, 3], seed: 7).scalars)
        guard case .tensor(let first)? = try run("randn(4)"), case .tensor(let second)? = try run("randn(4)") else { return XCTFail() }
        XCTAssertNotEqual(first.scalars, second.scalars)
        run.interpreter.reset()
        guard case .tensor(let again)? = try run("randn(4)") else { return XCTFail() }
        XCTAssertEqual(again.scalars, first.scalars)
    }

    func testSaveThenLoadTensorsIsExact() throws {
        let path = dir.appendingPathComponent("w.safetensors").path
        let run = Run()
        try run("w = randn(3, 4, seed: 1)\nsave_tensors(\"\(path)\", {w: w, b: [0.5, -1], s: 2})\nr = load_tensors(\"\(path)\")")
        XCTAssertEqual(try run("[keys(r), all(r.w == w), all(r.b == tensor([0.5, -1])), shape(r.s)]").map { run.interpreter.printer.repr($0) },
                       "[[\"b\", \"s\", \"w\"], true, true, []]")
        // The file is a plain safetensors file the Tensors reader agrees with.
        let loaded = try SafeTensors.load(path).tensors
        XCTAssertEqual(loaded["w"]?.scalars, try Tensor.randn([3, 4], seed: 1).scalars)
        XCTAssertTrue(scriptError("save_tensors(\"\(path)\", {bad: \"text\"})")?.message.contains("field 'bad' is a string") ?? false)
    }

    func testImagesRoundTripWithinOneStepOfEightBits() throws {
        let path = dir.appendingPathComponent("i.png").path
        let run = Run()
        try run("img = reshape(arange(24) / 23, 1, 3, 2, 4)\nsave_image(img, \"\(path)\")\nback = image(\"\(path)\")")
        XCTAssertEqual(try run("[back.shape, max(abs(back - img)) <= 0.5 / 255]").map { run.interpreter.printer.repr($0) }, "[[1, 3, 2, 4], true]")
        // Bilinear resize of a constant image is that constant; of a 2-pixel ramp, the half-pixel
        // interpolation torch computes: [0, 0.25, 0.75, 1] (align_corners=False).
        try run("save_image(ones(1, 3, 2, 2) * 0.6, \"\(path)\")")
        XCTAssertEqual(try run("max(abs(image(\"\(path)\", size: [3, 5]) - 153 / 255)) < 1e-6").map { run.interpreter.printer.repr($0) }, "true")
        try run("save_image(reshape(tensor([0, 1, 0, 1, 0, 1]), 1, 3, 1, 2), \"\(path)\")")
        XCTAssertEqual(try run("image(\"\(path)\", size: [1, 4])[0, 0, 0]").map { run.interpreter.printer.display($0) }, "tensor [4] [0.00, 0.25, 0.75, 1.00]")
        XCTAssertTrue(scriptError("save_image(zeros(2, 2), \"\(path)\")")?.message.contains("[1,3,H,W] or [3,H,W]") ?? false)
    }
}
