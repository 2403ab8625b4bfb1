import XCTest
@testable import Benchmarks
import Tensors

/// The editing task's items, edit_eval's checks on hand-built scenes, and its metrics with
/// editors whose outcome is known in advance.
final class EditEvaluationTests: XCTestCase {
    func o(_ shape: Shape, _ color: ShapeColor, _ x: Double, _ y: Double) -> SceneObject {
        SceneObject(shape: shape, color: color, size: .large, x: x, y: y)
    }

    func caption(_ text: String) throws -> ShapesCaption {
        ShapesCaption(meaning: try XCTUnwrap(CaptionMeaning.parse(text)))
    }

    // MARK: Items

    func testItemsAreOneEditAwayAndDeterministic() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 4))
        let items = try world.editingItems(count: 60)
        XCTAssertEqual(items, try ShapesWorld(ShapesWorldConfig(seed: 4)).editingItems(count: 60))
        XCTAssertNotEqual(items, try ShapesWorld(ShapesWorldConfig(seed: 5)).editingItems(count: 60))
        for (k, item) in items.enumerated() {
            XCTAssertEqual(item.kind, EditKind.allCases[k % 3])
            XCTAssertEqual(item.target.truth(of: item.targetCaption.meaning), .isTrue)
            XCTAssertEqual(item.source.truth(of: item.targetCaption.meaning), .isFalse)
            XCTAssertEqual(item.target.truth(of: item.sourceCaption.meaning), .isFalse)
            XCTAssertEqual(item.source.truth(of: item.sourceCaption.meaning), .isTrue)
            XCTAssertTrue(item.target.isValid)
            XCTAssertEqual(CaptionMeaning.parse(item.targetCaption.text), item.targetCaption.meaning)
            XCTAssertFalse(item.targetCaption.text.contains("small") || item.targetCaption.text.contains("large"))
            let before = item.source.objects, after = item.target.objects
            XCTAssertEqual(before.count, after.count)
            let changed = before.indices.filter { before[$0] != after[$0] }
            let s = item.subject, t = item.object
            switch item.kind {
            case .colourChange:
                XCTAssertEqual(changed.count, 1)
                let i = try XCTUnwrap(changed.first)
                XCTAssertTrue(i == s || i == t)
                XCTAssertFalse(before.contains { $0.color == after[i].color }, "the new colour is one the scene lacks")
                XCTAssertEqual(after[i].shape, before[i].shape)
                XCTAssertEqual(after[i].x, before[i].x)
            case .colourSwap:
                XCTAssertEqual(Set(changed), [s, t])
                XCTAssertEqual(after[s].color, before[t].color)
                XCTAssertEqual(after[t].color, before[s].color)
                XCTAssertEqual(after[s].x, before[s].x)
            case .relationSwap:
                XCTAssertEqual(Set(changed), [s, t])
                XCTAssertEqual(after[s].x, before[t].x)
                XCTAssertEqual(after[t].y, before[s].y)
                XCTAssertEqual(after[s].color, before[s].color)
            }
        }
        // Prefix-stable, like every ShapesWorld task.
        XCTAssertEqual(try world.editingItem(index: 17), items[17])
    }

    // MARK: Checks on hand-built scenes

    /// "a red square left of a blue circle" with a green triangle above: the source of every case.
    let source = ShapesScene(objects: [
        SceneObject(shape: .square, color: .red, size: .large, x: 0.3, y: 0.6),
        SceneObject(shape: .circle, color: .blue, size: .large, x: 0.7, y: 0.6),
        SceneObject(shape: .triangle, color: .green, size: .small, x: 0.5, y: 0.2),
    ])

    func item(_ kind: EditKind, target: [SceneObject], caption text: String) throws -> EditingItem {
        EditingItem(id: kind.rawValue, kind: kind, source: source, sourceCaption: try caption("a red square to the left of a blue circle"),
                    target: ShapesScene(objects: target), targetCaption: try caption(text), subject: 0, object: 1)
    }

    func verdict(_ item: EditingItem, _ objects: [SceneObject]?) -> [Bool] {
        let c = EditChecks(item, objects: objects, tolerance: 0.05)
        return [c.success, c.preservation, c.unparseable]
    }

    func testColourChangeChecks() throws {
        let triangle = source.objects[2]
        let target = [o(.square, .yellow, 0.3, 0.6), o(.circle, .blue, 0.7, 0.6), triangle]
        let edit = try item(.colourChange, target: target, caption: "a yellow square to the left of a blue circle")
        XCTAssertEqual(verdict(edit, target), [true, true, false])
        // Nothing changed: no success, but nothing lost either (the square may change colour only).
        XCTAssertEqual(verdict(edit, source.objects), [false, true, false])
        // Edited, but the untouched triangle drifted 0.1: preservation fails.
        var drifted = target
        drifted[2].x += 0.1
        XCTAssertEqual(verdict(edit, drifted), [true, false, false])
        // Drifting within the tolerance (0.04 < 0.05) is kept.
        drifted[2].x = triangle.x + 0.04
        XCTAssertEqual(verdict(edit, drifted), [true, true, false])
        // A yellow square drawn next to the red one: the source caption is still true, so no success.
        let both = target + [o(.square, .red, 0.15, 0.85)]
        XCTAssertEqual(verdict(edit, both), [false, true, false])
        // The circle turned green instead of the square yellow: neither.
        let wrong = [o(.square, .red, 0.3, 0.6), o(.circle, .green, 0.7, 0.6), triangle]
        XCTAssertEqual(verdict(edit, wrong), [false, false, false])
        // The triangle vanished: the edit succeeded but did not preserve.
        XCTAssertEqual(verdict(edit, Array(target.prefix(2))), [true, false, false])
        XCTAssertEqual(verdict(edit, nil), [false, false, true])
    }

    func testColourSwapChecks() throws {
        let triangle = source.objects[2]
        let target = [o(.square, .blue, 0.3, 0.6), o(.circle, .red, 0.7, 0.6), triangle]
        let edit = try item(.colourSwap, target: target, caption: "a blue square to the left of a red circle")
        XCTAssertEqual(verdict(edit, target), [true, true, false])
        // The objects exchanged places instead of colours: the caption is false and the shapes moved.
        let moved = [o(.circle, .blue, 0.3, 0.6), o(.square, .red, 0.7, 0.6), triangle]
        XCTAssertEqual(verdict(edit, moved), [false, false, false])
    }

    func testRelationSwapChecks() throws {
        let triangle = source.objects[2]
        let target = [o(.square, .red, 0.7, 0.6), o(.circle, .blue, 0.3, 0.6), triangle]
        let edit = try item(.relationSwap, target: target, caption: "a blue circle to the left of a red square")
        XCTAssertEqual(verdict(edit, target), [true, true, false])
        // Colours swapped in place instead: a blue square and a red circle, neither caption true.
        let recoloured = [o(.square, .blue, 0.3, 0.6), o(.circle, .red, 0.7, 0.6), triangle]
        XCTAssertEqual(verdict(edit, recoloured), [false, false, false])
        // Swapped, with the pair also shifted down 0.1: moved objects keep no position, so still preserved.
        let shifted = [o(.square, .red, 0.7, 0.7), o(.circle, .blue, 0.3, 0.7), triangle]
        XCTAssertEqual(verdict(edit, shifted), [true, true, false])
    }

    // MARK: Metrics

    func testMetricsPerKindFromHandBuiltRows() throws {
        // Six edits, two per kind: rows [success, preservation, unparseable].
        let rows: [(EditKind, [Double])] = [
            (.colourChange, [1, 1, 0]), (.colourSwap, [0, 1, 0]), (.relationSwap, [1, 0, 0]),
            (.colourChange, [0, 0, 1]), (.colourSwap, [1, 1, 0]), (.relationSwap, [1, 1, 0]),
        ]
        let items = rows.enumerated().map { k, r in ItemScores(index: k, id: String(k), scores: [r.1], group: r.0.rawValue) }
        let result = try EvaluationResult(method: "hand", task: "shapes_editing", protocol: .editing, totalItems: 6,
                                          bootstrap: BootstrapSettings(resamples: 300, seed: 2), items: items)
        let m = Dictionary(uniqueKeysWithValues: result.metrics.map { ($0.name, $0.value) })
        XCTAssertEqual(m, ["success": 4.0 / 6, "preservation": 4.0 / 6, "unparseable": 1.0 / 6,
                           "success_colour_change": 0.5, "preservation_colour_change": 0.5,
                           "success_colour_swap": 0.5, "preservation_colour_swap": 1,
                           "success_relation_swap": 1, "preservation_relation_swap": 0.5])
        XCTAssertEqual(result.metric("success_colour_swap")?.count, 2)
        // Relation swaps all succeed, so every resample does: the interval is [1, 1].
        XCTAssertEqual(result.metric("success_relation_swap")?.low, 1)
        XCTAssertEqual(result.metric("success_relation_swap")?.high, 1)
        XCTAssertLessThan(result.metric("success")?.low ?? 1, result.metric("success")?.high ?? 0)
        // A malformed row is refused with the item named.
        let bad = [ItemScores(index: 0, id: "x", scores: [[1, 1]], group: "colour_change")]
        XCTAssertThrowsError(try EvaluationResult(method: "hand", task: "t", protocol: .editing, totalItems: 1, items: bad))
    }

    func testRunWithEditorsOfKnownOutcome() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 8))
        let items = try world.editingItems(count: 9)
        let renderer = ShapesWorldRenderer()
        var evaluation = EditEvaluation(method: "oracle", seed: 100)
        evaluation.bootstrap = BootstrapSettings(resamples: 200, seed: 0)
        // Even items: the editor draws the target exactly; odd items: it returns the source untouched.
        var seeds: [UInt64] = []
        let run = try evaluation.run(items, task: "shapes_editing", edit: { image, caption, seed in
            seeds.append(seed)
            let k = Int(seed - 100)
            XCTAssertEqual(caption, items[k].targetCaption.text)
            XCTAssertEqual(image.scalars, try renderer.render(items[k].source, size: 32).scalars)
            return k % 2 == 0 ? try renderer.render(items[k].target, size: 32) : image
        })
        XCTAssertEqual(seeds, (100...108).map { UInt64($0) })
        // Kinds cycle colour_change, colour_swap, relation_swap; even items succeed: 0, 2, 4, 6, 8.
        let m = Dictionary(uniqueKeysWithValues: run.result.metrics.map { ($0.name, $0.value) })
        XCTAssertEqual(m["success"], 5.0 / 9)
        XCTAssertEqual(m["preservation"], 1)
        XCTAssertEqual(m["unparseable"], 0)
        XCTAssertEqual(m["success_colour_change"], 2.0 / 3)    // items 0, 6 of 0, 3, 6
        XCTAssertEqual(m["success_colour_swap"], 1.0 / 3)      // item 4 of 1, 4, 7
        XCTAssertEqual(m["success_relation_swap"], 2.0 / 3)    // items 2, 8 of 2, 5, 8
        XCTAssertEqual(run.records.map(\.checks.success), (0..<9).map { $0 % 2 == 0 })
        XCTAssertEqual(run.records.map(\.kind), (0..<9).map { EditKind.allCases[$0 % 3] })
        // An editor that returns grey noise: everything unparseable, nothing succeeds or is kept.
        var rng = SeededGenerator(seed: 1)
        let noise = try Tensor(shape: [1, 3, 32, 32], scalars: (0..<(3 * 32 * 32)).map { _ in Float(rng.uniform()) })
        let broken = try evaluation.run(items, task: "shapes_editing", edit: { _, _, _ in noise })
        XCTAssertEqual(broken.result.metrics.first { $0.name == "unparseable" }?.value, 1)
        XCTAssertEqual(broken.result.metrics.first { $0.name == "success" }?.value, 0)
        XCTAssertEqual(broken.refusals, ["noisy": 9])
        XCTAssertThrowsError(try evaluation.run([], task: "none", edit: { i, _, _ in i }))
    }
}
