import XCTest
import Diffusion
@testable import Training
import Tensors

/// The one batch assembly behind a training step and the `loss` builtin, on a toy model whose
/// text embedding is the caption's length, so which captions went in can be read off the contexts.
final class LossBatchAssemblyTests: XCTestCase {
    let model = TrainableModel(
        encodeText: { captions in try Tensor(shape: [captions.count, 1, 1], scalars: captions.map { Float($0.count) }) },
        encodeImages: { images, rng in
            // Consumes one draw, as the pipeline's encoder does, so the order of draws is tested too.
            _ = try rng.integers(1, in: 0..<10)
            return try images.sliced(axis: 1, start: 0, end: 1)
        },
        predict: { x, _, _ in x }, alphasCumprod: [0.9, 0.5, 0.1])

    func examples(negativeImages: Bool = true, negativeCaptions: Bool = true) throws -> [FineTuneExample] {
        try (0..<2).map { i in
            let image = try Tensor(shape: [1, 3, 1, 2], scalars: (0..<6).map { Float($0 + 10 * i) })
            return FineTuneExample(image: image, caption: String(repeating: "p", count: i + 1),
                                   negativeCaption: negativeCaptions ? String(repeating: "n", count: i + 5) : nil,
                                   negativeImage: negativeImages ? image * -1 : nil)
        }
    }

    func testDrawsComeInTheDocumentedOrder() throws {
        var rng = RandomGenerator(seed: 3)
        let batch = try LossBatch.assemble(.noneg, examples: try examples(), negatives: .batch, model: model, rng: &rng)
        var expected = RandomGenerator(seed: 3)
        _ = try expected.integers(1, in: 0..<10)
        XCTAssertEqual(batch.timesteps, try expected.integers(2, in: 0..<3))
        XCTAssertEqual(batch.noise.scalars, try expected.normal([2, 1, 1, 2]).scalars)
        XCTAssertEqual(batch.latents.scalars, [0, 1, 10, 11])
        XCTAssertEqual(batch.contexts.scalars, [1, 2])
        XCTAssertNil(batch.unconditionalContext)
        XCTAssertNil(batch.negativeContexts)
    }

    func testGivenTimestepsAndNoiseAreUsedAndChecked() throws {
        var rng = RandomGenerator(seed: 0)
        let noise = try Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
        let batch = try LossBatch.assemble(.softneg, examples: try examples(), negatives: .batch, timesteps: [2, 0], noise: noise,
                                           model: model, rng: &rng)
        XCTAssertEqual(batch.timesteps, [2, 0])
        XCTAssertEqual(batch.noise.scalars, [1, 2, 3, 4])
        XCTAssertEqual(batch.unconditionalContext?.scalars, [0], "softneg gets the empty caption's embedding")
        XCTAssertThrowsError(try LossBatch.assemble(.noneg, examples: try examples(), negatives: .batch, timesteps: [3, 0],
                                                    model: model, rng: &rng)) { XCTAssertTrue("\($0)".contains("0..<3"), "\($0)") }
        XCTAssertThrowsError(try LossBatch.assemble(.noneg, examples: try examples(), negatives: .batch, noise: Tensor.zeros([2, 1, 1, 3]),
                                                    model: model, rng: &rng)) { XCTAssertTrue("\($0)".contains("noise"), "\($0)") }
    }

    /// `loss`'s batches: the images when every example has one, else the captions, else an error.
    func testBatchNegativesPreferImagesThenCaptions() throws {
        var rng = RandomGenerator(seed: 1)
        let both = try LossBatch.assemble(.hardneg, examples: try examples(), negatives: .batch, model: model, rng: &rng)
        XCTAssertEqual(both.negativeLatents?.scalars, [0, -1, -10, -11])
        XCTAssertNil(both.negativeContexts)
        let captions = try LossBatch.assemble(.hardneg, examples: try examples(negativeImages: false), negatives: .batch, model: model, rng: &rng)
        XCTAssertEqual(captions.negativeContexts?.scalars, [5, 6])
        XCTAssertNil(captions.negativeLatents)
        let none = try LossBatch.assemble(.hardneg, examples: try examples(negativeImages: false, negativeCaptions: false),
                                          negatives: .batch, model: model, rng: &rng)
        XCTAssertThrowsError(try trainingLoss(.hardneg, batch: none, model: model)) { XCTAssertTrue("\($0)".contains("neg_captions"), "\($0)") }
    }

    /// The trainer's mix: one draw u; images below p_image, captions below p_image + p_caption,
    /// else a random other caption of the pool, never the example's own.
    func testMixFollowsItsProbabilitiesAndFallsThrough() throws {
        let pool = FineTuneData(count: 3, example: { _ in throw TensorError.invalidArgument(op: "test", message: "unused") },
                                caption: { ["p", "pp", "ppp"][$0] })
        func assemble(_ pImage: Float, _ pCaption: Float, _ ex: [FineTuneExample]) throws -> LossBatch {
            var rng = RandomGenerator(seed: 2)
            return try LossBatch.assemble(.hardneg, examples: ex, negatives: .mix(image: pImage, caption: pCaption, pool: pool),
                                          model: model, rng: &rng)
        }
        XCTAssertEqual(try assemble(1, 0, examples()).negativeLatents?.scalars, [0, -1, -10, -11])
        XCTAssertEqual(try assemble(0, 1, examples()).negativeContexts?.scalars, [5, 6])
        // Images picked but missing: falls through to the captions.
        XCTAssertEqual(try assemble(1, 0, examples(negativeImages: false)).negativeContexts?.scalars.count, 2)
        for seed in 0..<20 as Range<UInt64> {
            var rng = RandomGenerator(seed: seed)
            let other = try LossBatch.assemble(.hardneg, examples: try examples(), negatives: .mix(image: 0, caption: 0, pool: pool),
                                               model: model, rng: &rng)
            let lengths = try XCTUnwrap(other.negativeContexts).scalars
            XCTAssertNotEqual(lengths[0], 1, "example 0's own caption")
            XCTAssertNotEqual(lengths[1], 2, "example 1's own caption")
            XCTAssertTrue(lengths.allSatisfy { [1, 2, 3].contains($0) })
        }
    }
}
