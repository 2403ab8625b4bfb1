import XCTest
@testable import Benchmarks

/// Every expected value below is worked out by hand from the protocol's definition.
final class MetricsTests: XCTestCase {
    func testWinogroundScores() throws {
        // s[c][i]. Both images prefer their own caption, both captions their own image.
        var o = try WinogroundOutcome(scores: [[0.9, 0.1], [0.2, 0.8]])
        XCTAssertEqual([o.text, o.image, o.group], [true, true, true])
        // Text right (0.9 > 0.2 and 0.8 > 0.7), image wrong for caption 1 (0.6 > 0.8? no: c1 prefers i0? 0.8 vs 0.85).
        o = try WinogroundOutcome(scores: [[0.9, 0.7], [0.85, 0.8]])
        XCTAssertEqual([o.text, o.image, o.group], [true, false, false])
        // Image right (0.5 > 0.4, 0.6 > 0.55), text wrong (image 0: 0.5 vs 0.55).
        o = try WinogroundOutcome(scores: [[0.5, 0.4], [0.55, 0.6]])
        XCTAssertEqual([o.text, o.image, o.group], [false, true, false])
        // A constant scorer scores nothing: ties fail.
        o = try WinogroundOutcome(scores: [[1, 1], [1, 1]])
        XCTAssertEqual([o.text, o.image, o.group], [false, false, false])
        XCTAssertThrowsError(try WinogroundOutcome(scores: [[1, 2, 3], [1, 2, 3]]))
    }

    func testRecallAtK() throws {
        let s = [0.1, 0.9, 0.5, 0.7, 0.2, 0.3, 0.8]
        XCTAssertTrue(try recallAtK(s, correct: [1], k: 1))
        XCTAssertFalse(try recallAtK(s, correct: [3], k: 2))   // ahead of 0.7: 0.9, 0.8
        XCTAssertTrue(try recallAtK(s, correct: [3], k: 3))
        XCTAssertTrue(try recallAtK(s, correct: [0, 6], k: 2))   // best correct 0.8, one ahead
        XCTAssertFalse(try recallAtK([0.5, 0.5], correct: [1], k: 1))   // tie goes against the query
        XCTAssertThrowsError(try recallAtK(s, correct: [9], k: 1))
        XCTAssertThrowsError(try recallAtK(s, correct: [1], k: 0))
    }

    func testAROArgmaxTieBreakFollowsThePaper() throws {
        XCTAssertTrue(try aroCorrect([0.2, 0.3], trueIndex: 1))
        XCTAssertFalse(try aroCorrect([0.3, 0.3], trueIndex: 1))   // VG: [false, true], tie -> false caption
        XCTAssertTrue(try aroCorrect([0.3, 0.3, 0.1, 0.3, 0.0], trueIndex: 0))  // Order: true first wins ties
        XCTAssertFalse(try aroCorrect([0.3, 0.4, 0.1, 0.3, 0.0], trueIndex: 0))
        XCTAssertThrowsError(try aroCorrect([0.3], trueIndex: 1))
    }

    func testAROMicroAndMacro() throws {
        // Groups: "on" 2/3 right, "under" 1/1, "next to" 0/2 (excluded as symmetric by the VG-R policy).
        let rows: [([Double], String)] = [([0, 1], "on"), ([0, 1], "on"), ([1, 0], "on"), ([0, 1], "under"),
                                          ([1, 0], "next to"), ([1, 0], "next to")]
        let items = rows.enumerated().map { ItemScores(index: $0, id: "\($0)", scores: [$1.0], target: [1], group: $1.1) }
        let r = try EvaluationResult(method: "m", task: "vgr", protocol: .aro, totalItems: 6,
                                     bootstrap: BootstrapSettings(resamples: 200, seed: 1), macroPolicy: .vgRelation, items: items)
        XCTAssertEqual(try XCTUnwrap(r.metric("accuracy")).value, 3.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(r.metric("macro_accuracy")).value, (2.0 / 3.0 + 1.0) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(r.metric("macro_accuracy")).count, 4)
        // All groups: (2/3 + 1 + 0) / 3.
        let all = try EvaluationResult(method: "m", task: "vgr", protocol: .aro, totalItems: 6, macroPolicy: .all, items: items)
        XCTAssertEqual(try XCTUnwrap(all.metric("macro_accuracy")).value, (2.0 / 3.0 + 1.0) / 3, accuracy: 1e-12)
        // Minimum count 2 drops "under".
        let min2 = try EvaluationResult(method: "m", task: "vgr", protocol: .aro, totalItems: 6,
                                        macroPolicy: MacroPolicy(minimumCount: 2), items: items)
        XCTAssertEqual(try XCTUnwrap(min2.metric("macro_accuracy")).value, (2.0 / 3.0 + 0) / 2, accuracy: 1e-12)
    }

