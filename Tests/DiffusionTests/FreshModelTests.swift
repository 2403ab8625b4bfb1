import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Models trained from scratch: the BPE trainer, `StableDiffusion.fresh`, the default recipe and
/// `copy()`. References come from scripts/make_fresh_fixtures.py (transformers 5.24 CLIPTokenizer
/// and CLIPTextModel, diffusers 0.42.1 UNet2DConditionModel, torch 2.15 CPU; Fixtures/fresh/).
///
/// To regenerate: `SOFTNEG_FRESH_FIXTURES=/tmp/fresh swift test -c release --filter FreshModelTests`
/// writes the tokenizer folders and the default-recipe model there, then
/// `$SOFTNEG_PYTHON scripts/make_fresh_fixtures.py /tmp/fresh` checks them in Python and
/// writes the references.
final class FreshModelTests: XCTestCase {
    /// The hand-derived example: low x5 (one spelled "Low"), lower x2, newest x6, widest x3, zoo x1.
    static let tinyCorpus = ["low low low Low low lower lower", "newest newest newest  newest newest newest",
                             "widest widest widest", "zoo"]

    /// Captions in ShapesWorld's style, for the default recipe's tokenizer.
    static let captions: [String] = {
        let colors = ["red", "green", "blue", "yellow", "purple", "orange"]
        let shapes = ["square", "circle", "triangle", "star", "cross", "diamond"]
        let relations = ["to the left of", "to the right of", "above", "below"]
        return (0..<144).map { i in
            let (a, b) = ("\(colors[i % 6]) \(shapes[(i / 6) % 6])", "\(colors[(i + 2) % 6]) \(shapes[(i / 3 + 1) % 6])")
            let rel = relations[(i / 2) % 4]
            switch i % 4 {
            case 0: return "a \(a) \(rel) a \(b)"
            case 1: return "a \(a) is \(rel) a \(b)"
            case 2: return "the \(a) is \(rel) the \(b)"
            default: return i % 8 == 3 ? "there is a \(a) \(rel) a \(b)" : "a small \(a) and a large \(b)"
            }
        }
    }()

    static let fixtureOutput = ProcessInfo.processInfo.environment["SOFTNEG_FRESH_FIXTURES"]

    func tempFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fresh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    // MARK: - BPE

    /// Derived by hand (tie: the pair whose left, then right, symbol is first in UTF-8 order):
    /// counts e s 9 = s t</w> 9 -> "e s"; es t</w> 9; l o 7; e w 6 = n e 6 = w est</w> 6 -> "e w";
    /// ew est</w> 6 = n ew 6 -> "ew est</w>"; n ewest</w>; lo w</w> 5; d est</w> 3 = i d 3 = w i 3;
    /// i dest</w>; w idest</w>; then the count-2 pairs of "lower": e r</w>, lo w, low er</w>.
    /// "zoo" occurs once, so none of its pairs reaches min_pair_count 2.
    static let tinyMerges = ["e s", "es t</w>", "l o", "e w", "ew est</w>", "n ewest</w>", "lo w</w>", "d est</w>",
                             "i dest</w>", "w idest</w>", "e r</w>", "lo w", "low er</w>"]

