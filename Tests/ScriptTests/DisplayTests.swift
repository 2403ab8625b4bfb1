import Foundation
import Script
import Tensors
import XCTest

/// What the prompt shows after a value: nothing more for a picture already drawn, and docs
/// that list what a builtin returns.
final class DisplayTests: XCTestCase {
    static let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path

    func testAGridShownAsAPictureIsNotEchoedAgain() throws {
        let run = Run()
        let shown = try XCTUnwrap(try run("""
            a = zeros([1, 3, 4, 4])
            b = ones([1, 3, 4, 4])
            grid([a, b], labels: ["black", "white"])
            """))
        XCTAssertTrue(run.interpreter.wasShownAsPicture(shown), "the grid drawn is not echoed as numbers")
        XCTAssertTrue(run.printed.contains("black"), "the picture itself was drawn: \(run.printed)")
        let kept = try XCTUnwrap(try run("g = grid([a, b], show: false)\ng"))
        XCTAssertFalse(run.interpreter.wasShownAsPicture(kept), "not drawn: echoed")
        let changed = try XCTUnwrap(try run("grid([a, b]) * 1"))
        XCTAssertFalse(run.interpreter.wasShownAsPicture(changed), "a value computed from the picture is echoed")
        let again = try XCTUnwrap(try run("g"))
        XCTAssertFalse(run.interpreter.wasShownAsPicture(again), "each input starts afresh")
    }

    /// help("itm") names every field itm returns, in each of its three forms.
    func testItmDocNamesWhatItReturns() throws {
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            x = zeros([1, 3, 16, 16])
            y = ones([1, 3, 16, 16])
            one_image = keys(itm(m, x, ["a", "b"], samples: 1))
            one_caption = keys(itm(m, [x, y], "a", samples: 1))
            both = keys(itm(m, [x, y], ["a", "b"], samples: 1))
            """)
        let doc = try XCTUnwrap(run.interpreter.builtin(named: "itm")).doc
        let expected = [("one_image", ["scores", "best", "cond", "uncond", "timesteps"]),
                        ("one_caption", ["scores", "best", "cond", "uncond", "timesteps"]),
                        ("both", ["scores", "best_caption", "best_image", "cond", "uncond", "timesteps"])]
        for (name, fields) in expected {
            guard case .list(let keys)? = run.interpreter.variable(name) else { return XCTFail("\(name) is not a list") }
            XCTAssertEqual(keys.map { run.interpreter.printer.str($0) }, fields, name)
            for field in fields {
                XCTAssertNotNil(doc.range(of: "\\b\(field)\\b", options: .regularExpression), "help(\"itm\") does not mention \(field)")
            }
        }
    }
}