    func testImageCoDeAndWinogroundAggregates() throws {
        let ic = [ItemScores(index: 0, id: "a", scores: [[0, 1, 5, 2]], target: [2]),
                  ItemScores(index: 1, id: "b", scores: [[0, 1, 5, 2]], target: [3]),
                  ItemScores(index: 2, id: "c", scores: [[7, 1, 5, 2]], target: [0]),
                  ItemScores(index: 3, id: "d", scores: [[7, 7, 5, 2]], target: [0])]
        let r = try EvaluationResult(method: "m", task: "ic", protocol: .imageCoDe, totalItems: 4, items: ic)
        XCTAssertEqual(try XCTUnwrap(r.metric("image_r1")).value, 0.5)
        let w = [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]]),
                 ItemScores(index: 1, id: "1", scores: [[0.9, 0.7], [0.85, 0.8]]),
                 ItemScores(index: 2, id: "2", scores: [[0.5, 0.4], [0.55, 0.6]]),
                 ItemScores(index: 3, id: "3", scores: [[0, 1], [1, 0]])]
        let wr = try EvaluationResult(method: "m", task: "w", protocol: .winoground, totalItems: 4, items: w)
        XCTAssertEqual(wr.metrics.map(\.name), ["text", "image", "group"])
        XCTAssertEqual(wr.metrics.map(\.value), [0.5, 0.5, 0.25])
    }

    func testRetrievalMetrics() throws {
        // 3 images, captions 0,1 -> image 0, caption 2 -> image 1, caption 3 -> image 2.
        // scores[0]: text retrieval for the image over captions; scores[1]: image retrieval scores of each caption with it.
        let items = [
            ItemScores(index: 0, id: "i0", scores: [[0.1, 0.9, 0.5, 0.2], [0.9, 0.2, 0.1, 0.3]], target: [0, 1]),
            ItemScores(index: 1, id: "i1", scores: [[0.8, 0.1, 0.7, 0.0], [0.5, 0.6, 0.9, 0.2]], target: [2]),
            ItemScores(index: 2, id: "i2", scores: [[0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.3, 0.1]], target: [3]),
        ]
        // Text R@1: image 0 yes (0.9 is caption 1), image 1 no (0.8 > 0.7), image 2 yes -> 2/3.
        // Image R@1 per caption over images (column of scores[1]):
        //   c0: [0.9, 0.5, 0.1] -> image 0 yes; c1: [0.2, 0.6, 0.1] -> no; c2: [0.1, 0.9, 0.3] -> yes;
        //   c3: [0.3, 0.2, 0.1] -> image 2 has 0.1, last -> no (and not in top 2; R@5 covers all 3).
        let r = try EvaluationResult(method: "m", task: "r", protocol: .retrieval, totalItems: 3, items: items)
        XCTAssertEqual(try XCTUnwrap(r.metric("text_r1")).value, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(r.metric("text_r5")).value, 1.0)
        XCTAssertEqual(try XCTUnwrap(r.metric("image_r1")).value, 0.5)
        XCTAssertEqual(try XCTUnwrap(r.metric("image_r1")).count, 4)
        XCTAssertEqual(try XCTUnwrap(r.metric("image_r5")).value, 1.0)
    }

    func testBootstrapPercentileRule() throws {
        // A statistic that ignores the sample and counts calls returns 1, 2, ..., 1000: the 95%
        // interval is the values at sorted indices floor(1000·0.025) = 25 and ceil(1000·0.975) - 1 = 974.
        var calls = 0.0
        let ci = try bootstrapInterval(units: 5, settings: BootstrapSettings(resamples: 1000, seed: 0)) { _ in
            calls += 1
            return calls
        }
        XCTAssertEqual(ci.low, 26)
        XCTAssertEqual(ci.high, 975)
        // One unit: every resample is that unit, so the interval collapses onto the value.
        let one = try bootstrapInterval(units: 1, settings: BootstrapSettings(resamples: 50)) { s in Double(s.count) * 0.5 }
        XCTAssertEqual(one.low, 0.5)
        XCTAssertEqual(one.high, 0.5)
        // Outcomes [0, 1]: resample means 0, 0.5, 1 with probability 1/4, 1/2, 1/4, so the 95% CI is [0, 1].
        let outcomes = [0.0, 1.0]
        let two = try bootstrapInterval(units: 2, settings: BootstrapSettings(resamples: 2000, seed: 4)) { s in
            s.map { outcomes[$0] }.reduce(0, +) / 2
        }
        XCTAssertEqual(two.low, 0)
        XCTAssertEqual(two.high, 1)
        XCTAssertThrowsError(try bootstrapInterval(units: 2, settings: BootstrapSettings(resamples: 0)) { _ in 0 })
        // A subgroup of one unit among four, scored 0: a resample misses it with probability
        // (3/4)^4 = 0.32 and the subgroup's mean is then undefined; the defined resamples are all 0.
        let sub = try bootstrapInterval(units: 4, settings: BootstrapSettings(resamples: 500, seed: 1)) { s in
            s.contains(0) ? 0 : .nan
        }
        XCTAssertEqual(sub.low, 0)
        XCTAssertEqual(sub.high, 0)
        let never = try bootstrapInterval(units: 3, settings: BootstrapSettings(resamples: 20)) { _ in .nan }
        XCTAssertTrue(never.low.isNaN && never.high.isNaN)
    }

    func testBootstrapIsSeededAndBracketsTheValue() throws {
        let items = (0..<60).map { ItemScores(index: $0, id: "\($0)", scores: [[$0 % 3 == 0 ? 1 : 0, 0.5]], target: [0]) }
        let a = try EvaluationResult(method: "m", task: "t", protocol: .imageCoDe, totalItems: 60,
                                     bootstrap: BootstrapSettings(resamples: 500, seed: 3), items: items)
        let b = try EvaluationResult(method: "m", task: "t", protocol: .imageCoDe, totalItems: 60,
                                     bootstrap: BootstrapSettings(resamples: 500, seed: 3), items: items)
        XCTAssertEqual(a, b)
        let m = try XCTUnwrap(a.metric("image_r1"))
        XCTAssertEqual(m.value, 20.0 / 60.0, accuracy: 1e-12)
        XCTAssertLessThan(m.low, m.value)
        XCTAssertGreaterThan(m.high, m.value)
        // Binomial standard error sqrt(p(1-p)/n) = 0.0609: the 95% CI spans roughly ±0.12.
        XCTAssertEqual(m.high - m.low, 2 * 1.96 * 0.0609, accuracy: 0.06)
    }
}

