import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// UNet2DConditionModel against diffusers 0.42.1 (refs/<model>.ref.safetensors from
/// scripts/make_fixtures.py): noise predictions within 1e-4 of the reference relative to its
/// largest magnitude, for a scalar timestep and for one timestep per sample.
final class UNetTests: XCTestCase {
    func checkParity(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let unet = try UNet2DConditionModel.load(from: ModelFixtures.path("models/\(model)"))
        let r = try ModelFixtures.ref(model)
        let x = try ModelFixtures.tensor(r, "unet.sample"), ctx = try ModelFixtures.tensor(r, "unet.encoder_hidden_states")
        let single = try noGrad { try unet(x, timestep: ModelFixtures.tensor(r, "unet.timestep"), encoderHiddenStates: ctx) }
        XCTAssertLessThan(ModelFixtures.scaledError(single, try ModelFixtures.tensor(r, "unet.noise_pred")), 1e-4, file: file, line: line)
        let batch = try noGrad { try unet(x, timestep: ModelFixtures.tensor(r, "unet.timesteps"), encoderHiddenStates: ctx) }
        XCTAssertLessThan(ModelFixtures.scaledError(batch, try ModelFixtures.tensor(r, "unet.noise_pred_batch_t")), 1e-4, file: file, line: line)
    }

    /// SD-1.x style: int attention_head_dim (the number of heads), conv projections.
    func testSD1TinyMatchesDiffusers() throws { try checkParity("sd1-tiny") }

    /// SD-2.x style: a list of heads, linear projections.
    func testSD2TinyMatchesDiffusers() throws { try checkParity("sd2-tiny") }

    /// Pixel space, no VAE: 3 channels.
    func testPixelTinyMatchesDiffusers() throws { try checkParity("pixel-tiny") }

