import XCTest
@testable import Benchmarks

final class PartOfSpeechTests: XCTestCase {
    /// Fixtures/text/tagged_captions.txt, tagged by hand. ShapesWorld captions must be exact;
    /// free captions at least 90% of tokens, and nouns/adjectives (what ARO's shuffles move)
    /// at least 90% recall.
    func testTaggerOnHandTaggedCaptions() throws {
        let lines = try Fixtures.text("text/tagged_captions.txt").split(separator: "\n")
        var section = 0
        var total = 0, right = 0, nounAdj = 0, nounAdjRight = 0
        var misses: [String] = []
        for line in lines {
            if line.hasPrefix("# COCO") { section = 1 }
            if line.hasPrefix("#") || line.isEmpty { continue }
            let pairs = line.split(separator: " ").map { word -> (String, String) in
                let parts = word.split(separator: "/", omittingEmptySubsequences: false)
                return (String(parts.dropLast().joined(separator: "/")), String(parts.last ?? ""))
            }
            let tokens = pairs.map(\.0)
            XCTAssertEqual(captionTokens(tokens.joined(separator: " ")), tokens)
            let tags = PartOfSpeechTagger.tag(tokens).map(\.rawValue)
            for ((word, expected), got) in zip(pairs, tags) {
                total += 1
                if expected == got { right += 1 } else { misses.append("\(word): \(got) (want \(expected))") }
                if expected == "NOUN" || expected == "ADJ" {
                    nounAdj += 1
                    if expected == got { nounAdjRight += 1 }
                }
                if section == 0 { XCTAssertEqual(got, expected, "\(word) in: \(line)") }
            }
        }
        let accuracy = Double(right) / Double(total)
        let recall = Double(nounAdjRight) / Double(nounAdj)
        XCTAssertGreaterThanOrEqual(accuracy, 0.9, "token accuracy \(accuracy); misses: \(misses)")
        XCTAssertGreaterThanOrEqual(recall, 0.9, "noun/adjective recall \(recall); misses: \(misses)")
    }

    func testTokenizerSplitsPunctuationAndClitics() {
        XCTAssertEqual(captionTokens("A stack of banana's, sitting (next) to it."),
                       ["A", "stack", "of", "banana", "'s", ",", "sitting", "(", "next", ")", "to", "it", "."])
        XCTAssertEqual(captionTokens("it isn't"), ["it", "is", "n't"])
    }

    func testPreCaptionMatchesBLIP() {
        // Worked by hand from BLIP's pre_caption regexes.
        XCTAssertEqual(preCaption("A man with a red helmet on a small moped on a dirt road. "),
                       "a man with a red helmet on a small moped on a dirt road")
        XCTAssertEqual(preCaption("Hello!!  \"World\" (x)"), "hello world x")
        XCTAssertEqual(preCaption("one two three four", maxWords: 2), "one two")
        XCTAssertEqual(preCaption("a;b"), "a b")
    }
}

final class PerturbationTests: XCTestCase {
    let caption = "a small red square to the left of a large blue circle near a green star"

    func tagged(_ s: String) -> [(String, PartOfSpeech)] { PartOfSpeechTagger.tag(s) }

    func testShuffleNounsAndAdjectivesMovesOnlyThose() {
        var rng = SeededGenerator(seed: 1)
        var changed = false
        for _ in 0..<10 {
            let out = AROPerturbation.shuffleNounsAndAdjectives.apply(caption, &rng)
            let before = tagged(caption), after = out.split(separator: " ").map(String.init)
            XCTAssertEqual(after.count, before.count)
            for ((word, tag), new) in zip(before, after) {
                if tag != .noun && tag != .adjective { XCTAssertEqual(word, new) }
            }
            let nouns = before.filter { $0.1 == .noun }.map(\.0).sorted()
            let adjectives = before.filter { $0.1 == .adjective }.map(\.0).sorted()
            XCTAssertEqual(zip(before, after).filter { $0.0.1 == .noun }.map(\.1).sorted(), nouns)
            XCTAssertEqual(zip(before, after).filter { $0.0.1 == .adjective }.map(\.1).sorted(), adjectives)
            changed = changed || out != caption
        }
        XCTAssertTrue(changed)
    }

    func testShuffleAllButNounsAndAdjectivesKeepsThemInPlace() {
        var rng = SeededGenerator(seed: 2)
        let out = AROPerturbation.shuffleAllButNounsAndAdjectives.apply(caption, &rng)
        let before = tagged(caption), after = out.split(separator: " ").map(String.init)
        for ((word, tag), new) in zip(before, after) where tag == .noun || tag == .adjective {
            XCTAssertEqual(word, new)
        }
        XCTAssertEqual(after.sorted(), before.map(\.0).sorted())
        XCTAssertNotEqual(out, caption)
    }

    func testTrigramShuffles() {
        let words = "w0 w1 w2 w3 w4 w5 w6 w7".split(separator: " ").map(String.init)
        let text = words.joined(separator: " ")
        var rng = SeededGenerator(seed: 3)
        let within = AROPerturbation.shuffleWithinTrigrams.apply(text, &rng).split(separator: " ").map(String.init)
        // Trigrams [w0 w1 w2] [w3 w4 w5] [w6 w7]: each keeps its words and its place.
        XCTAssertEqual(Set(within[0..<3]), ["w0", "w1", "w2"])
        XCTAssertEqual(Set(within[3..<6]), ["w3", "w4", "w5"])
        XCTAssertEqual(Set(within[6..<8]), ["w6", "w7"])
        let across = AROPerturbation.shuffleTrigrams.apply(text, &rng)
        // Whole trigrams move, their insides intact.
        var rest = across
        for gram in ["w0 w1 w2", "w3 w4 w5", "w6 w7"] { XCTAssertTrue(rest.contains(gram)); rest = rest.replacingOccurrences(of: gram, with: "") }
        XCTAssertEqual(rest.trimmingCharacters(in: .whitespaces), "")
        // Same seed, same result.
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        for p in AROPerturbation.allCases { XCTAssertEqual(p.apply(caption, &a), p.apply(caption, &b)) }
    }