final class ResultFileTests: XCTestCase {
    func items(_ n: Int) -> [ItemScores] {
        // Pseudo-random but fixed scores; some items right, some wrong.
        var g = SeededGenerator(seed: 42)
        return (0..<n).map { i in
            ItemScores(index: i, id: "item\(i)", scores: [[g.uniform(), g.uniform()], [g.uniform(), g.uniform()]])
        }
    }

    func testShardRanges() throws {
        let ranges = try (0..<3).map { try Shard($0, of: 3).range(total: 10) }
        XCTAssertEqual(ranges, [0..<3, 3..<6, 6..<10])
        XCTAssertEqual(try Shard(1, of: 4).range(total: 2), 0..<1)
        XCTAssertThrowsError(try Shard(3, of: 3))
        XCTAssertThrowsError(try Shard(0, of: 0))
    }

    func testMergedShardsEqualTheUnshardedRun() throws {
        let all = items(25)
        let settings = ["samples": "10", "seed": "0"]
        let whole = try EvaluationResult(method: "SoftNeg", task: "shapes_winoground", protocol: .winoground, totalItems: 25,
                                         settings: settings, bootstrap: BootstrapSettings(resamples: 300, seed: 7), items: all)
        let dir = try Fixtures.scratch("shards")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        var read: [EvaluationResult] = []
        for k in [2, 0, 1] {
            let shard = try Shard(k, of: 3)
            let part = try EvaluationResult(method: "SoftNeg", task: "shapes_winoground", protocol: .winoground, totalItems: 25,
                                            shard: shard, settings: settings, bootstrap: BootstrapSettings(resamples: 300, seed: 7),
                                            items: Array(all[shard.range(total: 25)]))
            try part.write(to: dir + "/part\(k)")
            read.append(try EvaluationResult.read(dir + "/part\(k).json"))
        }
        let merged = try EvaluationResult.merge(read)
        XCTAssertEqual(merged, whole)
        XCTAssertEqual(merged.csv(), whole.csv())

        // Retrieval shards hold partial galleries: metrics only after the merge.
        let r = [ItemScores(index: 0, id: "a", scores: [[0.9, 0.1], [0.9, 0.1]], target: [0]),
                 ItemScores(index: 1, id: "b", scores: [[0.2, 0.8], [0.3, 0.7]], target: [1])]
        let p0 = try EvaluationResult(method: "m", task: "r", protocol: .retrieval, totalItems: 2, shard: try Shard(0, of: 2), items: [r[0]])
        XCTAssertTrue(p0.metrics.isEmpty)
        let p1 = try EvaluationResult(method: "m", task: "r", protocol: .retrieval, totalItems: 2, shard: try Shard(1, of: 2), items: [r[1]])
        XCTAssertEqual(try EvaluationResult.merge([p0, p1]), try EvaluationResult(method: "m", task: "r", protocol: .retrieval, totalItems: 2, items: r))
    }

