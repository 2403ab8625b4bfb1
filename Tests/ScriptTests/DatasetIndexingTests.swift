import Foundation
import Script
import XCTest

/// Datasets index, slice, count and iterate like lists (issue 19, item 8); their items carry
/// `images` and `captions` lists on every task; results show their items and tags.
final class DatasetIndexingTests: XCTestCase {
    static let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path

    func testIndexSliceLenAndLoop() throws {
        XCTAssertEqual(try show("""
            ds = shapes_world("winoground", count: 4)
            [len(ds), ds[-1].id == ds[3].id, ds[0].id != ds[1].id, len(ds[1:3]), ds[1:3][0].id == ds[1].id, len(ds[::-1])]
            """), "[4, true, true, 2, true, 4]")
        XCTAssertEqual(try show("""
            ds = shapes_world("winoground", count: 3)
            ids = []
            for it in ds { ids = append(ids, it.id) }
            ids == map(fn(i) = ds[i].id, range(3))
            """), "true")
        XCTAssertEqual(try show("ds = shapes_world(\"winoground\", count: 3); ds[tensor([1, 0, 1])]"),
                       "<dataset shapes_winoground: winoground, 2 items>")
        XCTAssertEqual(scriptError("ds = shapes_world(\"winoground\", count: 3)\nds[3]")?.message, "index 3 is out of range for a dataset of length 3")
        XCTAssertEqual(scriptError("ds = shapes_world(\"winoground\", count: 3)\nds[\"a\"]")?.message, "a dataset is indexed by numbers, not by the string \"a\"")
        XCTAssertEqual(scriptError("ds = shapes_world(\"winoground\", count: 3)\nitem(ds, 3)")?.message,
                       "item: index 3 outside -3..<3 for the 3 items of shapes_winoground")
    }

    func testEveryItemHasImagesAndCaptions() throws {
        let run = Run()
        try run("""
            w = shapes_world("winoground", count: 2)[0]
            a = shapes_world("vg_relation", count: 2)[1]
            c = shapes_world("imagecode", count: 1)[0]
            t = shapes_world("training", count: 1)[0]
            shapes = [w.images[0].shape, len(w.images), len(a.images), len(c.images), len(t.images)]
            same = [w.captions == [w.caption_0, w.caption_1], w.images[1] == w.image_1, a.captions[a.true_index] != none,
                    c.captions == [c.caption], t.captions == [t.caption], all(item(shapes_world("winoground", count: 2), -2).image_0 == w.image_0)]
            """)
        XCTAssertEqual(run.interpreter.variable("shapes").map(run.interpreter.printer.repr), "[[1, 3, 32, 32], 2, 1, 10, 1]")
        guard case .list(let same)? = run.interpreter.variable("same") else { return XCTFail("no list") }
        // w.images[1] == w.image_1 is an elementwise mask of ones.
        XCTAssertEqual(same.count, 6)
        if case .bool(let b) = same[0] { XCTAssertTrue(b) } else { XCTFail("captions") }
        if case .tensor(let m) = same[1] { XCTAssertTrue(m.scalars.allSatisfy { $0 == 1 }) } else { XCTFail("images") }
        for (i, v) in same.enumerated() where i != 1 {
            guard case .bool(true) = v else { return XCTFail("check \(i): \(run.interpreter.printer.repr(v))") }
        }
    }

    func testItmOnAnItemAsAUserFirstTypesIt() throws {
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            it = shapes_world("winoground", count: 1)[0]
            s = itm(m, it.images[0], it.captions, samples: 2)
            r = itm(m, it.image_0, [it.caption_0, it.caption_1], samples: 2)
            same = all(s.scores == r.scores)
            """)
        guard case .bool(true)? = run.interpreter.variable("same") else {
            return XCTFail("the lists and the old fields must give the same scores: \(String(describing: run.interpreter.variable("same")))")
        }
    }

    func testPerItemAndByTag() throws {
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            ds = shapes_world("winoground", count: 6)
            r = evaluate(m, ds, samples: 1, resamples: 20)
            p = r.per_item
            n = len(p)
            fields = keys(p[0])
            text = mean(map(fn(x) = num(x.correct.text), p))
            image = mean(map(fn(x) = num(x.correct.image), p))
            group = mean(map(fn(x) = num(x.correct.group), p))
            first_id = p[0].id == ds[0].id
            shape = [len(p[0].scores), len(p[0].scores[0])]
            tags = sorted(keys(r.by_tag))
            seen = sorted(filter(fn(t) = t != none, map(fn(x) = x.tag, p)))
            """)
        let v = { (name: String) in run.interpreter.variable(name).map(run.interpreter.printer.repr) ?? "<none>" }
        XCTAssertEqual(v("n"), "6")
        XCTAssertEqual(v("fields"), "[\"index\", \"id\", \"tag\", \"scores\", \"correct\"]")
        XCTAssertEqual(v("first_id"), "true")
        XCTAssertEqual(v("shape"), "[2, 2]")
        // The per-item outcomes average to the result's own metrics.
        guard case .host(let h)? = run.interpreter.variable("r") else { return XCTFail("no result") }
        for name in ["text", "image", "group"] {
            guard case .record(let m)? = try h.member(name), case .number(let value)? = m["value"] else { return XCTFail(name) }
            XCTAssertEqual(v(name), Printer.formatNumber(value), name)
        }
        // by_tag has one entry per tag the items carry, each with metrics and intervals.
        let tags = v("tags")
        XCTAssertFalse(tags == "[]")
        guard case .list(let seen)? = run.interpreter.variable("seen") else { return XCTFail("no tags") }
        let distinct = Set(seen.map(run.interpreter.printer.repr)).sorted()
        XCTAssertEqual(tags, "[" + distinct.joined(separator: ", ") + "]")
        XCTAssertEqual(try show("""
            m = load("\(Self.model)")
            r = evaluate(m, shapes_world("vg_relation", count: 3), samples: 1, resamples: 20)
            t = r.by_tag
            k = keys(t)[0]
            [keys(t[k]), keys(t[k].accuracy), type(r.per_item[0].correct), len(r.per_item[0].scores)]
            """), "[[\"accuracy\"], [\"value\", \"low\", \"high\", \"n\"], \"bool\", 2]")
    }
}
