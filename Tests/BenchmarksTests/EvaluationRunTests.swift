import Foundation
import XCTest
@testable import Benchmarks
import Diffusion
import Matching

/// The evaluation runner on the tiny pixel-space fixture model (scripts/make_fixtures.py) and
/// ShapesWorld items: sharded runs merge into exactly the unsharded result, and the scores are
/// the DiffusionITM scores of each unit.
final class EvaluationRunTests: XCTestCase {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../DiffusionTests/Fixtures/models/pixel-tiny").standardized.path

    func evaluation(shard: Shard? = nil) throws -> Evaluation {
        var settings = MatchSettings()
        settings.samples = 3
        let matcher = ImageTextMatcher(model: try StableDiffusion.load(from: Self.model), settings: settings)
        var e = Evaluation(matcher: matcher, loader: ImageLoader(size: 16), method: "pixel-tiny", shard: shard)
        e.bootstrap = BootstrapSettings(resamples: 50, seed: 1)
        return e
    }

    func testShardsMergeIntoTheUnshardedRun() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 3, imageSize: 16))
        for task in [ShapesWorldTask.winoground, .vgRelation] {
            let dataset = try world.dataset(task, count: 3)
            let full = try evaluation().run(dataset)
            let parts = try (0..<2).map { try evaluation(shard: Shard($0, of: 2)).run(dataset) }
            var merged = try EvaluationResult.merge(parts)
            merged.shard = nil
            XCTAssertEqual(merged.items, full.items, "\(task)")
            XCTAssertEqual(merged.metrics, full.metrics, "\(task)")
            XCTAssertEqual(full.items.count, 3)
        }
    }

    func testWinogroundScoresAreTheMatcherScores() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 5, imageSize: 16))
        let dataset = try world.dataset(.winoground, count: 1)
        guard case let .winoground(items) = dataset.task, let item = items.first else { return XCTFail("no item") }
        let e = try evaluation()
        let direct = try e.matcher.errors(images: [e.loader.load(item.image0), e.loader.load(item.image1)],
                                          captions: [item.caption0, item.caption1])
        let result = try e.run(dataset)
        XCTAssertEqual(result.items.first?.scores, try direct.imageScoreMatrix())
        // s[c][i] = -mean_k(cond[i][c][k] - uncond[i][k]), recomputed here from the errors.
        let c = direct.cond, u = direct.uncond
        let s01 = -zip(c[1][0], u[1]).map { Double($0) - Double($1) }.reduce(0, +) / Double(u[1].count)
        XCTAssertEqual(try direct.imageScoreMatrix()[0][1], s01, accuracy: 1e-9)
    }

    func testTrainingDataIsRefused() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 1, imageSize: 16))
        XCTAssertThrowsError(try evaluation().run(try world.dataset(.training, count: 2)))
    }
}
