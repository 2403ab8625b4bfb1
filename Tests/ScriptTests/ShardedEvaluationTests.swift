import Benchmarks
import Foundation
import Script
import XCTest

/// evaluate(shard:, out:) names its files so merge_results(out) finds the set; shard: "auto" takes
/// the Slurm array task; the merge equals the unsharded run item for item and names a missing shard.
/// On the tiny pixel-space fixture model (scripts/make_fixtures.py), 16-pixel ShapesWorld items.
final class ShardedEvaluationTests: XCTestCase {
    let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/pixel-tiny").path
    let arrayVariables = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP"]

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-shards-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func result(_ run: Run, _ name: String) throws -> EvaluationResult {
        guard case .host(let h)? = run.interpreter.variable(name), let r = h as? ResultValue else {
            XCTFail("\(name) is not a result")
            throw CocoaError(.coderInvalidValue)
        }
        return r.result
    }

    func prelude(_ dir: String) -> String {
        """
        m = load("\(model)")
        ds = shapes_world("winoground", count: 5, seed: 3, size: 16)
        fn ev(shard) = evaluate(m, ds, method: "tiny", samples: 2, resamples: 50, size: 16, shard: shard, out: "\(dir)/w")

        """
    }

    func testShardFilesMergeIntoTheUnshardedRun() throws {
        let dir = try scratch()
        for v in arrayVariables { unsetenv(v) }
        let run = Run()
        try run(prelude(dir) + """
            full = evaluate(m, ds, method: "tiny", samples: 2, resamples: 50, size: 16)
            for k in [2, 0, 1] { ev([k, 3]) }
            merged = merge_results("\(dir)/w", out: "\(dir)/merged")
            """)
        let full = try result(run, "full"), merged = try result(run, "merged")
        XCTAssertEqual(full.items.count, 5)
        XCTAssertEqual(merged.items, full.items)
        XCTAssertEqual(merged.metrics, full.metrics)
        XCTAssertNil(merged.shard)
        for k in 0..<3 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/w.shard-\(k)-of-3.json"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/w.shard-\(k)-of-3.csv"))
        }
        XCTAssertEqual(try EvaluationResult.read("\(dir)/merged.json"), merged)

        try FileManager.default.removeItem(atPath: "\(dir)/w.shard-1-of-3.json")
        let error = try XCTUnwrap(scriptError(#"merge_results("\#(dir)/w")"#))
        XCTAssertEqual(error.message, "merge_results: cannot merge shard results: shard 1 of 3 is missing (2 of 3 present): no \(dir)/w.shard-1-of-3.json; rerun that array task")
    }

    func testAutoShardIsTheArrayTaskOrTheWholeDataset() throws {
        let dir = try scratch()
        for v in arrayVariables { unsetenv(v) }
        defer { for v in arrayVariables { unsetenv(v) } }
        let run = Run()
        try run(prelude(dir) + "whole = ev(\"auto\")\nexplicit = ev([1, 2])")
        let whole = try result(run, "whole")
        XCTAssertEqual(whole.shard, try Shard(0, of: 1))
        XCTAssertEqual(whole.items.map(\.index), Array(0..<5))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/w.shard-0-of-1.json"))

        // --array=1-2: task id 2 is shard 1 of 2.
        setenv("SLURM_ARRAY_TASK_ID", "2", 1)
        setenv("SLURM_ARRAY_TASK_COUNT", "2", 1)
        setenv("SLURM_ARRAY_TASK_MIN", "1", 1)
        try run("task = ev(\"auto\")")
        let task = try result(run, "task"), explicit = try result(run, "explicit")
        XCTAssertEqual(task.shard, try Shard(1, of: 2))
        XCTAssertEqual(task.items, explicit.items)
        XCTAssertEqual(task.items.map(\.index), [2, 3, 4])

        setenv("SLURM_ARRAY_TASK_ID", "3", 1)
        let error = try XCTUnwrap(scriptError(prelude(dir) + "ev(\"auto\")"))
        XCTAssertTrue(error.message.contains("submit the shards as --array=0-1"), error.message)
        XCTAssertEqual(scriptError(prelude(dir) + "ev(\"all\")")?.message, "evaluate: shard must be [k, n] or \"auto\", got \"all\"")
    }
}
