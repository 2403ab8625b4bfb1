import XCTest
@testable import Benchmarks
import Tensors

/// gen_eval's checks and metrics on hand-built scenes: every expected number is counted by hand
/// from the scenes written here.
final class GenerationEvaluationTests: XCTestCase {
    let caption = "a red square to the left of a blue circle"
    var meaning: CaptionMeaning { CaptionMeaning.parse(caption) ?? .conjunction(NounPhrase(shape: .star), NounPhrase(shape: .star)) }

    func o(_ shape: Shape, _ color: ShapeColor, _ x: Double, _ y: Double, _ size: ShapeSize = .large) -> SceneObject {
        SceneObject(shape: shape, color: color, size: size, x: x, y: y)
    }

    func verdict(_ m: CaptionMeaning, _ objects: [SceneObject]?) -> [String: Bool] {
        let checks = GenerationChecks(m, objects: objects)
        var out: [String: Bool] = [:]
        for (k, v) in checks.passed { out[k.rawValue] = v }
        out["unparseable"] = checks.unparseable
        return out
    }

    func testCategoriesOnHandBuiltScenes() throws {
        let exact = [o(.square, .red, 0.3, 0.5), o(.circle, .blue, 0.7, 0.5)]
        XCTAssertEqual(verdict(meaning, exact), ["object": true, "colour": true, "binding": true, "relation": true,
                                                 "count": true, "all": true, "unparseable": false])
        // Colours on the wrong shapes: everything but binding.
        let swapped = [o(.square, .blue, 0.3, 0.5), o(.circle, .red, 0.7, 0.5)]
        XCTAssertEqual(verdict(meaning, swapped), ["object": true, "colour": true, "binding": false, "relation": true,
                                                   "count": true, "all": false, "unparseable": false])
        // The right objects in the wrong order.
        let mirrored = [o(.square, .red, 0.7, 0.5), o(.circle, .blue, 0.3, 0.5)]
        XCTAssertEqual(verdict(meaning, mirrored), ["object": true, "colour": true, "binding": true, "relation": false,
                                                    "count": true, "all": false, "unparseable": false])
        // A third object: only count fails.
        let crowded = exact + [o(.triangle, .green, 0.5, 0.15, .small)]
        XCTAssertEqual(verdict(meaning, crowded), ["object": true, "colour": true, "binding": true, "relation": true,
                                                   "count": false, "all": false, "unparseable": false])
        // A blue triangle instead of the circle: the colours are there, the circle is not.
        let wrongShape = [o(.square, .red, 0.3, 0.5), o(.triangle, .blue, 0.7, 0.5)]
        XCTAssertEqual(verdict(meaning, wrongShape), ["object": false, "colour": true, "binding": false, "relation": false,
                                                      "count": true, "all": false, "unparseable": false])
        // Diagonal placement (as far down as right): left of is only arguable, so it fails.
        let diagonal = [o(.square, .red, 0.25, 0.25), o(.circle, .blue, 0.7, 0.7)]
        XCTAssertEqual(verdict(meaning, diagonal)["relation"], false)
        // One object alone cannot be both named objects.
        XCTAssertEqual(verdict(meaning, [o(.square, .red, 0.5, 0.5)]),
                       ["object": false, "colour": false, "binding": false, "relation": false, "count": false, "all": false,
                        "unparseable": false])
        // Unparseable: every category fails.
        XCTAssertEqual(verdict(meaning, nil), ["object": false, "colour": false, "binding": false, "relation": false,
                                               "count": false, "all": false, "unparseable": true])
    }

    func testTwoObjectsOfOneShapeAndCaptionsWithoutRelation() throws {
        let squares = try XCTUnwrap(CaptionMeaning.parse("a red square above a blue square"))
        XCTAssertEqual(verdict(squares, [o(.square, .purple, 0.5, 0.3)])["object"], false)
        XCTAssertEqual(verdict(squares, [o(.square, .red, 0.5, 0.25), o(.square, .blue, 0.5, 0.75)]),
                       ["object": true, "colour": true, "binding": true, "relation": true, "count": true, "all": true,
                        "unparseable": false])
        // No relation in the caption: the category does not apply, and `all` does without it.
        let pair = try XCTUnwrap(CaptionMeaning.parse("the red square and the blue circle"))
        XCTAssertEqual(verdict(pair, [o(.square, .red, 0.7, 0.5), o(.circle, .blue, 0.3, 0.5)]),
                       ["object": true, "colour": true, "binding": true, "count": true, "all": true, "unparseable": false])
        XCTAssertEqual(GenerationChecks(pair, objects: nil).scoreRow, [0, 0, 0, -1, 0, 0, 1])
    }

    /// A generator that draws known scenes: what gen_eval measures is then counted by hand.
    func render(_ objects: [SceneObject]) throws -> Tensor {
        try ShapesWorldRenderer().render(ShapesScene(objects: objects), size: 32)
    }

