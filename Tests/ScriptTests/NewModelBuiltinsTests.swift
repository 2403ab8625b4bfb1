import Foundation
import Script
import Tensors
import XCTest

/// new_model and copy_model from a script. The model code itself is checked against diffusers and
/// transformers in DiffusionTests/FreshModelTests; here: the arguments reach it, and errors name them.
final class NewModelBuiltinsTests: XCTestCase {
    func tensor(_ run: Run, _ name: String) throws -> Tensor {
        guard case .tensor(let t)? = run.interpreter.variable(name) else {
            XCTFail("\(name) is not a tensor")
            throw CocoaError(.coderInvalidValue)
        }
        return t
    }

    func testNewModelLearnsTheCaptionsWordsAndCopyModelKeepsTheWeights() throws {
        let run = Run()
        try run("""
            caps = ["a red square above a blue circle", "a blue circle below a red square", "the red square and the blue circle"]
            m = new_model(caps, seed: 1, max_length: 16, merges: 200)
            c = copy_model(m)
            ids = tokenize(m, "the red square, a blue circle")
            n = m.tokenizer.vocab_size
            e1 = encode_text(m, "a red square")
            e2 = encode_text(c, "a red square")
            small = new_model(caps, merges: 0)
            n0 = small.tokenizer.vocab_size
            """)
        let ids = try tensor(run, "ids").scalars
        XCTAssertEqual(ids.count, 16)
        // BOS, six words seen at least twice (one token each), "," (one byte symbol), EOS, then EOS
        // as padding; BOS and EOS are the last two ids.
        guard case .number(let n)? = run.interpreter.variable("n") else { return XCTFail("vocab_size is not a number") }
        XCTAssertEqual(ids[0], Float(n - 2))
        XCTAssertEqual(ids[4], 267, "',</w>' has CLIP's id")
        XCTAssertEqual(ids[8], Float(n - 1))
        XCTAssertEqual(Array(ids[9...]), Array(repeating: Float(n - 1), count: 7))
        XCTAssertEqual(try tensor(run, "e1").scalars, try tensor(run, "e2").scalars)
        XCTAssertEqual(try tensor(run, "e1").shape, [1, 16, 64])
        guard case .number(let n0)? = run.interpreter.variable("n0") else { return XCTFail("vocab_size is not a number") }
        XCTAssertEqual(n0, 514, "no merges: the 512 byte symbols and the two special tokens")
    }

    func testWordTokensAndUNetBlocks() throws {
        let run = Run()
        try run("""
            caps = ["a red square above a blue circle", "a blue circle below a red square"]
            m = new_model(caps, words: true, max_length: 12, channels: [16, 32, 32], attention: [true, true, false])
            ids = tokenize(m, "a red square above a blue circle")
            bpe = tokenize(new_model(caps, max_length: 12), "a red square above a blue circle")
            n = m.tokenizer.vocab_size
            kinds = m.unet.config.down_block_types
            ch = m.unet.config.block_out_channels
            """)
        // BOS, seven words seen once or twice but one token each, EOS, then EOS padding.
        let ids = try tensor(run, "ids").scalars
        guard case .number(let n)? = run.interpreter.variable("n") else { return XCTFail("vocab_size is not a number") }
        XCTAssertEqual(ids.count, 12)
        XCTAssertEqual(ids[0], Float(n - 2))
        XCTAssertEqual(ids[8], Float(n - 1))
        XCTAssertTrue(ids[1...7].allSatisfy { $0 < Float(n - 2) }, "seven words, seven tokens: \(ids)")
        XCTAssertNotEqual(try tensor(run, "bpe").scalars, ids, "merges seen once are not learned without words: true")
        XCTAssertEqual(Printer.plain.repr(run.interpreter.variable("kinds") ?? .none),
                       #"["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]"#)
        XCTAssertEqual(Printer.plain.repr(run.interpreter.variable("ch") ?? .none), "[16, 32, 32]")
        XCTAssertTrue(scriptError(#"new_model(["a b"], channels: [30, 64, 64])"#)?.description.contains("multiples of 8") ?? false)
        XCTAssertTrue(scriptError(#"new_model(["a b"], attention: [true])"#)?.description.contains("one entry per block") ?? false)
    }

    func testArgumentErrorsNameTheArgument() throws {
        XCTAssertTrue(scriptError(#"new_model(["a b"], size: 10)"#)?.description.contains("size must be a multiple of 4") ?? false)
        XCTAssertTrue(scriptError(#"new_model(["a b"], merges: -1)"#)?.description.contains("merges must be in") ?? false)
        XCTAssertTrue(scriptError(#"new_model([])"#)?.description.contains("vocab_from") ?? false)
        XCTAssertNotNil(scriptError("copy_model(5)"))
    }
}