    func testMergeRefusesInconsistentShards() throws {
        let all = items(10)
        func part(_ k: Int, _ n: Int, settings: [String: String] = [:], slice: Range<Int>? = nil) throws -> EvaluationResult {
            let s = try Shard(k, of: n)
            return try EvaluationResult(method: "m", task: "t", protocol: .winoground, totalItems: 10, shard: s,
                                        settings: settings, items: Array(all[slice ?? s.range(total: 10)]))
        }
        XCTAssertThrowsError(try EvaluationResult.merge([part(0, 2)])) { XCTAssertTrue("\($0)".contains("shard 1 of 2 is missing")) }
        XCTAssertThrowsError(try EvaluationResult.merge([part(0, 2), part(1, 2, settings: ["seed": "1"])])) {
            XCTAssertTrue("\($0)".contains("settings differ"))
        }
        XCTAssertThrowsError(try EvaluationResult.merge([part(0, 2, slice: 0..<6), part(1, 2)])) {
            XCTAssertTrue("\($0)".contains("item 5"))
        }
        XCTAssertThrowsError(try EvaluationResult.merge([part(0, 2, slice: 0..<4), part(1, 2)])) {
            XCTAssertTrue("\($0)".contains("items missing: 4"))
        }
        XCTAssertThrowsError(try EvaluationResult.merge([]))
    }