    func testBPEOnHandMadeCorpusGivesTheHandDerivedMerges() throws {
        let vocabulary = try BPETrainer(merges: 100, minPairCount: 2).train(Self.tinyCorpus)
        XCTAssertEqual(vocabulary.merges.map(\.description), Self.tinyMerges)
        XCTAssertEqual(vocabulary.size, 512 + 13 + 2)
        XCTAssertEqual(vocabulary.tokens[512], "es")
        XCTAssertEqual(vocabulary.tokens[524], "lower</w>")
        XCTAssertEqual(vocabulary.tokens[525], "<|startoftext|>")
        XCTAssertEqual(vocabulary.tokens[526], "<|endoftext|>")

        // A merge budget stops early; min_pair_count 1 also merges the pairs of "zoo".
        let three = try BPETrainer(merges: 3).train(Self.tinyCorpus)
        XCTAssertEqual(three.merges.map(\.description), Array(Self.tinyMerges.prefix(3)))
        let all = try BPETrainer(merges: 100, minPairCount: 1).train(Self.tinyCorpus)
        XCTAssertEqual(Array(all.merges.map(\.description).prefix(13)), Self.tinyMerges)
        XCTAssertEqual(all.merges.map(\.description).suffix(2), ["o o</w>", "z oo</w>"])
        XCTAssertThrowsError(try BPETrainer(merges: -1).train([]))
        XCTAssertThrowsError(try BPETrainer(merges: 1, minPairCount: 0).train([]))
    }

    /// CLIP's vocabulary starts with the same 512 byte symbols in the same order.
    func testByteSymbolsAreInCLIPsOrder() throws {
        let vocabulary = try BPETrainer(merges: 0).train(["anything"])
        XCTAssertEqual(vocabulary.size, 514)
        let clip = try CLIPTokenizer.readVocabulary(FixtureFiles.url("clip-vocab/vocab.json"))
        for (id, token) in vocabulary.tokens.prefix(512).enumerated() {
            XCTAssertEqual(clip[token], id, token)
        }
        XCTAssertEqual(clip["<|endoftext|>"], 49407)
    }

