import XCTest
@testable import Benchmarks

/// Per-item outcomes and per-group metrics, worked out by hand from the protocols' definitions.
final class ResultBreakdownTests: XCTestCase {
    /// Winoground: items 0 and 3 tagged "object", 1 and 2 "relation".
    /// Item 0 all right; item 1 text only; item 2 image only; item 3 nothing.
    func winoground() throws -> EvaluationResult {
        let rows: [([[Double]], String)] = [([[0.9, 0.1], [0.2, 0.8]], "object"), ([[0.9, 0.7], [0.85, 0.8]], "relation"),
                                            ([[0.5, 0.4], [0.55, 0.6]], "relation"), ([[0, 1], [1, 0]], "object")]
        let items = rows.enumerated().map { ItemScores(index: $0, id: "w\($0)", scores: $1.0, group: $1.1) }
        return try EvaluationResult(method: "m", task: "w", protocol: .winoground, totalItems: 4,
                                    bootstrap: BootstrapSettings(resamples: 200, seed: 3), items: items)
    }

    func testItemOutcomesFollowTheProtocol() throws {
        let o = try winoground().itemOutcomes()
        XCTAssertEqual(o.names, ["text", "image", "group"])
        XCTAssertEqual(o.outcomes.map { $0["text"] ?? [] }, [[1], [1], [0], [0]])
        XCTAssertEqual(o.outcomes.map { $0["image"] ?? [] }, [[1], [0], [1], [0]])
        XCTAssertEqual(o.outcomes.map { $0["group"] ?? [] }, [[1], [0], [0], [0]])
    }

    func testMetricsByGroup() throws {
        let groups = try winoground().metricsByGroup()
        XCTAssertEqual(groups.map(\.group), ["object", "relation"])
        // object: items 0 and 3 -> text 1/2, image 1/2, group 1/2; relation: items 1, 2 -> 1/2, 1/2, 0.
        XCTAssertEqual(groups[0].metrics.map(\.value), [0.5, 0.5, 0.5])
        XCTAssertEqual(groups[1].metrics.map(\.value), [0.5, 0.5, 0])
        XCTAssertEqual(groups[1].metrics.map(\.count), [2, 2, 2])
        // Two items per group: a resample holds 0, 1 or 2 right answers, so the interval spans [0, 1].
        XCTAssertEqual(groups[0].metrics[0].low, 0)
        XCTAssertEqual(groups[0].metrics[0].high, 1)
        // ARO: per relation, without a macro average inside one group.
        let aro = [([0.0, 1.0], "on"), ([1.0, 0.0], "on"), ([0.0, 1.0], "under")].enumerated().map {
            ItemScores(index: $0, id: "\($0)", scores: [$1.0], target: [1], group: $1.1)
        }
        let r = try EvaluationResult(method: "m", task: "vgr", protocol: .aro, totalItems: 3, items: aro)
        let byGroup = try r.metricsByGroup()
        XCTAssertEqual(byGroup.map(\.group), ["on", "under"])
        XCTAssertEqual(byGroup.map { $0.metrics.map(\.name) }, [["accuracy"], ["accuracy"]])
        XCTAssertEqual(byGroup.map { $0.metrics[0].value }, [0.5, 1])
    }

    func testMacroAverageIsLeftOutWhenNoGroupQualifies() throws {
        // VG-Attribution's paper policy keeps attribute pairs seen at least 25 times; three items
        // of two pairs qualify for none, so there is no macro average to report (not nan).
        let items = [([0.0, 1.0], "red_blue"), ([1.0, 0.0], "red_blue"), ([0.0, 1.0], "big_small")].enumerated().map {
            ItemScores(index: $0, id: "\($0)", scores: [$1.0], target: [1], group: $1.1)
        }
        let small = try EvaluationResult(method: "m", task: "vga", protocol: .aro, totalItems: 3, macroPolicy: .vgAttribution, items: items)
        XCTAssertEqual(small.metrics.map(\.name), ["accuracy"])
        XCTAssertEqual(small.metrics[0].value, 2.0 / 3.0, accuracy: 1e-12)
        // With a policy that keeps them, the macro average is the mean of the pairs' accuracies.
        let kept = try EvaluationResult(method: "m", task: "vga", protocol: .aro, totalItems: 3, macroPolicy: MacroPolicy(minimumCount: 1), items: items)
        XCTAssertEqual(kept.metrics.map(\.name), ["accuracy", "macro_accuracy"])
        XCTAssertEqual(kept.metrics[1].value, (0.5 + 1.0) / 2, accuracy: 1e-12)
    }

    func testSubsetKeepsEachImagesCaptions() throws {
        let src = ImageSource.file(path: "x.png", crop: nil)
        let gallery = RetrievalDataset(imageIDs: ["a", "b", "c"], images: [src, src, src],
                                       captions: ["a1", "b1", "a2", "c1"], captionImage: [0, 1, 0, 2])
        let ds = BenchmarkDataset(name: "coco", task: .retrieval(gallery))
        guard case let .retrieval(r) = try ds.subset([2, 0]).task else { return XCTFail("not retrieval") }
        XCTAssertEqual(r.imageIDs, ["c", "a"])
        XCTAssertEqual(r.captions, ["c1", "a1", "a2"])
        XCTAssertEqual(r.captionImage, [0, 1, 1])
        XCTAssertThrowsError(try ds.subset([3]))
    }

    /// gen_eval's rows are outcomes already: per column, the entries that apply (-1 does not).
    /// Two images for one caption: object passes on both, relation does not apply to the second.
    func testGenerationAndEditingOutcomesAreTheirRows() throws {
        XCTAssertEqual(generationColumns, ["object", "colour", "binding", "relation", "count", "all", "unparseable"])
        let rows: [[Double]] = [[1, 1, 0, 1, -1, 0, 0], [1, 0, -1, -1, -1, 0, 0]]
        let o = try ItemOutcomes(.generation, [ItemScores(index: 0, id: "c0", scores: rows)])
        XCTAssertEqual(o.names, generationColumns)
        XCTAssertEqual(o.outcomes[0]["object"], [1, 1])
        XCTAssertEqual(o.outcomes[0]["colour"], [1, 0])
        XCTAssertEqual(o.outcomes[0]["binding"], [0])
        XCTAssertEqual(o.outcomes[0]["relation"], [1])
        XCTAssertEqual(o.outcomes[0]["count"], [])
        // edit_eval: one row [success, preservation, unparseable] per edit.
        let e = try ItemOutcomes(.editing, [ItemScores(index: 0, id: "e0", scores: [[1, 0, 0]], group: "colour_change")])
        XCTAssertEqual(e.names, ["success", "preservation", "unparseable"])
        XCTAssertEqual(e.outcomes[0]["success"], [1])
        XCTAssertEqual(e.outcomes[0]["preservation"], [0])
    }
}
