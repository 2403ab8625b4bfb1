import Foundation
import Script
import Tensors
import XCTest

/// `errors` and `itm` from a script against the PyTorch re-implementation of diffusion-itm's
/// loop on the tiny pixel-space model: scripts/make_fixtures.py (scripts/fixtures/itm_losses.py;
/// torch 2.15.0, diffusers 0.42.1): two 16-pixel images, two captions, the grid of 10 timesteps
/// and one stored noise per timestep. Errors within 1e-4 of their scale, as the Matching tests.
final class ScoringBuiltinsTests: XCTestCase {
    static let fixtures = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures")

    func reference() throws -> (tensors: [String: Tensor], captions: [String]) {
        let (tensors, metadata) = try SafeTensors.load(Self.fixtures.appendingPathComponent("refs/pixel-tiny-itm.ref.safetensors").path)
        let settings = try JSONDecoder().decode([String: String].self, from: Data(try XCTUnwrap(metadata["fixture"]).utf8))
        let captions = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(settings["captions"]).utf8))
        return (tensors, captions)
    }

    func tensor(_ run: Run, _ expression: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        guard case .tensor(let t)? = try run(expression) else {
            XCTFail("\(expression) is not a tensor", file: file, line: line)
            throw CocoaError(.coderInvalidValue)
        }
        return t
    }

    func assertClose(_ a: [Float], _ b: [Float], scale: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(what): max difference \(worst)", file: file, line: line)
    }

    func testErrorsAndBothRetrievalDirectionsMatchTheReferenceLoop() throws {
        let (ref, captions) = try reference()
        let cond = try XCTUnwrap(ref["cond"]), uncond = try XCTUnwrap(ref["uncond"])
        let text = try XCTUnwrap(ref["text_scores"]), image = try XCTUnwrap(ref["image_scores"])   // [image][caption]
        let scale = cond.scalars.map(abs).max() ?? 1
        let run = Run()
        run.interpreter.setVariable("imgs", .tensor(try XCTUnwrap(ref["images"])))
        run.interpreter.setVariable("noise", .tensor(try XCTUnwrap(ref["noise"])))
        run.interpreter.setVariable("caps", .list(captions.map { .string($0) }))
        try run("""
            m = load("\(Self.fixtures.appendingPathComponent("models/pixel-tiny").path)")
            e = errors(m, imgs[0:1], caps, noise: noise)
            both = itm(m, imgs, caps, noise: noise)
            one = itm(m, imgs[1:2], caps, noise: noise)
            col = itm(m, imgs, caps[1], noise: noise)
            """)
        XCTAssertEqual(try tensor(run, "e.timesteps").scalars, ref["timesteps"]?.scalars)
        assertClose(try tensor(run, "e.cond").scalars, Array(cond.scalars[0..<20]), scale: scale, "errors cond")
        assertClose(try tensor(run, "e.uncond").scalars, Array(uncond.scalars[0..<10]), scale: scale, "errors uncond")
        assertClose(try tensor(run, "both.cond").scalars, cond.scalars, scale: scale, "itm cond [image, caption, t]")
        assertClose(try tensor(run, "both.uncond").scalars, uncond.scalars, scale: scale, "itm uncond [image, t]")
        // One image: its captions by text score; one caption: its images by image score.
        assertClose(try tensor(run, "one.scores").scalars, [text.scalars[2], text.scalars[3]], scale: scale, "text scores of image 1")
        assertClose(try tensor(run, "col.scores").scalars, [image.scalars[1], image.scalars[3]], scale: scale, "image scores of caption 1")
        // Several of both: scores[c][i] holds image scores.
        assertClose(try tensor(run, "both.scores").scalars, [image.scalars[0], image.scalars[2], image.scalars[1], image.scalars[3]],
                    scale: scale, "image score matrix [caption, image]")
        // The reference's text scores prefer caption 0 for both images by 0.014 and 0.016, far
        // beyond the tolerance; the image scores are too close to call, so best_image must agree
        // with the scores itm returned.
        XCTAssertEqual(run.interpreter.printer.repr(try XCTUnwrap(try run("both.best_caption"))), "[0, 0]")
        XCTAssertEqual(run.interpreter.printer.repr(try XCTUnwrap(try run("[argmax(both.scores[0]), argmax(both.scores[1])] == both.best_image"))), "true")
        XCTAssertEqual(run.interpreter.printer.repr(try XCTUnwrap(try run("argmax(one.scores) == one.best"))), "true")
    }

    func testImageRetrievalNeedsTheUnconditionalError() throws {
        let e = try XCTUnwrap(scriptError("""
            m = load("\(Self.fixtures.appendingPathComponent("models/pixel-tiny").path)")
            itm(m, [zeros(1, 3, 16, 16), ones(1, 3, 16, 16)], "a red square", samples: 2, uncond: false)
            """))
        XCTAssertTrue(e.message.contains("uncond: true"), e.message)
    }
}
