import Foundation
import Plotting
import Script
import XCTest

/// A table never drops a row: models carry names, results are labelled with them, and a table
/// refuses results it cannot tell apart. Runs on the tiny pixel-space fixture model
/// (Tests/DiffusionTests/Fixtures/models/pixel-tiny, made by scripts/make_fixtures.py).
final class ResultNamingTests: XCTestCase {
    static let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path

    func string(_ run: Run, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard case .string(let s)? = run.interpreter.variable(name) else {
            XCTFail("\(name) is not a string: \(String(describing: run.interpreter.variable(name)))", file: file, line: line)
            return nil
        }
        return s
    }

    func testFineTunedModelsHaveNamesOfTheirOwnAndKeepThemOnDisk() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sn-naming-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            tr = shapes_world("training", count: 4)
            m2 = finetune(m, tr, loss: "noneg", steps: 1, batch: 2, lora: 0, save: "\(out.path)")
            m3 = finetune(m2, tr, loss: "softneg", steps: 1, batch: 2, name: "mine")
            base = m.name
            tuned = m2.name
            again = m3.name
            reloaded = load("\(out.path)").name
            shown = str(m2)
            """)
        XCTAssertEqual(string(run, "base"), "pixel-tiny")
        XCTAssertEqual(string(run, "tuned"), "pixel-tiny+noneg")
        XCTAssertEqual(string(run, "again"), "mine")
        XCTAssertEqual(string(run, "reloaded"), "pixel-tiny+noneg", "save: records the name in model_index.json")
        let shown = string(run, "shown") ?? ""
        XCTAssertTrue(shown.hasPrefix("<model pixel-tiny+noneg (from \(Self.model)): "), shown)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("model_index.json"))) as? [String: Any]
        XCTAssertEqual(index?["_softneg_name"] as? String, "pixel-tiny+noneg")
        XCTAssertEqual(index?["_class_name"] as? String, "StableDiffusionPipeline", "still a diffusers pipeline index")
    }

    func testEvaluateLabelsResultsWithTheModelsNameAndTableRefusesLookalikes() throws {
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            m2 = finetune(m, shapes_world("training", count: 4), loss: "noneg", steps: 1, batch: 2, lora: 0)
            ds = shapes_world("winoground", count: 2)
            a = evaluate(m, ds, samples: 1, resamples: 10)
            b = evaluate(m2, ds, samples: 1, resamples: 10)
            c = evaluate(m, ds, samples: 2, resamples: 10)
            d = evaluate(m, ds, samples: 2, resamples: 10, method: "base, 2 samples")
            labels = [a.method, b.method, d.method]
            t = table(a, b, d)
            rows = t.rows
            """)
        XCTAssertEqual(run.interpreter.variable("labels").map(run.interpreter.printer.repr),
                       #"["pixel-tiny", "pixel-tiny+noneg", "base, 2 samples"]"#)
        guard case .list(let rows)? = run.interpreter.variable("rows") else { return XCTFail("t.rows is not a list") }
        XCTAssertEqual(rows.count, 3, "one row per result")
        let error = try XCTUnwrap(scriptError(in: run, "table(a, b, c)"))
        XCTAssertTrue(error.message.contains("results 1 and 3 are both 'pixel-tiny' on shapes_winoground; they differ in samples (1 vs 2)"), error.message)
        XCTAssertTrue(error.message.contains("method:"), error.message)
    }

    func testATableShowsAsAlignedTextAndAsATableInReports() throws {
        let run = Run()
        try run("""
            m = load("\(Self.model)")
            ds = shapes_world("winoground", count: 2)
            t = table(evaluate(m, ds, samples: 1, resamples: 10), evaluate(m, ds, samples: 1, resamples: 10, method: "again"))
            kind = type(t)
            print("before", t)
            """)
        XCTAssertEqual(string(run, "kind"), "table")
        let lines = run.printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // As Python's print: the values joined by sep, the table's first line after "before ".
        XCTAssertTrue(lines.first?.hasPrefix("before  ") ?? false, run.printed)
        XCTAssertTrue(lines.contains { $0.hasPrefix("pixel-tiny ") && $0.contains(" [") }, run.printed)
        XCTAssertTrue(lines.contains { $0.hasPrefix("again ") }, run.printed)
        XCTAssertTrue(lines.contains { $0.hasPrefix("------") }, "a rule under the header: \(run.printed)")
        XCTAssertFalse(run.printed.contains("| method |"), "not Markdown at the prompt")

        // A report takes the table itself, in order with the text around it.
        var shown: [String] = []
        let reportRun = Run()
        reportRun.interpreter.output = { shown.append("text:" + $0) }
        reportRun.interpreter.richDisplay = { value in
            guard case .host(let h as TableValue) = value else { return false }
            shown.append("table:\(h.table.rows.count)")
            return true
        }
        reportRun.interpreter.setVariable("t", try XCTUnwrap(run.interpreter.variable("t")))
        try reportRun(#"print("before", t, "after")"#)
        XCTAssertEqual(shown, ["text:before ", "table:2", "text: after\n"])
    }
}

/// The error `source` raises in an interpreter that already ran other code.
func scriptError(in run: Run, _ source: String) -> ScriptError? {
    do {
        try run(source)
        return nil
    } catch let e as ScriptError {
        return e
    } catch {
        XCTFail("not a ScriptError: \(error)")
        return nil
    }
}
