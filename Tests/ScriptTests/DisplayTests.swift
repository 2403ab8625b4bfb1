import Benchmarks
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

    /// A result echoes as what was scored, then a metric per row with its interval and n, in
    /// digits that tell its different numbers apart; inside a list it stays one line.
    func testAResultEchoesAsATableOfItsMetrics() throws {
        // Metric values set by hand: 0.50004 and 0.5 need five decimals to read differently.
        let items = [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]]),
                     ItemScores(index: 1, id: "1", scores: [[0.9, 0.7], [0.85, 0.8]])]
        var result = try EvaluationResult(method: "shapes-base+noneg", task: "shapes_winoground", protocol: .winoground, totalItems: 2,
                                          settings: ["samples": "4", "seed": "0"], bootstrap: BootstrapSettings(resamples: 1, seed: 0),
                                          items: items)
        result.metrics = [MetricValue(name: "text", value: 1, low: 1, high: 1, count: 2),
                          MetricValue(name: "image", value: 0.50004, low: 0.5, high: 0.75, count: 2)]
        let run = Run()
        run.interpreter.setVariable("r", .host(ResultValue(result)))
        let shown = run.interpreter.printer.display(try XCTUnwrap(run.interpreter.variable("r")))
        XCTAssertEqual(shown, """
            result shapes-base+noneg on shapes_winoground (2 items, samples 4, seed 0)
            metric    value  95% CI              n
            ------  -------  ------------------  -
            text    1.00000  [1.00000, 1.00000]  2
            image   0.50004  [0.50000, 0.75000]  2
            """)
        try run("s = str([r])")
        guard case .string(let inList)? = run.interpreter.variable("s") else { return XCTFail("str gives a string") }
        XCTAssertEqual(inList, "[\n  <result shapes-base+noneg on shapes_winoground: text 1.000 [1.000, 1.000], image 0.500 [0.500, 0.750]>,\n]",
                       "in a list, the one-line form (wider than 80 columns: one item per line)")
    }

    /// help(ds) says what the value is, the members `ds.` reaches, and the builtins whose
    /// signatures take a dataset, read from the registry.
    func testHelpOnAValueListsItsMembersAndTheBuiltinsThatTakeIt() throws {
        let run = Run()
        try run("""
            ds = shapes_world("winoground", count: 2)
            help(ds)
            """)
        let lines = run.printed.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "dataset: <dataset shapes_winoground: winoground, 2 items>")
        XCTAssertEqual(lines.dropFirst().first, "  members: name task count")
        let takers = try XCTUnwrap(lines.first { $0.hasPrefix("  taken by: ") }).dropFirst(12).split(separator: " ").map(String.init)
        XCTAssertTrue(takers.contains("evaluate") && takers.contains("item"), "\(takers)")
        for name in takers {
            let b = try XCTUnwrap(run.interpreter.builtin(named: name))
            XCTAssertTrue(b.parameters.contains { $0.type.name.contains("dataset") && !$0.type.name.contains("model, dataset or result") },
                          "\(name) does not declare a dataset parameter: \(b.signature)")
        }
        XCTAssertFalse(takers.contains("print"), "a builtin that takes anything is not listed")
    }
}