    func testPairedDifferencesSeparateWhatSideBySideIntervalsCannot() throws {
        // 100 ImageCoDe-style items: the baseline is right on items 0..<40, the method on 0..<45.
        func result(_ method: String, right: Int) throws -> EvaluationResult {
            let items = (0..<100).map { ItemScores(index: $0, id: "\($0)", scores: [$0 < right ? [1, 0] : [0, 1]], target: [0]) }
            return try EvaluationResult(method: method, task: "ic", protocol: .imageCoDe, totalItems: 100, items: items)
        }
        let base = try result("base", right: 40), tuned = try result("tuned", right: 45)
        let (a, b) = (try XCTUnwrap(tuned.metric("image_r1")), try XCTUnwrap(base.metric("image_r1")))
        XCTAssertLessThan(a.low, b.high, "side by side, the intervals overlap")
        let d = try XCTUnwrap(try pairedDifferences(tuned, from: base).first)
        XCTAssertEqual(d.value, 0.05, accuracy: 1e-12)
        // Each resample's difference is (draws among the 5 items only the method gets right) / 100,
        // Binomial(100, 0.05) / 100: its 2.5% quantile is 0.01 (P(X = 0) = 0.006, P(X <= 1) = 0.037)
        // and its 97.5% quantile 0.10 (P(X <= 9) = 0.972, P(X <= 10) = 0.989).
        XCTAssertEqual(d.low, 0.01, accuracy: 1e-12)
        XCTAssertTrue((0.09...0.11).contains(d.high), "\(d.high)")

        // Against a method right nowhere (everywhere) the difference is -X / 100 (1 - X / 100) with
        // X ~ Binomial(100, 0.4), whose 2.5% and 97.5% quantiles are 31 and 50; one resample of
        // the items serves both rows, so the two intervals mirror each other exactly.
        let worst = try result("worst", right: 0), best = try result("best", right: 100)
        let differences = try differenceTable([worst, best, base], baseline: "base")
        XCTAssertEqual(differences.header, ["method", "ic image_r1 (n=100)"])
        XCTAssertEqual(differences.rows, [["worst", "-40.0 [-51.0, -30.0] *"], ["best", "+60.0 [+49.0, +70.0] *"]])
        XCTAssertEqual(differences.note,
                       "Differences from base in points, 95% paired bootstrap intervals over the same items; * the interval excludes 0.")
        // The baseline given twice could be either one: refused, by position.
        XCTAssertThrowsError(try differenceTable([worst, best, base, base], baseline: "base")) {
            XCTAssertTrue("\($0)".contains("results 3 and 4 are both 'base' on ic"), "\($0)")
        }
        XCTAssertThrowsError(try differenceTable([base], baseline: "nobody")) { XCTAssertTrue("\($0)".contains("'nobody'"), "\($0)") }
        var shifted = tuned
        shifted.items[3].id = "other"
        XCTAssertThrowsError(try pairedDifferences(shifted, from: base)) { XCTAssertTrue("\($0)".contains("item 3 ('other')"), "\($0)") }
    }

    /// Two results of one method on one task would share a row: the table refuses them by
    /// position and says which settings tell them apart, instead of keeping the last.
    func testTableRefusesResultsItCannotTellApart() throws {
        let w = [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]])]
        let one = BootstrapSettings(resamples: 1, seed: 0)
        let a = try EvaluationResult(method: "shapes-base", task: "wino", protocol: .winoground, totalItems: 1,
                                     settings: ["samples": "2", "seed": "0"], bootstrap: one, items: w)
        var b = a
        b.settings["samples"] = "10"
        XCTAssertThrowsError(try table([a, b])) {
            XCTAssertEqual("\($0)", "table: results 1 and 2 are both 'shapes-base' on wino; they differ in samples (2 vs 10): "
                           + "one row would hide the other. Give each evaluate its own method: (or finetune its own name:)")
        }
        var c = a
        c.task = "other"
        var d = a
        d.method = "shapes-base+noneg"
        let ok = try table([a, c, d])
        XCTAssertEqual(ok.rows.map(\.first), ["shapes-base", "shapes-base+noneg"], "same method on two tasks is one row")
        XCTAssertEqual(ok.header.count, 1 + 2 * 3)
    }

    func testCSVAndMarkdownTable() throws {
        let w = [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]]),
                 ItemScores(index: 1, id: "1", scores: [[0.9, 0.7], [0.85, 0.8]])]
        let one = BootstrapSettings(resamples: 1, seed: 0)
        let a = try EvaluationResult(method: "NoNeg", task: "wino", protocol: .winoground, totalItems: 2, bootstrap: one, items: w)
        let csv = a.csv().split(separator: "\n")
        XCTAssertEqual(csv.first, "method,task,metric,value,ci_low,ci_high,n,shard")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(csv[1].hasPrefix("NoNeg,wino,text,1.0,"))
        XCTAssertTrue(csv[3].hasPrefix("NoNeg,wino,group,0.5,"))

        // Hand-made metric values so the cells are known exactly.
        var b = a
        b.method = "Soft|Neg"
        b.metrics = [MetricValue(name: "text", value: 0.3012, low: 0.25, high: 0.35049, count: 120)]
        var c = a
        c.metrics = [MetricValue(name: "text", value: 0.125, low: 0.0666, high: 0.1875, count: 120),
                     MetricValue(name: "image", value: 0.0417, low: 0.0083, high: 0.0833, count: 120)]
        let cells = try table([c, b])
        XCTAssertEqual(cells.header, ["method", "wino text (n=120)", "wino image (n=120)"])
        XCTAssertEqual(cells.rows, [["NoNeg", "12.5 [6.7, 18.8]", "4.2 [0.8, 8.3]"], ["Soft|Neg", "30.1 [25.0, 35.0]", "–"]])
        XCTAssertNil(cells.note)
        XCTAssertEqual(formatFixed(0.05, digits: 1), "0.1")
        XCTAssertEqual(formatFixed(-1.25, digits: 1), "-1.3")
        XCTAssertEqual(formatFixed(3, digits: 0), "3")
    }

    /// Rows scored on different numbers of items share a column: the header names no n that
    /// some of its values do not have, and each cell names its own.
    func testATableNamesEachCellsCountWhenRowsDisagree() throws {
        var small = try EvaluationResult(method: "small", task: "wino", protocol: .winoground, totalItems: 1,
                                         bootstrap: BootstrapSettings(resamples: 1, seed: 0),
                                         items: [ItemScores(index: 0, id: "0", scores: [[0.9, 0.1], [0.2, 0.8]])])
        small.metrics = [MetricValue(name: "text", value: 0.5, low: 0.25, high: 0.75, count: 2),
                         MetricValue(name: "image", value: 0.25, low: 0, high: 0.5, count: 4)]
        var large = small
        large.method = "large"
        large.metrics = [MetricValue(name: "text", value: 0.125, low: 0.0625, high: 0.1875, count: 8),
                         MetricValue(name: "image", value: 0.5, low: 0.25, high: 0.75, count: 4)]
        let cells = try table([small, large])
        XCTAssertEqual(cells.header, ["method", "wino text", "wino image (n=4)"])
        XCTAssertEqual(cells.rows, [["small", "50.0 [25.0, 75.0] (n=2)", "25.0 [0.0, 50.0]"],
                                    ["large", "12.5 [6.3, 18.8] (n=8)", "50.0 [25.0, 75.0]"]])
    }
}

