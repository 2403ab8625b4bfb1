import Foundation
import XCTest
import Diffusion

/// CLIP tokenization against transformers 5.24 `CLIPTokenizer` (tokenizers backend) on the real
/// CLIP vocabulary converted from open-clip-torch 3.3.0's bpe_simple_vocab_16e6.txt.gz
/// (scripts/make_fixtures.py, Fixtures/tokenizer/*.json). Ids must be identical.
final class TokenizerTests: XCTestCase {
    struct Reference: Decodable {
        let pad_token: String, pad_token_id: Int, model_max_length: Int
        let sentences: [String], ids: [[Int]], padded: [[Int]]
    }

    static let shared: Result<CLIPTokenizer, Error> = Result {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw CocoaError(.fileNoSuchFile) }
        return try CLIPTokenizer(folder: root.appendingPathComponent("clip-vocab"))
    }

    func realVocabulary() throws -> CLIPTokenizer { try Self.shared.get() }

    func check(_ tokenizer: CLIPTokenizer, against reference: Reference, _ label: String) throws {
        XCTAssertEqual(tokenizer.padTokenID, reference.pad_token_id, label)
        XCTAssertEqual(tokenizer.modelMaxLength, reference.model_max_length, label)
        XCTAssertGreaterThan(reference.sentences.count, 20)
        for (i, sentence) in reference.sentences.enumerated() {
            XCTAssertEqual(tokenizer.encode(sentence), reference.ids[i], "\(label) encode: \(sentence.debugDescription)")
        }
        let padded = try tokenizer(reference.sentences, padding: true, maxLength: 77)
        for (i, sentence) in reference.sentences.enumerated() {
            XCTAssertEqual(padded[i], reference.padded[i], "\(label) padded: \(sentence.debugDescription)")
        }
        XCTAssertEqual(try tokenizer(reference.sentences), padded, "\(label): model_max_length is the default length")
    }

    func testAstronautPrompt() throws {
        let tokenizer = try realVocabulary()
        XCTAssertEqual(tokenizer.vocabularySize, 49408)
        XCTAssertEqual(tokenizer.encode("a photo of an astronaut riding a horse on mars"),
                       [49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496, 49407])
    }

    func testRealVocabularyPaddingWithEOS() throws {
        let reference = try FixtureFiles.decode(Reference.self, "tokenizer/clip-vocab-pad-eos.json")
        XCTAssertEqual(reference.pad_token, "<|endoftext|>")
        try check(try realVocabulary(), against: reference, "pad EOS")
    }

    /// SD 2.x pads with "!", given as a plain string: it is a special token matched in the raw
    /// text too, so "wow!!" ends in two pad ids, as transformers tokenizes it.
    func testRealVocabularyPaddingWithExclamationMark() throws {
        let reference = try FixtureFiles.decode(Reference.self, "tokenizer/clip-vocab-pad-bang.json")
        XCTAssertEqual(reference.pad_token, "!")
        let vocab = try FixtureFiles.url("clip-vocab")
        let settings = try TokenizerSettings(folder: try FixtureFiles.url("clip-vocab-pad-bang"))
        XCTAssertEqual(settings.pad, TokenizerSettings.SpecialToken("!", normalized: false))
        let tokenizer = try CLIPTokenizer(vocabulary: vocab.appendingPathComponent("vocab.json"),
                                          merges: vocab.appendingPathComponent("merges.txt"), settings: settings)
        try check(tokenizer, against: reference, "pad !")
    }

    /// A vocabulary without non-ASCII byte symbols: accents, CJK and emoji become unknown tokens.
    func testUnknownSymbolsAsTransformers() throws {
        let reference = try FixtureFiles.decode(Reference.self, "tokenizer/ascii-unk.json")
        let tokenizer = try CLIPTokenizer(folder: try FixtureFiles.url("tokenizer/ascii-unk"))
        XCTAssertTrue(reference.ids.joined().contains(tokenizer.unknownTokenID))
        try check(tokenizer, against: reference, "ascii-unk")
    }

    func testTinyModelTokenizersLoad() throws {
        let sd1 = try CLIPTokenizer(folder: try FixtureFiles.url("models/sd1-tiny/tokenizer"))
        XCTAssertEqual(sd1.padTokenID, sd1.eosTokenID)
        let sd2 = try CLIPTokenizer(folder: try FixtureFiles.url("models/sd2-tiny/tokenizer"))
        XCTAssertEqual(sd2.padTokenID, 0)
        // transformers 5.24 on this folder: padding="max_length", max_length=6, truncation=True.
        XCTAssertEqual(try sd2(["a cat"], maxLength: 6), [[1012, 320, 66, 536, 1013, 0]])
    }

    func testTruncationKeepsEOSAndDecodeRoundTrips() throws {
        let tokenizer = try realVocabulary()
        let long = String(repeating: "red square ", count: 60)
        let ids = try tokenizer([long], padding: false, maxLength: 10)[0]
        XCTAssertEqual(ids.count, 10)
        XCTAssertEqual(ids.first, 49406)
        XCTAssertEqual(ids.last, 49407)
        XCTAssertEqual(try tokenizer(["a"], padding: false, maxLength: 77)[0], [49406, 320, 49407])
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("A photo of an astronaut, riding!")), "a photo of an astronaut , riding !")
        XCTAssertThrowsError(try tokenizer(["a"], maxLength: 1))
    }

    func testBadFilesAreErrorsNamingTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("softneg-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try CLIPTokenizer(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("vocab.json"), "\(error)")
        }
        try Data(#"{"a": 0, "b": 1, "<|startoftext|>": 2, "<|endoftext|>": 3}"#.utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na b c\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        XCTAssertThrowsError(try CLIPTokenizer(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("merges.txt") && "\(error)".contains("line 2"), "\(error)")
        }
        try Data("#version: 0.2\na b\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        try Data(#"{"pad_token": "<pad>"}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        XCTAssertThrowsError(try CLIPTokenizer(folder: dir)) { error in
            XCTAssertTrue("\(error)".contains("pad_token") && "\(error)".contains("<pad>"), "\(error)")
        }
    }
}