    func testTokenizerFolderLoadsAndRoundTrips() throws {
        let vocabulary = try BPETrainer(merges: 100).train(Self.tinyCorpus)
        let folder = try tempFolder().appendingPathComponent("tokenizer")
        try vocabulary.write(to: folder.path, modelMaxLength: 12)
        let tokenizer = try CLIPTokenizer(folder: folder)
        XCTAssertEqual(tokenizer.vocabularySize, 527)
        XCTAssertEqual(tokenizer.modelMaxLength, 12)
        XCTAssertEqual([tokenizer.bosTokenID, tokenizer.eosTokenID, tokenizer.padTokenID, tokenizer.unknownTokenID], [525, 526, 526, 526])
        // Every corpus word is one token; "zoo" (seen once) stays bytes: z o o</w> (CLIP's ids 89 78 334).
        XCTAssertEqual(tokenizer.encode("Low lower newest widest zoo"), [525, 518, 524, 517, 521, 89, 78, 334, 526])
        for text in ["low lower newest widest zoo", "a new wide lower slower", "caf\u{e9} na\u{ef}ve \u{2603} 4 2"] {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text)
        }
        // Every byte has a symbol, so no text needs the unknown token.
        let ids = tokenizer.encode("\u{1F600} \u{0} ~ \u{7f} Ünïcödé <tag> 'quoted'")
        XCTAssertFalse(ids.dropLast().contains(tokenizer.unknownTokenID))
        XCTAssertEqual(try tokenizer(["low"]), [[525, 518, 526] + Array(repeating: 526, count: 9)])
    }

    /// The committed folders are what the trainer writes today, byte for byte; transformers'
    /// CLIPTokenizer on them gives the ids in tokenizer-ids.json.
    func testTokenizerFilesMatchTheCommittedFoldersAndTransformersIds() throws {
        let folders = [
            ("tiny-tokenizer", try BPETrainer(merges: 100).train(Self.tinyCorpus).files(modelMaxLength: 12)),
            ("default-tokenizer", try DefaultModelRecipe().tokenizer.train(Self.captions).files(modelMaxLength: 32)),
        ]
        if let out = Self.fixtureOutput {
            for (name, files) in folders {
                for (file, data) in files {
                    let url = URL(fileURLWithPath: out).appendingPathComponent(name).appendingPathComponent(file)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try data.write(to: url)
                }
            }
        }
        struct Reference: Decodable {
            let sentences: [String]
            let ids: [String: [[Int]]], padded: [String: [[Int]]]
            let vocab_size: [String: Int]
        }
        let reference = try FixtureFiles.decode(Reference.self, "fresh/tokenizer-ids.json")
        XCTAssertGreaterThan(reference.sentences.count, 10)
        for (name, files) in folders {
            for (file, data) in files {
                XCTAssertEqual(try Data(contentsOf: FixtureFiles.url("fresh/\(name)/\(file)")), data, "\(name)/\(file)")
            }
            let tokenizer = try CLIPTokenizer(folder: FixtureFiles.url("fresh/\(name)"))
            XCTAssertEqual(tokenizer.vocabularySize, reference.vocab_size[name])
            let ids = try XCTUnwrap(reference.ids[name]), padded = try XCTUnwrap(reference.padded[name])
            for (i, sentence) in reference.sentences.enumerated() {
                XCTAssertEqual(tokenizer.encode(sentence), ids[i], "\(name): \(sentence.debugDescription)")
            }
            XCTAssertEqual(try tokenizer(reference.sentences), padded, name)
        }
    }

    func testDefaultTokenizerMakesEveryCaptionWordOneToken() throws {
        let vocabulary = try DefaultModelRecipe().tokenizer.train(Self.captions)
        let folder = try tempFolder().appendingPathComponent("tokenizer")
        try vocabulary.write(to: folder.path, modelMaxLength: 32)
        let tokenizer = try CLIPTokenizer(folder: folder)
        for caption in Self.captions {
            let words = caption.split(separator: " ")
            XCTAssertEqual(tokenizer.encode(caption).count, words.count + 2, caption)
        }
        XCTAssertLessThan(vocabulary.merges.count, 400, "training should stop when no pair occurs twice")
    }

    // MARK: - Fresh pipelines

    func testFreshModelsAreDeterministicBySeed() throws {
        let recipe = DefaultModelRecipe()
        let a = try recipe.build(captions: Self.captions, seed: 7)
        let b = try recipe.build(captions: Self.captions, seed: 7)
        let c = try recipe.build(captions: Self.captions, seed: 8)
        for (name, pa, pb, pc) in [("unet", a.unet.weights.parameters, b.unet.weights.parameters, c.unet.weights.parameters),
                                   ("text", a.textEncoder.parameters, b.textEncoder.parameters, c.textEncoder.parameters)] {
            XCTAssertEqual(Set(pa.keys), Set(pb.keys), name)
            for (key, p) in pa {
                XCTAssertEqual(p.value.scalars, pb[key]?.value.scalars, "\(name) \(key)")
            }
            let random = pa.filter { Set($0.value.value.scalars).count > 2 }
            XCTAssertGreaterThan(random.count, 10)
            for (key, p) in random { XCTAssertNotEqual(p.value.scalars, pc[key]?.value.scalars, "seed 8 \(name) \(key)") }
        }
        // Each component has its own stream: equal-shaped weights of the UNet and the text encoder differ.
        let seeds = Set([StableDiffusion.Component.unet, .textEncoder, .vae].map { StableDiffusion.componentSeed(7, $0) })
        XCTAssertEqual(seeds.count, 3)
    }

    func testFreshChecksTheTextEncoderAgainstTheTokenizer() throws {
        let recipe = DefaultModelRecipe()
        let vocabulary = try recipe.tokenizer.train(Self.captions)
        let files = try vocabulary.files(modelMaxLength: 32)
        var text = recipe.textEncoder
        text.eosTokenId = vocabulary.endOfTextID
        text.vocabSize = vocabulary.size + 1
        XCTAssertThrowsError(try StableDiffusion.fresh(unet: recipe.unet, textEncoder: text, tokenizerFiles: files,
                                                       scheduler: recipe.scheduler, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("vocab_size \(vocabulary.size + 1) is not the tokenizer's vocabulary size \(vocabulary.size)"), "\(error)")
        }
        text.vocabSize = vocabulary.size
        text.maxPositionEmbeddings = 16
        XCTAssertThrowsError(try StableDiffusion.fresh(unet: recipe.unet, textEncoder: text, tokenizerFiles: files,
                                                       scheduler: recipe.scheduler, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("max_position_embeddings"), "\(error)")
        }
        text.maxPositionEmbeddings = 32
        text.eosTokenId = 0
        XCTAssertThrowsError(try StableDiffusion.fresh(unet: recipe.unet, textEncoder: text, tokenizerFiles: files,
                                                       scheduler: recipe.scheduler, seed: 0))
        text.eosTokenId = vocabulary.endOfTextID
        XCTAssertThrowsError(try StableDiffusion.fresh(unet: recipe.unet, textEncoder: text, tokenizerFiles: ["vocab.json": Data()],
                                                       scheduler: recipe.scheduler, seed: 0))
        text.hiddenSize = 32
        XCTAssertThrowsError(try StableDiffusion.fresh(unet: recipe.unet, textEncoder: text, tokenizerFiles: files,
                                                       scheduler: recipe.scheduler, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("cross_attention_dim"), "\(error)")
        }
    }

    func testRecipeIsCodable() throws {
        var recipe = DefaultModelRecipe(size: 16, modelMaxLength: 24)
        recipe.tokenizer.merges = 123
        let decoded = try JSONDecoder().decode(DefaultModelRecipe.self, from: JSONEncoder().encode(recipe))
        XCTAssertEqual(decoded, recipe)
        XCTAssertEqual(decoded.unet.sampleSize, [16])
    }

    /// The default recipe saved, reloaded by diffusers and transformers (make_fresh_fixtures.py):
    /// the same token ids, text states and noise prediction, and the same parameter counts.
    func testDefaultRecipeMatchesDiffusersAndTransformers() throws {
        let model = try DefaultModelRecipe().build(captions: Self.captions, seed: 7)
        let folder = try tempFolder().appendingPathComponent("default-model")
        try model.save(to: folder.path)
        if let out = Self.fixtureOutput { try model.save(to: URL(fileURLWithPath: out).appendingPathComponent("default-model").path) }

        let reloaded = try StableDiffusion.load(from: folder.path)
        for (key, p) in model.unet.weights.parameters {
            XCTAssertEqual(reloaded.unet.weights.parameters[key]?.value.scalars, p.value.scalars, key)
        }
        XCTAssertEqual(reloaded.textEncoder.config, model.textEncoder.config)
        XCTAssertEqual(reloaded.scheduler.config.className, "DDPMScheduler")

        struct Counts: Decodable { let unet: Int, text_encoder: Int, folder_bytes: Int }
        let counts = try FixtureFiles.decode(Counts.self, "fresh/default-model.json")
        let unetCount = model.unet.weights.parameters.values.reduce(0) { $0 + $1.value.count }
        let textCount = model.textEncoder.parameters.values.reduce(0) { $0 + $1.value.count }
        XCTAssertEqual(unetCount, counts.unet)
        XCTAssertEqual(textCount, counts.text_encoder)

        let refs = try SafeTensorsFile(path: FixtureFiles.url("fresh/default-model.ref.safetensors").path).loadAll()
        let ids = try ModelFixtures.tensor(refs, "input_ids")
        let prompts = ["a red square to the left of a blue circle", "there is a small green star"]
        let tokenized = try model.tokenize(prompts)
        XCTAssertEqual(tokenized.flatMap { $0 }.map(Float.init), ids.scalars)
        let states = try noGrad { try model.encodeText(prompts) }
        let textError = ModelFixtures.scaledError(states, try ModelFixtures.tensor(refs, "text_states"))
        XCTAssertLessThan(textError, 1e-5, "text states vs transformers")

        let x = try ModelFixtures.tensor(refs, "x"), t = try ModelFixtures.tensor(refs, "t")
        let eps = try noGrad {
            try model.unet(x, timestep: t, encoderHiddenStates: try ModelFixtures.tensor(refs, "text_states"))
        }
        let unetError = ModelFixtures.scaledError(eps, try ModelFixtures.tensor(refs, "unet_out"))
        XCTAssertLessThan(unetError, 1e-4, "UNet output vs diffusers")
    }

    // MARK: - Copies

    func testCopyIsIndependent() throws {
        let original = try DefaultModelRecipe().build(captions: Self.captions, seed: 3)
        original.unet.weights.parameters["conv_in.weight"]?.requiresGrad = true
        let copy = try original.copy()
        for (key, p) in original.unet.weights.parameters {
            let q = try XCTUnwrap(copy.unet.weights.parameters[key], key)
            XCTAssertFalse(p === q, key)
            XCTAssertEqual(p.value.scalars, q.value.scalars, key)
            XCTAssertEqual(p.requiresGrad, q.requiresGrad, key)
        }
        for (key, p) in original.textEncoder.parameters {
            let q = try XCTUnwrap(copy.textEncoder.parameters[key], key)
            XCTAssertFalse(p === q, key)
            XCTAssertEqual(p.value.scalars, q.value.scalars, key)
        }
        XCTAssertEqual(copy.verbatimFiles, original.verbatimFiles)
        XCTAssertEqual(copy.scheduler.config, original.scheduler.config)

        let before = try XCTUnwrap(original.unet.weights.parameters["conv_in.weight"]?.value)
        let copied = try XCTUnwrap(copy.unet.weights.parameters["conv_in.weight"])
        copied.value = try copied.value + 1
        copy.textEncoder.parameters["text_model.final_layer_norm.weight"]?.value = Tensor.zeros([64])
        XCTAssertEqual(original.unet.weights.parameters["conv_in.weight"]?.value.scalars, before.scalars)
        XCTAssertEqual(original.textEncoder.parameters["text_model.final_layer_norm.weight"]?.value.scalars,
                       Array(repeating: 1, count: 64))

        // The copy computes with its own weights: changed conv_in, changed output; the original's is as before.
        let x = try Tensor.randn([1, 3, 32, 32], seed: 1)
        let context = try Tensor.randn([1, 32, 64], seed: 2)
        let t = Tensor([500])
        let fresh = try DefaultModelRecipe().build(captions: Self.captions, seed: 3)
        let expected = try noGrad { try fresh.unet(x, timestep: t, encoderHiddenStates: context) }
        XCTAssertEqual(try noGrad { try original.unet(x, timestep: t, encoderHiddenStates: context) }.scalars, expected.scalars)
        XCTAssertNotEqual(try noGrad { try copy.unet(x, timestep: t, encoderHiddenStates: context) }.scalars, expected.scalars)
    }

    func testCopyCarriesLoRAAdapters() throws {
        let original = try DefaultModelRecipe().build(captions: Self.captions, seed: 3)
        let layers = original.unet.weights.linearLayers.filter { $0.key.hasSuffix("attn2.to_q") }
        let (prefix, layer) = try XCTUnwrap(layers.sorted { $0.key < $1.key }.first)
        layer.lora = LoRAAdapter(down: try Tensor.randn([2, layer.inFeatures], seed: 4), up: try Tensor.randn([layer.outFeatures, 2], seed: 5), scale: 1)
        let copy = try original.copy()
        let copied = try XCTUnwrap(copy.unet.weights.linearLayers[prefix]?.lora)
        XCTAssertFalse(copied === layer.lora)
        XCTAssertEqual(copied.down.value.scalars, layer.lora?.down.value.scalars)
        XCTAssertEqual(copied.up.value.scalars, layer.lora?.up.value.scalars)
        copied.up.value = Tensor.zeros(copied.up.shape)
        XCTAssertNotEqual(layer.lora?.up.value.scalars, copied.up.value.scalars)
    }
}
