import Benchmarks
import Diffusion
import Foundation
import Script
import Tensors
import XCTest

/// parse_scene, gen_eval and edit_eval from a script: the arguments reach Benchmarks, results
/// come back readable, errors name what is wrong. The checker and the metrics themselves are
/// tested in BenchmarksTests (SceneParserTests, GenerationEvaluationTests, EditEvaluationTests).
final class SceneBuiltinsTests: XCTestCase {
    func value(_ run: Run, _ name: String) throws -> Value {
        try XCTUnwrap(run.interpreter.variable(name), "no variable \(name)")
    }

    func number(_ run: Run, _ expression: String) throws -> Double {
        guard case .number(let d)? = try run(expression) else {
            XCTFail("\(expression) is not a number")
            return .nan
        }
        return d
    }

    func testParseSceneReadsARenderedItemAndRefusesNoise() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 3, imageSize: 32))
        let truth = try world.winogroundItem(index: 0)
        guard case let .scene(scene) = truth.image0 else { return XCTFail("not a scene") }
        let run = Run()
        try run("""
            it = item(shapes_world("winoground", count: 1, seed: 3), 0)
            s = parse_scene(it.image_0)
            n = len(s)
            first = s[0]
            """)
        XCTAssertEqual(try number(run, "n"), Double(scene.objects.count))
        let sorted = scene.objects.sorted { $0.x < $1.x }
        XCTAssertEqual(try number(run, "first.x"), sorted[0].x, accuracy: 0.01)
        XCTAssertEqual(try number(run, "first.y"), sorted[0].y, accuracy: 0.01)
        guard case .string(let shape)? = try run("first.shape"), case .string(let colour)? = try run("first.colour"),
              case .string(let size)? = try run("first.size") else {
            return XCTFail("shape, colour and size are strings")
        }
        XCTAssertEqual(shape, sorted[0].shape.rawValue)
        XCTAssertEqual(colour, sorted[0].color.rawValue)
        XCTAssertEqual(size, sorted[0].size.rawValue)
        // Grainy grey: refused, and the error says why.
        let e = try XCTUnwrap(scriptError("parse_scene(0.5 + 0.1 * randn(1, 3, 32, 32, seed: 1))"))
        XCTAssertTrue(e.message.contains("parse_scene: unparseable: the image is noisy"), e.message)
        let bad = try XCTUnwrap(scriptError("parse_scene(zeros([1, 1, 32, 32]))"))
        XCTAssertTrue(bad.message.contains("expected one RGB image"), bad.message)
    }

    func testGenEvalWithAFunctionDrawingKnownScenes() throws {
        // The editing task's targets are known scenes with known captions: a "generator" that
        // draws them passes every category except count where the scene has a third object.
        let world = try ShapesWorld(ShapesWorldConfig(seed: 2))
        let items = try world.editingItems(count: 3)
        let twoObjects = Double(items.filter { $0.target.objects.count == 2 }.count)
        let run = Run()
        try run("""
            ed = shapes_world("editing", count: 3, seed: 2)
            caps = [item(ed, 0).target_caption, item(ed, 1).target_caption, item(ed, 2).target_caption]
            fn draw(c, seed) {
                for i in range(3) { if item(ed, i).target_caption == c { return item(ed, i).target_image } }
            }
            r = gen_eval(draw, caps, samples_per_caption: 2, seed: 5, resamples: 100)
            t = table(r).markdown
            """)
        XCTAssertEqual(try number(run, "r.object.value"), 1)
        XCTAssertEqual(try number(run, "r.binding.value"), 1)
        XCTAssertEqual(try number(run, "r.relation.value"), 1)
        XCTAssertEqual(try number(run, "r.unparseable.value"), 0)
        XCTAssertEqual(try number(run, "r.count.value"), twoObjects / 3)
        XCTAssertEqual(try number(run, "r.object.n"), 6)
        XCTAssertEqual(try number(run, "len(r.records)"), 6)
        XCTAssertEqual(try number(run, "r.records[1].seed"), 6)
        guard case .string(let c)? = try run("r.records[2].caption"), case .bool(let u)? = try run("r.records[2].unparseable"),
              case .none? = try run("r.records[2].refusal") else {
            return XCTFail("records hold caption, unparseable and refusal")
        }
        XCTAssertEqual(c, items[1].targetCaption.text)
        XCTAssertFalse(u)
        guard case .string(let t)? = try run("t") else { return XCTFail("table gives a string") }
        XCTAssertTrue(t.contains("| draw |"), t)
        XCTAssertTrue(t.contains("captions object"), t)
    }

    func testGenEvalWithAFunctionThatSwapsTheColours() throws {
        // A colour-swap item's source is its target with the two colours exchanged: drawn for the
        // target caption, both objects and both colours are there, on the wrong shapes, in place.
        let run = Run()
        try run("""
            ed = shapes_world("editing", count: 12, seed: 2)
            swaps = []
            caps = []
            for i in range(12) {
                if item(ed, i).kind == "colour_swap" {
                    swaps = swaps + [i]
                    caps = caps + [item(ed, i).target_caption]
                }
            }
            fn draw(c, seed) {
                for i in swaps { if item(ed, i).target_caption == c { return item(ed, i).image } }
            }
            r = gen_eval(draw, caps, resamples: 100)
            """)
        XCTAssertGreaterThanOrEqual(try number(run, "len(caps)"), 2)
        XCTAssertEqual(try number(run, "r.object.value"), 1)
        XCTAssertEqual(try number(run, "r.colour.value"), 1)
        XCTAssertEqual(try number(run, "r.relation.value"), 1)
        XCTAssertEqual(try number(run, "r.binding.value"), 0)
        XCTAssertEqual(try number(run, "r.binding.high"), 0)
        XCTAssertEqual(try number(run, "r.all.value"), 0)
        XCTAssertEqual(try number(run, "r.unparseable.value"), 0)
    }

    func testGenEvalArgumentErrors() throws {
        let notShapes = try XCTUnwrap(scriptError("""
            fn draw(c, seed) = zeros([1, 3, 32, 32]) + 0.5
            gen_eval(draw, ["a red square above a blue circle", "a dog"])
            """))
        XCTAssertTrue(notShapes.message.contains("caption 1 \"a dog\" is not a ShapesWorld caption"), notShapes.message)
        let modelOnly = try XCTUnwrap(scriptError("""
            fn draw(c, seed) = zeros([1, 3, 32, 32]) + 0.5
            gen_eval(draw, "a red square above a blue circle", guidance: 3)
            """))
        XCTAssertTrue(modelOnly.message.contains("'guidance' applies to a model"), modelOnly.message)
        let notImage = try XCTUnwrap(scriptError("""
            fn draw(c, seed) = "a picture"
            gen_eval(draw, "a red square above a blue circle")
            """))
        XCTAssertTrue(notImage.message.contains("must return an image"), notImage.message)
    }

    func testGenEvalRunsTheModelAsGenerateDoes() throws {
        let folder = packageRoot.appendingPathComponent("examples/models/shapes-base").path
        guard FileManager.default.fileExists(atPath: folder + "/model_index.json") else {
            throw XCTSkip("the bundled default model is not committed")
        }
        let captions = ["a red square to the left of a blue circle", "a green triangle above a yellow star"]
        let run = Run()
        try run("""
            m = load("\(folder)")
            r = gen_eval(m, ["\(captions[0])", "\(captions[1])"], steps: 3, guidance: 3, seed: 7, scheduler: "euler", resamples: 50)
            """)
        // Each record is what parse_scene makes of generate's image with the record's seed.
        let model = try StableDiffusion.load(from: folder)
        for (k, caption) in captions.enumerated() {
            let image = try model.generate([caption], steps: 3, guidance: 3, seed: 7, scheduler: .euler)
            let (objects, refusal) = SceneParser().read(image)
            let recorded = try run("r.records[\(k)]")
            guard case .record(let r)? = recorded else { return XCTFail("record \(k)") }
            if let refusal {
                guard case .string(let reason)? = r["refusal"] else { return XCTFail("record \(k) has no refusal") }
                XCTAssertEqual(reason, refusal.reason)
            } else {
                guard case .list(let parsed)? = r["objects"] else { return XCTFail("record \(k) has no objects") }
                XCTAssertEqual(parsed.count, objects?.count)
            }
        }
        XCTAssertEqual(try number(run, "len(r.records)"), 2)
        let badScheduler = try XCTUnwrap(scriptError("gen_eval(load(\"\(folder)\"), \"\(captions[0])\", steps: 2, scheduler: \"eulr\")"))
        XCTAssertTrue(badScheduler.message.contains("scheduler must be one of"), badScheduler.message)
    }

    func testEditEvalRunsTheModelAsEditDoes() throws {
        let folder = packageRoot.appendingPathComponent("examples/models/shapes-base").path
        guard FileManager.default.fileExists(atPath: folder + "/model_index.json") else {
            throw XCTSkip("the bundled default model is not committed")
        }
        let run = Run()
        try run("""
            m = load("\(folder)")
            ed = shapes_world("editing", count: 2, seed: 4)
            r = edit_eval(m, ed, strength: 0.5, steps: 4, guidance: 3, seed: 11, resamples: 50)
            """)
        let model = try StableDiffusion.load(from: folder)
        let items = try ShapesWorld(ShapesWorldConfig(seed: 4)).editingItems(count: 2)
        for (k, item) in items.enumerated() {
            let source = try ShapesWorldRenderer().render(item.source, size: 32)
            let edited = try model.edit(source, prompts: [item.targetCaption.text], strength: 0.5, steps: 4, guidance: 3,
                                        seed: 11 + UInt64(k))
            let (objects, refusal) = SceneParser().read(edited)
            let checks = EditChecks(item, objects: objects, tolerance: 0.05)
            guard case .record(let r)? = try run("r.records[\(k)]") else { return XCTFail("record \(k)") }
            guard case .bool(let success)? = r["success"], case .bool(let kept)? = r["preservation"] else {
                return XCTFail("record \(k) lacks success or preservation")
            }
            XCTAssertEqual(success, checks.success)
            XCTAssertEqual(kept, checks.preservation)
            if let refusal {
                guard case .string(let reason)? = r["refusal"] else { return XCTFail("record \(k) has no refusal") }
                XCTAssertEqual(reason, refusal.reason)
            }
        }
        guard case .string(let method)? = try run("r.method") else { return XCTFail("method") }
        XCTAssertTrue(method.contains("shapes-base"), method)
    }

    func testEditEvalWithOracleAndIdentityEditors() throws {
        let run = Run()
        try run("""
            ed = shapes_world("editing", count: 6, seed: 1)
            fn oracle(img, caption, seed) = item(ed, seed).target_image
            fn same(img, caption, seed) = img
            good = edit_eval(oracle, ed, resamples: 100)
            idle = edit_eval(same, ed, resamples: 100)
            """)
        XCTAssertEqual(try number(run, "good.success.value"), 1)
        XCTAssertEqual(try number(run, "good.preservation.value"), 1)
        XCTAssertEqual(try number(run, "good.success_relation_swap.value"), 1)
        XCTAssertEqual(try number(run, "idle.success.value"), 0)
        XCTAssertEqual(try number(run, "idle.preservation.value"), 1)
        XCTAssertEqual(try number(run, "len(idle.records)"), 6)
        guard case .string(let kind)? = try run("idle.records[2].kind") else { return XCTFail("records carry the edit kind") }
        XCTAssertEqual(kind, "relation_swap")
        let wrongTask = try XCTUnwrap(scriptError("""
            fn same(img, caption, seed) = img
            edit_eval(same, shapes_world("winoground", count: 2))
            """))
        XCTAssertTrue(wrongTask.message.contains("is not an editing task"), wrongTask.message)
        let strength = try XCTUnwrap(scriptError("""
            fn same(img, caption, seed) = img
            edit_eval(same, shapes_world("editing", count: 2), strength: 0.8)
            """))
        XCTAssertTrue(strength.message.contains("'strength' applies to a model"), strength.message)
        let noOut = try XCTUnwrap(scriptError(#"shapes_world("editing", count: 2, out: "x")"#))
        XCTAssertTrue(noOut.message.contains("no published file format"), noOut.message)
    }
}