    func testRunOverFakeGenerationsGivesHandCountedAccuracies() throws {
        let captions = [caption, "a green triangle above a yellow star", "the purple cross and the orange diamond"]
        // Caption 0: sample 0 exact, sample 1 colours swapped (binding and all fail).
        // Caption 1: sample 0 unparseable (grey noise), sample 1 exact.
        // Caption 2: sample 0 exact, sample 1 with a third object (count and all fail).
        let noise: Tensor = try {
            var rng = SeededGenerator(seed: 9)
            return try Tensor(shape: [1, 3, 32, 32], scalars: (0..<(3 * 32 * 32)).map { _ in Float(rng.uniform()) })
        }()
        let triangleAboveStar = [o(.triangle, .green, 0.5, 0.25), o(.star, .yellow, 0.5, 0.75)]
        let crossAndDiamond = [o(.cross, .purple, 0.3, 0.5), o(.diamond, .orange, 0.7, 0.5)]
        let scenes: [String: [Tensor]] = [
            captions[0]: [try render([o(.square, .red, 0.3, 0.5), o(.circle, .blue, 0.7, 0.5)]),
                          try render([o(.square, .blue, 0.3, 0.5), o(.circle, .red, 0.7, 0.5)])],
            captions[1]: [noise, try render(triangleAboveStar)],
            captions[2]: [try render(crossAndDiamond), try render(crossAndDiamond + [o(.circle, .red, 0.5, 0.2, .small)])],
        ]
        var evaluation = GenerationEvaluation(method: "fake", samplesPerCaption: 2, seed: 40)
        evaluation.bootstrap = BootstrapSettings(resamples: 200, seed: 1)
        var seen: [UInt64] = []
        var progress: [Int] = []
        let run = try evaluation.run(captions: captions, task: "hand", generate: { c, seed in
            seen.append(seed)
            return try XCTUnwrap(scenes[c]?[Int(seed - 40)])
        }, progress: { done, total in
            XCTAssertEqual(total, 6)
            progress.append(done)
        })
        XCTAssertEqual(seen, [40, 41, 40, 41, 40, 41])
        XCTAssertEqual(progress, [1, 2, 3, 4, 5, 6])
        let metrics = Dictionary(uniqueKeysWithValues: run.result.metrics.map { ($0.name, $0) })
        XCTAssertEqual(run.result.metrics.map(\.name), ["object", "colour", "binding", "relation", "count", "all", "unparseable"])
        // Six images; the unparseable one fails everything.
        XCTAssertEqual(metrics["object"]?.value, 5.0 / 6)
        XCTAssertEqual(metrics["colour"]?.value, 5.0 / 6)
        XCTAssertEqual(metrics["binding"]?.value, 4.0 / 6)
        XCTAssertEqual(metrics["count"]?.value, 4.0 / 6)
        XCTAssertEqual(metrics["all"]?.value, 3.0 / 6)
        XCTAssertEqual(metrics["unparseable"]?.value, 1.0 / 6)
        // Relation applies to the four images of the two relation captions: 3 of them pass.
        XCTAssertEqual(metrics["relation"]?.value, 3.0 / 4)
        XCTAssertEqual(metrics["relation"]?.count, 4)
        XCTAssertEqual(metrics["object"]?.count, 6)
        for m in run.result.metrics {
            XCTAssertLessThanOrEqual(m.low, m.value, m.name)
            XCTAssertGreaterThanOrEqual(m.high, m.value, m.name)
        }
        // Captions are resampled whole: each has exactly one of its two images passing `all`, so
        // every resample gives 1/2 and the interval collapses onto it; `count` (2/2, 1/2, 1/2) does not.
        XCTAssertEqual(metrics["all"]?.low, 0.5)
        XCTAssertEqual(metrics["all"]?.high, 0.5)
        XCTAssertLessThan(metrics["count"]?.low ?? 1, metrics["count"]?.high ?? 0)
        XCTAssertEqual(run.refusals, ["noisy": 1])
        XCTAssertEqual(run.records.map(\.sample), [0, 1, 0, 1, 0, 1])
        XCTAssertNil(run.records[2].objects)
        XCTAssertEqual(Set(run.records[3].objects?.map(\.shape) ?? []), [.triangle, .star])
        XCTAssertEqual(run.result.settings["samples_per_caption"], "2")
        // The same fake generations give the same result, bit for bit.
        let again = try evaluation.run(captions: captions, task: "hand", generate: { c, seed in try XCTUnwrap(scenes[c]?[Int(seed - 40)]) })
        XCTAssertEqual(again, run)
        // `table` shows it like any other result.
        let t = try table([run.result])
        XCTAssertEqual(t.rows.first?.first, "fake")
        let allColumn = try XCTUnwrap(t.header.firstIndex { $0.contains("hand") && $0.contains(" all") })
        XCTAssertEqual(t.rows.first?[allColumn], "50.0 [50.0, 50.0]")
    }

    func testNonShapesWorldCaptionsAreRefusedByName() {
        XCTAssertThrowsError(try GenerationEvaluation.meanings([caption, "a dog on a sofa"])) { e in
            XCTAssertTrue("\(e)".contains("caption 1 \"a dog on a sofa\""), "\(e)")
        }
        XCTAssertThrowsError(try GenerationEvaluation.meanings([]))
    }

    func testCaptionsOfDatasets() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 3))
        let wino = try world.dataset(.winoground, count: 2)
        guard case let .winoground(items) = wino.task else { return XCTFail("not winoground") }
        XCTAssertEqual(GenerationEvaluation.captions(of: wino), items.flatMap { [$0.caption0, $0.caption1] })
        let aro = try world.dataset(.vgRelation, count: 3)
        guard case let .aro(_, options) = aro.task else { return XCTFail("not aro") }
        XCTAssertEqual(GenerationEvaluation.captions(of: aro), options.map { $0.captions[$0.trueIndex] })
        XCTAssertNoThrow(try GenerationEvaluation.meanings(GenerationEvaluation.captions(of: try world.dataset(.retrieval, count: 5))))
    }
}