    func testWrongInputShapesNameExpectedAndActual() throws {
        let unet = try UNet2DConditionModel.load(from: ModelFixtures.path("models/sd1-tiny"))
        let ctx = Tensor.zeros([1, 77, 16])
        func message(_ body: () throws -> Tensor) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { try unet(Tensor.zeros([3, 32, 32]), timestep: Tensor(1), encoderHiddenStates: ctx) },
                       "unet expects x of shape [B,4,H,W], got [3,32,32]")
        XCTAssertEqual(message { try unet(Tensor.zeros([1, 3, 8, 8]), timestep: Tensor(1), encoderHiddenStates: ctx) },
                       "unet expects x of shape [B,4,H,W], got [1,3,8,8]")
        XCTAssertEqual(message { try unet(Tensor.zeros([1, 4, 8, 8]), timestep: Tensor.zeros([2]), encoderHiddenStates: ctx) },
                       "unet expects t as a number or of shape [1] (one per sample), got [2]")
        XCTAssertEqual(message { try unet(Tensor.zeros([1, 4, 8, 8]), timestep: Tensor(1), encoderHiddenStates: Tensor.zeros([1, 77, 8])) },
                       "unet expects context of shape [1,L,16], got [1,77,8]")
    }

    /// Absent keys take diffusers' defaults (UNet2DConditionModel.__init__ in diffusers 0.42.1);
    /// int-or-list fields become one value per down block.
    func testConfigDefaultsAndIntOrList() throws {
        let json = #"""
            {"block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "attention_head_dim": 4,
             "layers_per_block": [1, 2], "sample_size": [16, 24]}
            """#
        let c = try JSONDecoder().decode(UNetConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.attentionHeadDim, [4, 4])
        XCTAssertEqual(c.heads, [4, 4])
        XCTAssertEqual(c.layersPerBlock, [1, 2])
        XCTAssertEqual(c.crossAttentionDim, [1280, 1280])
        XCTAssertEqual(c.transformerLayersPerBlock, [1, 1])
        XCTAssertEqual(c.sampleSize, [16, 24])
        XCTAssertEqual(c.inChannels, 4)
        XCTAssertEqual(c.normNumGroups, 32)
        XCTAssertEqual(c.normEps, 1e-5)
        XCTAssertTrue(c.flipSinToCos)
        XCTAssertEqual(c.freqShift, 0)
        XCTAssertEqual(c.downsamplePadding, 1)
        XCTAssertEqual(c.midBlockType, "UNetMidBlock2DCrossAttn")
        XCTAssertFalse(c.useLinearProjection)
        XCTAssertEqual(c.timeEmbedDim, 128)
        let heads = try JSONDecoder().decode(UNetConfig.self, from: Data(#"{"num_attention_heads": [2, 5, 10, 20], "attention_head_dim": 64}"#.utf8))
        XCTAssertEqual(heads.heads, [2, 5, 10, 20])
        XCTAssertEqual(try JSONDecoder().decode(UNetConfig.self, from: Data(#"{"mid_block_type": null}"#.utf8)).midBlockType, nil)
    }

    func testUnsupportedConfigNamesTheKey() throws {
        var c = UNetConfig()
        c.classEmbedType = "timestep"
        XCTAssertThrowsError(try c.validate(origin: "cfg")) { error in
            XCTAssertEqual("\(error)", "cfg: config 'class_embed_type' timestep is not supported (only null)")
        }
        c = UNetConfig()
        c.blockOutChannels = [320, 640]
        XCTAssertThrowsError(try c.validate(origin: "cfg")) { error in
            XCTAssertEqual("\(error)", "cfg: config 'block_out_channels' has 2 entries, down_block_types has 4")
        }
    }

    /// Sinusoidal features checked against the formula by hand: t = 3, dim 4, no shift:
    /// freqs = exp(-ln(1e4) * [0, 1] / 2) = [1, 0.01]; flip puts cos first.
    func testTimestepEmbeddingFormula() throws {
        let e = sinusoidalTimestepEmbedding([3], dim: 4, flipSinToCos: true, freqShift: 0)
        let expected: [Float] = [Foundation.cos(3), Foundation.cos(0.03), Foundation.sin(3), Foundation.sin(0.03)]
        for (a, b) in zip(e.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let shifted = sinusoidalTimestepEmbedding([3], dim: 4, flipSinToCos: false, freqShift: 1)
        // half - shift = 1: freqs = [1, 1e-4]
        let expectedShifted: [Float] = [Foundation.sin(3), Foundation.sin(3e-4), Foundation.cos(3), Foundation.cos(3e-4)]
        for (a, b) in zip(shifted.scalars, expectedShifted) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    /// Sizes that do not halve evenly: each upsampler resizes to its skip connection's size, as
    /// diffusers does (forward_upsample_size); the output keeps the input's size.
    func testOddInputSizeKeepsShape() throws {
        let unet = try UNet2DConditionModel.load(from: ModelFixtures.path("models/sd1-tiny"))
        let y = try noGrad { try unet(Tensor.zeros([1, 4, 7, 9]), timestep: Tensor(10), encoderHiddenStates: Tensor.zeros([1, 5, 16])) }
        XCTAssertEqual(y.shape, [1, 4, 7, 9])
    }

    /// Gradients reach the weights through every block (what fine-tuning relies on): one weight's
    /// gradient checked against a central finite difference of the summed output.
    func testGradientMatchesFiniteDifference() throws {
        let unet = try UNet2DConditionModel.load(from: ModelFixtures.path("models/sd1-tiny"))
        let r = try ModelFixtures.ref("sd1-tiny")
        let x = try ModelFixtures.tensor(r, "unet.sample"), ctx = try ModelFixtures.tensor(r, "unet.encoder_hidden_states")
        let key = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"
        guard let p = unet.weights.parameters[key] else { return XCTFail("no \(key)") }
        p.requiresGrad = true
        defer { p.requiresGrad = false }
        let loss = try unet(x, timestep: Tensor(500), encoderHiddenStates: ctx).sum()
        try loss.backward()
        guard let grad = p.grad else { return XCTFail("no gradient") }
        let original = p.value
        func value(_ delta: Float) throws -> Double {
            var s = original.scalars
            s[3] += delta
            p.value = try Tensor(shape: original.shape, scalars: s)
            return try Double(noGrad { try unet(x, timestep: Tensor(500), encoderHiddenStates: ctx).sum().item() })
        }
        let h: Float = 1e-2
        let numeric = (try value(h) - value(-h)) / Double(2 * h)
        p.value = original
        XCTAssertEqual(Double(grad.scalars[3]), numeric, accuracy: 2e-2 * max(1, abs(numeric)))
    }
}

/// Attention over large score matrices runs a group of samples, or of queries, at a time; the
/// result must be the one-call result (Tensor.attention) up to float rounding.
final class ChunkedAttentionTests: XCTestCase {
    func testChunksMatchOneCall() throws {
        var g = RandomGenerator(seed: 3)
        let q = try g.normal([3, 10, 8]), k = try g.normal([3, 6, 8]), v = try g.normal([3, 6, 8])
        let whole = try Tensor.attention(q, k, v, heads: 2)
        // 2 heads x 10 x 6 = 120 scores per sample: 250 groups two samples; 50 splits queries.
        for budget in [250, 50, 7] {
            let chunked = try Attention.chunkedAttention(q, k, v, heads: 2, budget: budget)
            XCTAssertEqual(chunked.shape, whole.shape)
            XCTAssertLessThan(ModelFixtures.scaledError(chunked, whole), 1e-6, "budget \(budget)")
        }
    }
}

/// GEGLU splits either the activation or the weight rows, whichever is smaller: both must be
/// diffusers' proj -> chunk(2) -> value * gelu(gate) -> net.2.
final class FeedForwardTests: XCTestCase {
    func testBothSplitsMatchChunkedProjection() throws {
        let ff = try FeedForward(WeightStore(freshWithSeed: 1, origin: "ff"), "ff", dim: 8)
        var g = RandomGenerator(seed: 2)
        for tokens in [3, 20] {  // fewer tokens than features, then more
            let x = try g.normal([1, tokens, 8])
            let halves = try ff.proj(x).chunked(2, axis: -1)
            let expected = try ff.out(halves[0] * halves[1].gelu())
            XCTAssertLessThan(ModelFixtures.scaledError(try ff(x), expected), 1e-6, "\(tokens) tokens")
        }
    }
}