final class EvaluationPlumbingTests: XCTestCase {
    func testItemScoresCarryTargetsAndGroupsFromTheDataset() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 2))
        let aro = try world.dataset(.vgRelation, count: 3)
        XCTAssertEqual(aro.task.metricProtocol, .aro)
        guard case let .aro(_, items) = aro.task else { return XCTFail() }
        let record = try aro.task.itemScores(2, scores: [[0.1, 0.4]])
        XCTAssertEqual(record.target, [1])
        XCTAssertEqual(record.group, items[2].group)
        XCTAssertThrowsError(try aro.task.itemScores(3, scores: [[0, 1]]))

        let r = try world.dataset(.retrieval, count: 4)
        XCTAssertEqual(try r.task.itemScores(3, scores: []).target, [3])
        XCTAssertNil(try world.dataset(.training, count: 2).task.metricProtocol)
        XCTAssertEqual(AROVariant.vgAttribution.paperMacroPolicy.minimumCount, 25)

        // An oracle that scores each Winoground caption-image pair by the caption's truth gets 100%.
        let wino = try world.dataset(.winoground, count: 6)
        guard case let .winoground(ws) = wino.task else { return XCTFail() }
        let records = try ws.enumerated().map { i, item -> ItemScores in
            let scenes = [item.image0, item.image1].map { s -> ShapesScene in
                if case let .scene(x) = s { return x }
                return ShapesScene(objects: [])
            }
            let scores = try [item.caption0, item.caption1].map { c in
                try scenes.map { s in s.truth(of: try XCTUnwrap(CaptionMeaning.parse(c))) == .isTrue ? 1.0 : 0.0 }
            }
            return try wino.task.itemScores(i, scores: scores)
        }
        let result = try EvaluationResult(method: "oracle", task: wino.name, protocol: .winoground, totalItems: 6, items: records)
        XCTAssertEqual(result.metrics.map(\.value), [1, 1, 1])
        XCTAssertThrowsError(try EvaluationResult(method: "m", task: "t", protocol: .winoground, totalItems: 6, items: records + [records[0]]))
    }
}
