import Foundation
import XCTest

/// Every script under examples/ runs in the tests (issue 20, item 6): this table says how, and a
/// script missing from it fails. Output is compared where a document shows it: examples/expected
/// (GoldenExampleTests), the committed reports (regenerated here and compared as text), the
/// README's table (tables.sn). Long scripts run with their `quick` argument: the same code on
/// fewer items.
final class ExampleScriptTests: XCTestCase {
    enum How {
        /// Printed output equals examples/expected/<name>.out (GoldenExampleTests).
        case expectedOutput
        /// `sn report` of the script reproduces this committed Markdown report.
        case report(String)
        /// Another file runs it; the file must name the script.
        case runBy(String)
        /// A test of this class runs it.
        case here(String)
    }

    static let plan: [String: How] = [
        "examples/basics.sn": .expectedOutput,
        "examples/closures.sn": .expectedOutput,
        "examples/tensors.sn": .expectedOutput,
        "examples/lib/helpers.sn": .runBy("examples/closures.sn"),
        "examples/quickstart.sn": .report("examples/reports/quickstart.md"),
        "examples/itm_walkthrough.sn": .report("examples/reports/itm_walkthrough.md"),
        "examples/table1.sn": .runBy("Tests/ScriptTests/ExperimentTests.swift"),
        "examples/table1_plan.sn": .runBy("examples/table1.sn"),
        "examples/slurm/table1_job.sn": .runBy("examples/slurm/table1.sh"),
        "examples/reports/table1_full/tables.sn": .here("testFullTable1TablesReprintTheReadmesNumbers"),
        "examples/train_default_model.sn": .here("testTrainingScriptRunsQuick"),
        "examples/binding_study.sn": .here("testBindingStudyRunsQuick"),
        "examples/generation_eval.sn": .here("testGenerationEvalRunsSmall"),
        "examples/reports/gallery/gallery.sn": .here("testGalleryDrawsEveryCommittedFigure"),
        "examples/slurm/evaluate_shard.sn": .here("testShardEvaluationAndMergeScripts"),
        "examples/slurm/merge.sn": .here("testShardEvaluationAndMergeScripts"),
    ]

    static func files(under folder: String, ending suffix: String) -> [String] {
        let root = packageRoot.appendingPathComponent(folder)
        let walk = FileManager.default.enumerator(atPath: root.path)
        var out: [String] = []
        while let path = walk?.nextObject() as? String {
            if path.hasSuffix(suffix) { out.append(folder + "/" + path) }
        }
        return out.sorted()
    }

