import Benchmarks
import Foundation
import Script
import Tensors
import XCTest

/// The benchmark builtins from a script: dataset on the reader fixtures (scripts/make_benchmark_fixtures.py,
/// Pillow 13.0.0), shapes_world and item, negatives worked by hand, and evaluate's per-item scores
/// against itm's on the same item (the one retrieval API), on the tiny pixel-space model.
final class BenchmarkBuiltinsTests: XCTestCase {
    static let readers = packageRoot.appendingPathComponent("Tests/BenchmarksTests/Fixtures/readers").path
    static let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path

    func repr(_ run: Run, _ expression: String) throws -> String {
        try run(expression).map { run.interpreter.printer.repr($0) } ?? "<no value>"
    }

    func testDatasetReadsEachFormatItNames() throws {
        let run = Run()
        try run("""
            w = dataset("\(Self.readers)/winoground", format: "winoground")
            n = dataset("\(Self.readers)/negclip", format: "negclip")
            c = dataset("\(Self.readers)/imagecode", format: "imagecode")
            """)
        XCTAssertEqual(try repr(run, "[w.name, w.task, w.count]"), #"["winoground", "winoground", 2]"#)
        XCTAssertEqual(try repr(run, "item(w, 1).caption_1"), #""the cat is on the left of the dog""#)
        XCTAssertEqual(try repr(run, "n.task"), #""training""#)
        XCTAssertEqual(try repr(run, "item(n, 0).caption"), #""A child holding a flowered umbrella.""#)
        XCTAssertEqual(try repr(run, "item(n, 0).neg_caption"), #""A umbrella holding a flowered child .""#)
        // item(size:) resizes as evaluate does: PIL's Lanczos within two 8-bit levels.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.readers + "/imagecode_img3_pil_16x16.rgb")))
        var planes = [Float](repeating: 0, count: 3 * 256)
        for p in 0..<256 { for ch in 0..<3 { planes[ch * 256 + p] = Float(bytes[3 * p + ch]) / 255 } }
        guard case .tensor(let got)? = try run("item(c, 0, size: 16).images[3]") else { return XCTFail("not a tensor") }
        XCTAssertEqual(got.shape, [1, 3, 16, 16])
        XCTAssertLessThanOrEqual(zip(got.scalars, planes).map { abs($0 - $1) }.max() ?? 1, 2 / 255)
    }

    func testShapesWorldItemsAreSeededAndShapedAsTheirTask() throws {
        let run = Run()
        try run("""
            a = shapes_world("winoground", count: 3, seed: 4, size: 16)
            b = shapes_world("winoground", count: 3, seed: 4, size: 16)
            p = shapes_world("swap_relation", count: 2, seed: 4, size: 16)
            """)
        XCTAssertEqual(try repr(run, "[a.name, a.task, a.count]"), #"["shapes_winoground", "winoground", 3]"#)
        XCTAssertEqual(try repr(run, "[item(a, 2).caption_0 == item(b, 2).caption_0, max(abs(item(a, 2).image_1 - item(b, 2).image_1))]"), "[true, 0]")
        // item renders a scene at its size: (else 32, as evaluate does without a model size); the
        // world's size: is the size of the files out: writes.
        XCTAssertEqual(try repr(run, "[item(a, 0).caption_0 != item(a, 0).caption_1, shape(item(a, 0, size: 16).image_0), shape(item(a, 0).image_0)]"),
                       "[true, [1, 3, 16, 16], [1, 3, 32, 32]]")
        // A probe: the swapped caption first, the true one second, as ARO orders its pairs.
        XCTAssertEqual(try repr(run, "[p.task, item(p, 0).true_index, len(item(p, 0).captions)]"), #"["vg_attribution", 1, 2]"#)
    }

    func testNegativesAreTheSwapsWorkedByHand() throws {
        let run = Run()
        let caption = "a red square to the left of a blue circle"
        XCTAssertEqual(try repr(run, "negatives(\"\(caption)\")"), #"["a blue circle to the left of a red square"]"#)
        XCTAssertEqual(try repr(run, "negatives(\"\(caption)\", kind: \"swap_attributes\")"), #"["a blue square to the left of a red circle"]"#)
        // Shuffles are seeded: the same seed gives the same words, reordered.
        try run("s = negatives(\"\(caption)\", kind: \"shuffle_trigrams\", count: 2, seed: 3)")
        XCTAssertEqual(try repr(run, "s == negatives(\"\(caption)\", kind: \"shuffle_trigrams\", count: 2, seed: 3)"), "true")
        XCTAssertEqual(try repr(run, "len(s)"), "2")
    }

    /// evaluate's stored scores are itm's on the same item with the same settings: image scores
    /// for Winoground's matrix, text scores for ARO's captions.
    func testEvaluateScoresAreItmsScores() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-eval-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            w = shapes_world("winoground", count: 2, seed: 6, size: 16)
            v = shapes_world("vg_relation", count: 2, seed: 6, size: 16)
            rw = evaluate(m, w, samples: 3, size: 16, resamples: 20, out: "\(dir.path)/w")
            rv = evaluate(m, v, samples: 3, size: 16, resamples: 20, out: "\(dir.path)/v")
            it = item(w, 1, size: 16)
            sw = itm(m, [it.image_0, it.image_1], [it.caption_0, it.caption_1], samples: 3)
            iv = item(v, 0, size: 16)
            sv = itm(m, iv.image, iv.captions, samples: 3)
            """)
        let w = try EvaluationResult.read(dir.path + "/w.json"), v = try EvaluationResult.read(dir.path + "/v.json")
        guard case .tensor(let sw)? = try run("sw.scores"), case .tensor(let sv)? = try run("sv.scores") else { return XCTFail("scores") }
        XCTAssertEqual(w.items[1].scores.flatMap { $0 }.map(Float.init), sw.scalars)
        XCTAssertEqual(v.items[0].scores.flatMap { $0 }.map(Float.init), sv.scalars)
        // ARO's decision by hand: correct when the first best option is the true caption.
        let s = v.items.map(\.scores[0]), t = v.items.map { $0.target[0] }
        let correct = zip(s, t).map { scores, truth in scores.firstIndex(of: scores.max() ?? 0) == truth ? 1.0 : 0.0 }
        XCTAssertEqual(v.metric("accuracy")?.value, correct.reduce(0, +) / 2)
    }
}
