import Foundation
import XCTest
@testable import Benchmarks

/// `shard: "auto"` from a Slurm array job's variables, and finding a shard set by its file names:
/// complete sets come back in shard order; a missing, doubled or mixed set is refused by name.
final class ShardFilesTests: XCTestCase {
    func testArrayTaskFromSlurmVariables() throws {
        XCTAssertEqual(try Shard.arrayTask(environment: [:]), try Shard(0, of: 1), "outside an array job: the whole dataset")
        XCTAssertEqual(try Shard.arrayTask(environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(2, of: 4))
        // --array=1-4: task ids 1..4 are shards 0..3.
        let oneBased = ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_STEP": "1"]
        XCTAssertEqual(try Shard.arrayTask(environment: oneBased), try Shard(3, of: 4))
        // --array=0-6:2: ids 0, 2, 4, 6 are shards 0..3.
        let stepped = ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_STEP": "2"]
        XCTAssertEqual(try Shard.arrayTask(environment: stepped), try Shard(2, of: 4))

        func message(_ env: [String: String]) -> String {
            do { return "no error: \(try Shard.arrayTask(environment: env))" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(["SLURM_ARRAY_TASK_ID": "1"]).contains("SLURM_ARRAY_TASK_COUNT is not"))
        XCTAssertTrue(message(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"]).contains("SLURM_ARRAY_TASK_ID=\"x\" is not a whole number"))
        XCTAssertTrue(message(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3"]).contains("--array=0-2"))
        XCTAssertTrue(message(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "2"]).contains("not one of 4"))
    }

    func testShardFileNames() throws {
        XCTAssertEqual(ShardFiles.base("out/base_winoground", shard: try Shard(2, of: 5)), "out/base_winoground.shard-2-of-5")
        XCTAssertEqual(ShardFiles.base("out/base_winoground", shard: nil), "out/base_winoground")
        XCTAssertEqual(ShardFiles.parse("w.shard-10-of-12.json", stem: "w").map { [$0.0, $0.1] }, [10, 12])
        XCTAssertNil(ShardFiles.parse("w.shard-1-of-2.csv", stem: "w"))
        XCTAssertNil(ShardFiles.parse("w2.shard-1-of-2.json", stem: "w"))
        XCTAssertNil(ShardFiles.parse("w.shard--1-of-2.json", stem: "w"))
        XCTAssertNil(ShardFiles.parse("w.shard-1-of-2-of-3.json", stem: "w"))
    }

    /// Winoground-style items 0..<10 in n shards, written as evaluate(out:) writes them.
    func writeShards(_ dir: String, _ base: String, n: Int, only: [Int]? = nil) throws {
        for k in only ?? Array(0..<n) {
            let shard = try Shard(k, of: n)
            let items = shard.range(total: 10).map { ItemScores(index: $0, id: "\($0)", scores: [[1, 0], [0, 1]]) }
            let part = try EvaluationResult(method: "m", task: "t", protocol: .winoground, totalItems: 10, shard: shard, items: items)
            try part.write(to: ShardFiles.base(dir + "/" + base, shard: shard))
        }
    }

    func message(_ body: () throws -> Any) -> String {
        do { return "no error: \(try body())" } catch { return "\(error)" }
    }

    func testFindReturnsACompleteSetInShardOrder() throws {
        let dir = try Fixtures.scratch("shardfiles")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try writeShards(dir, "res", n: 12)
        try writeShards(dir, "res_other", n: 2)  // another evaluation beside it is not part of the set
        let found = try ShardFiles.find(dir + "/res")
        XCTAssertEqual(found.map(\.shard.index), Array(0..<12), "numeric order, not file-name order (10 before 2)")
        XCTAssertEqual(found[10].path, dir + "/res.shard-10-of-12.json")
        // 12 shards of 10 items: shard 0 is empty, its metrics NaN, written as "nan" and read back.
        let empty = try EvaluationResult.read(found[0].path)
        XCTAssertTrue(empty.items.isEmpty)
        XCTAssertFalse(empty.metrics.isEmpty)
        XCTAssertTrue(empty.metrics.allSatisfy { $0.value.isNaN && $0.low.isNaN && $0.high.isNaN })
        XCTAssertTrue(String(decoding: try empty.jsonData(), as: UTF8.self).contains("\"value\" : \"nan\""))
        let merged = try EvaluationResult.merge(try found.map { try EvaluationResult.read($0.path) }, sources: found.map(\.path))
        XCTAssertEqual(merged.items.map(\.index), Array(0..<10))
        XCTAssertNil(merged.shard)
    }

    func testFindNamesMissingDoubledAndMixedShards() throws {
        let dir = try Fixtures.scratch("shardfiles-bad")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertTrue(message { try ShardFiles.find(dir + "/res") }.contains("no shard files res.shard-<k>-of-<n>.json in \(dir)"))

        try writeShards(dir, "res", n: 4, only: [0, 1, 3])
        XCTAssertEqual(message { try ShardFiles.find(dir + "/res") },
                       "cannot merge shard results: shard 2 of 4 is missing (3 of 4 present): no \(dir)/res.shard-2-of-4.json; rerun that array task")

        try writeShards(dir, "two", n: 5, only: [0, 3])
        XCTAssertTrue(message { try ShardFiles.find(dir + "/two") }.contains("shards 1, 2, 4 of 5 are missing (2 of 5 present)"))

        try writeShards(dir, "res", n: 4, only: [2])
        try FileManager.default.copyItem(atPath: dir + "/res.shard-1-of-4.json", toPath: dir + "/res.shard-01-of-4.json")
        XCTAssertEqual(message { try ShardFiles.find(dir + "/res") },
                       "cannot merge shard results: shard 1 of 4 is given 2 times (\(dir)/res.shard-01-of-4.json, \(dir)/res.shard-1-of-4.json)")
        try FileManager.default.removeItem(atPath: dir + "/res.shard-01-of-4.json")
        XCTAssertEqual(try ShardFiles.find(dir + "/res").count, 4)

        try writeShards(dir, "res", n: 2, only: [0])
        XCTAssertTrue(message { try ShardFiles.find(dir + "/res") }.contains("different shard counts: 2 (res.shard-0-of-2.json) and 4 (res.shard-0-of-4.json, "))

        try writeShards(dir, "odd", n: 2)
        try FileManager.default.copyItem(atPath: dir + "/odd.shard-1-of-2.json", toPath: dir + "/odd.shard-2-of-2.json")
        XCTAssertTrue(message { try ShardFiles.find(dir + "/odd") }.contains("odd.shard-2-of-2.json names shard 2 of 2, which does not exist"))
    }

    func testMergeNamesTheDoubledShardsSources() throws {
        let parts = try (0..<3).map { k -> EvaluationResult in
            let shard = try Shard(k == 2 ? 1 : k, of: 3)
            let items = shard.range(total: 10).map { ItemScores(index: $0, id: "\($0)", scores: [[1, 0], [0, 1]]) }
            return try EvaluationResult(method: "m", task: "t", protocol: .winoground, totalItems: 10, shard: shard, items: items)
        }
        XCTAssertEqual(message { try EvaluationResult.merge(parts, sources: ["a.json", "b.json", "c.json"]) },
                       "cannot merge shard results: shard 1 of 3 is given 2 times (b.json, c.json)")
        XCTAssertEqual(message { try EvaluationResult.merge(parts) },
                       "cannot merge shard results: shard 1 of 3 is given 2 times (result 2 of the list, result 3 of the list)")
        XCTAssertEqual(message { try EvaluationResult.merge([parts[0], parts[1]]) },
                       "cannot merge shard results: shard 2 of 3 is missing (2 of 3 present)")
    }
}