    func sn() throws -> URL { try XCTUnwrap(snBinary, "build sn first") }

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-examples-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testEveryExampleHasAWayToRun() throws {
        let scripts = Self.files(under: "examples", ending: ".sn")
        XCTAssertGreaterThanOrEqual(scripts.count, 14)
        for script in scripts {
            guard let how = Self.plan[script] else {
                XCTFail("\(script) is not run by any test: add it to ExampleScriptTests.plan")
                continue
            }
            let name = (script as NSString).lastPathComponent
            switch how {
            case .expectedOutput:
                let stem = (name as NSString).deletingPathExtension
                XCTAssertTrue(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("examples/expected/\(stem).out").path), script)
            case .report(let md):
                XCTAssertTrue(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(md).path), md)
            case .runBy(let other):
                let text = try String(contentsOf: packageRoot.appendingPathComponent(other), encoding: .utf8)
                XCTAssertTrue(text.contains(name), "\(other) is said to run \(script) but does not name it")
            case .here(let test):
                // XCTest on Linux lists no test names at run time: look for the test in this file.
                let source = try String(contentsOf: packageRoot.appendingPathComponent("Tests/ScriptTests/ExampleScriptTests.swift"), encoding: .utf8)
                XCTAssertTrue(source.contains("func \(test)() throws"), "no test \(test) for \(script)")
            }
        }
        for stale in Set(Self.plan.keys).subtracting(scripts) { XCTFail("ExampleScriptTests.plan names \(stale), which does not exist") }
        // Every Markdown file under examples/ is a report some script regenerates.
        let reports = Self.plan.values.compactMap { if case .report(let md) = $0 { return md } else { return nil } }
        XCTAssertEqual(Self.files(under: "examples", ending: ".md"), reports.sorted())
    }

    /// The committed reports are what `sn report` makes of their scripts today: the code cells,
    /// every printed line and table, and the figure links (the pictures themselves are not compared).
    func testReportsAreWhatTheirScriptsPrint() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (script, how) in Self.plan.sorted(by: { $0.key < $1.key }) {
            guard case .report(let committed) = how else { continue }
            let out = dir.appendingPathComponent((committed as NSString).lastPathComponent)
            let r = try runProcess(try sn(), ["report", packageRoot.appendingPathComponent(script).path, "-o", out.path], directory: dir)
            XCTAssertEqual(r.status, 0, "\(script): \(r.err)")
            let expected = try String(contentsOf: packageRoot.appendingPathComponent(committed), encoding: .utf8)
            XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), expected,
                           "\(committed) is stale: regenerate it with `cd examples && sn report \((script as NSString).lastPathComponent) -o reports/\((committed as NSString).lastPathComponent)`")
        }
    }

    /// tables.sn reprints Table 1 from the committed results; the README quotes its numbers.
    func testFullTable1TablesReprintTheReadmesNumbers() throws {
        let folder = packageRoot.appendingPathComponent("examples/reports/table1_full")
        let r = try runProcess(try sn(), ["tables.sn"], directory: folder)
        XCTAssertEqual(r.status, 0, r.err)
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        // The base row of the README's table, cell by cell: each must be in the script's output.
        guard let row = readme.components(separatedBy: "\n").first(where: { $0.hasPrefix("| base | ") }) else { return XCTFail("no base row in the README") }
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.dropFirst()
        XCTAssertEqual(cells.count, 7)
        for cell in cells { XCTAssertTrue(r.out.contains(cell), "README's base cell \(cell) is not in tables.sn's output:\n\(r.out)") }
    }

    func testTrainingScriptRunsQuick() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/train_default_model.sn").path, "2", dir.path, "quick"],
                               directory: packageRoot)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("step 2 loss "), r.out)
        for probe in ["shapes_swap_attribute", "shapes_swap_relation", "shapes_swap_object", "shapes_replace_colour"] {
            XCTAssertTrue(r.out.contains(" \(probe) "), "\(probe) in \(r.out)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("shapes-base-training/\(probe)-step2.json").path), probe)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("shapes-base/model_index.json").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("shapes-base-training/loss.png").path))
    }

    func testBindingStudyRunsQuick() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/binding_study.sn").path, "reference", "2", dir.path, "2", "quick"],
                               directory: packageRoot)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("variant reference: objects 2"), r.out)
        XCTAssertTrue(r.out.contains("step 2 loss "), r.out)
        XCTAssertTrue(r.out.contains(" held-out error cond "), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("reference/errors.safetensors").path))
    }

    /// The same script on 2 captions and 2 edits with 10 sampling steps (strength 0.1 of 10 steps runs one).
    func testGenerationEvalRunsSmall() throws {
        let r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/generation_eval.sn").path, "examples/models/shapes-base", "2", "10"],
                               directory: packageRoot)
        XCTAssertEqual(r.status, 0, r.err)
        for line in ["guidance 7.5: unparseable images by reason", "guidance 3: unparseable images by reason",
                     "strength 0.6: unparseable edits by reason", "strength 0.1: unparseable edits by reason"] {
            XCTAssertTrue(r.out.contains(line), "\(line) in \(r.out)")
        }
    }

    /// The layout gallery draws each of its committed PNGs (run in a scratch folder, so the
    /// committed pictures stay as they were looked at).
    func testGalleryDrawsEveryCommittedFigure() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/reports/gallery/gallery.sn").path], directory: dir)
        XCTAssertEqual(r.status, 0, r.err)
        let committed = Self.files(under: "examples/reports/gallery", ending: ".png").map { ($0 as NSString).lastPathComponent }
        XCTAssertGreaterThanOrEqual(committed.count, 8)
        for png in committed { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(png).path), png) }
    }

    /// One shard job outside Slurm (the whole dataset as shard 0 of 1), then the merge job.
    func testShardEvaluationAndMergeScripts() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path
        let data = dir.appendingPathComponent("wino").path
        var r = try runProcess(try sn(), ["-e", "shapes_world(\"winoground\", count: 3, out: \"\(data)\")"])
        XCTAssertEqual(r.status, 0, r.err)
        let out = dir.appendingPathComponent("res").path
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("SLURM_") { env[k] = nil }
        r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/slurm/evaluate_shard.sn").path, model, data, "winoground", out, "1", "-", "tiny"],
                           environment: env)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("result tiny on wino (3 items of 3, shard 0 of 1, "), r.out)
        XCTAssertTrue(r.out.contains("\n3 items in "), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".shard-0-of-1.json"))
        r = try runProcess(try sn(), [packageRoot.appendingPathComponent("examples/slurm/merge.sn").path, out], environment: env)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("tiny"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".json"))
    }
}