    func testSeededGeneratorIsSplitMix64() {
        // SplitMix64 with seed 0: the first output is 0xE220A8397B1DCDAF (Vigna's reference sequence).
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}

final class NegativesTests: XCTestCase {
    func testSwapsOnShapesWorldCaptionsKeepTheWording() throws {
        let c = "there is a red square to the left of an orange circle"
        XCTAssertEqual(try negatives(c, kind: .swapSubjectObject), ["there is an orange circle to the left of a red square"])
        XCTAssertEqual(try negatives(c, kind: .swapAttributes), ["there is an orange square to the left of a red circle"])
        let relations = try negatives(c, kind: .swapRelation, count: 5)
        XCTAssertEqual(Set(relations), ["there is a red square above an orange circle", "there is a red square below an orange circle",
                                        "there is a red square to the right of an orange circle"])
        // Never the logically equivalent "an orange circle to the right of a red square".
        for kind: NegativeKind in [.swapSubjectObject, .swapAttributes, .swapRelation] {
            for n in try negatives(c, kind: kind, count: 5) {
                XCTAssertFalse(try XCTUnwrap(CaptionMeaning.parse(n)).isEquivalent(to: try XCTUnwrap(CaptionMeaning.parse(c))))
            }
        }
        // "A and B" has no subject/object negative.
        XCTAssertEqual(try negatives("the red square and the blue circle", kind: .swapSubjectObject), [])
    }

    func testSwapsOnFreeCaptions() throws {
        // Whole noun phrases trade places, adjectives included; the articles follow.
        XCTAssertEqual(try negatives("A child holding a flowered umbrella.", kind: .swapSubjectObject),
                       ["A flowered umbrella holding a child."])
        XCTAssertEqual(try negatives("a dog chasing an orange ball", kind: .swapSubjectObject), ["an orange ball chasing a dog"])
        XCTAssertEqual(try negatives("A red helmet is on a yellow toilet in the dirt.", kind: .swapAttributes),
                       ["A yellow helmet is on a red toilet in the dirt."])
        XCTAssertEqual(try negatives("the cup is on top of the table", kind: .swapRelation), ["the cup is under the table"])
        XCTAssertEqual(try negatives("the dog is to the left of the cat", kind: .swapRelation), ["the dog is to the right of the cat"])
        // Symmetric relation: "a dog next to a cat" == "a cat next to a dog", so no swap is offered.
        XCTAssertEqual(try negatives("a dog next to a cat", kind: .swapSubjectObject), [])
        XCTAssertEqual(try negatives("a dog", kind: .swapSubjectObject), [])
    }

    func testPerturbationNegativesAreDistinctAndSeeded() throws {
        let c = "a small red square to the left of a large blue circle"
        let a = try negatives(c, kind: .perturbation(.shuffleTrigrams), count: 3, seed: 5)
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(Set(a).count, 3)
        XCTAssertFalse(a.contains(c))
        XCTAssertEqual(a, try negatives(c, kind: .perturbation(.shuffleTrigrams), count: 3, seed: 5))
        XCTAssertEqual(NegativeKind(name: "shuffle_nouns_and_adj"), .perturbation(.shuffleNounsAndAdjectives))
        XCTAssertEqual(NegativeKind(name: "command: cat", timeout: 2), .command("cat", timeout: 2))
        XCTAssertNil(NegativeKind(name: "bogus"))
    }

    func testExternalGenerator() throws {
        // The caption arrives on stdin; candidates come back one per line. A copy of the caption
        // (here in capitals) and the equivalent "B right of A" are dropped; blank lines ignored.
        let out = try negatives("a red square left of a blue circle",
                                kind: .command("read c; echo \"$c\" | sed s/red/green/; echo \"$c\" | tr a-z A-Z; "
                                    + "echo 'a blue circle right of a red square'; echo; echo 'a blue square left of a red circle'", timeout: 10),
                                count: 5)
        XCTAssertEqual(out, ["a green square left of a blue circle", "a blue square left of a red circle"])

        XCTAssertThrowsError(try ExternalNegativeGenerator(command: "echo oops >&2; exit 3", timeout: 10).candidates(for: "x")) { e in
            XCTAssertTrue(String(describing: e).contains("status 3"), "\(e)")
            XCTAssertTrue(String(describing: e).contains("oops"), "\(e)")
        }
        XCTAssertThrowsError(try ExternalNegativeGenerator(command: "cat > /dev/null", timeout: 10).candidates(for: "x")) { e in
            XCTAssertTrue(String(describing: e).contains("no candidates"), "\(e)")
        }
        let start = Date()
        XCTAssertThrowsError(try ExternalNegativeGenerator(command: "sleep 30; echo late", timeout: 0.5).candidates(for: "x")) { e in
            XCTAssertTrue(String(describing: e).contains("timed out"), "\(e)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "the timeout must kill the whole process group")
        XCTAssertThrowsError(try ExternalNegativeGenerator(command: "no-such-program-xyz", timeout: 10).candidates(for: "x")) { e in
            XCTAssertTrue(String(describing: e).contains("status 127"), "\(e)")
        }
    }
}
