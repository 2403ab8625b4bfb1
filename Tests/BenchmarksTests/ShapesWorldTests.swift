import XCTest
@testable import Benchmarks
import Tensors

final class ShapesWorldTests: XCTestCase {
    var world: ShapesWorld!

    override func setUpWithError() throws {
        world = try ShapesWorld(ShapesWorldConfig(seed: 7, imageSize: 32))
    }

    func scene(_ s: ImageSource) throws -> ShapesScene {
        guard case let .scene(x) = s else { throw BenchmarkError.invalidArgument(op: "test", message: "not a scene") }
        return x
    }

    // MARK: Determinism

    func testSameSeedGivesIdenticalPixelsAndCaptions() throws {
        let other = try ShapesWorld(ShapesWorldConfig(seed: 7, imageSize: 32))
        for i in 0..<6 {
            let a = try world.winogroundItem(index: i), b = try other.winogroundItem(index: i)
            XCTAssertEqual(a, b)
            XCTAssertEqual(try world.render(scene(a.image0)).scalars, try other.render(scene(b.image0)).scalars)
        }
        XCTAssertEqual(try world.imageCoDeItem(index: 3), try other.imageCoDeItem(index: 3))
        XCTAssertEqual(try world.trainingExamples(count: 5), try other.trainingExamples(count: 5))
        XCTAssertEqual(try world.aroItems(.cocoOrder, count: 4), try other.aroItems(.cocoOrder, count: 4))
        XCTAssertEqual(try world.retrieval(count: 12), try other.retrieval(count: 12))
    }

    func testItemsDependOnlyOnTheirIndexAndTheSeedChangesThem() throws {
        // Prefix-stable: item 4 is the same whether 5 or 10 items are drawn (shards rely on it).
        XCTAssertEqual(try world.winogroundItems(count: 5)[4], try world.winogroundItems(count: 10)[4])
        let reseeded = try ShapesWorld(ShapesWorldConfig(seed: 8, imageSize: 32))
        let a = try world.winogroundItems(count: 6).map(\.caption0)
        let b = try reseeded.winogroundItems(count: 6).map(\.caption0)
        XCTAssertNotEqual(a, b)
    }

    // MARK: Rendering

    func testRenderShapeRangeAndColours() throws {
        // Hand-placed scene: a large red square centred at (0.25, 0.5) and a small blue circle at (0.75, 0.5).
        let s = ShapesScene(objects: [
            SceneObject(shape: .square, color: .red, size: .large, x: 0.25, y: 0.5),
            SceneObject(shape: .circle, color: .blue, size: .small, x: 0.75, y: 0.5),
        ])
        for size in [32, 64] {
            let t = try ShapesWorldRenderer().render(s, size: size)
            XCTAssertEqual(t.shape, [1, 3, size, size])
            XCTAssertTrue(t.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
            let plane = size * size
            func pixel(_ x: Double, _ y: Double) -> [Float] {
                let px = Int(x * Double(size)), py = Int(y * Double(size))
                return (0..<3).map { t.scalars[$0 * plane + py * size + px] }
            }
            // Fully covered pixels carry the object's colour exactly; far ones the background.
            XCTAssertEqual(pixel(0.25, 0.5), [0.90, 0.10, 0.10])
            XCTAssertEqual(pixel(0.75, 0.5), [0.15, 0.30, 0.95])
            XCTAssertEqual(pixel(0.02, 0.02), [0.5, 0.5, 0.5])
            XCTAssertEqual(pixel(0.5, 0.9), [0.5, 0.5, 0.5])
        }
    }

    func testAntialiasedEdgesBlend() throws {
        // A square edge at x = 0.5 - 0.82*0.17 = 0.3606: the 32px column 11 (0.34375..0.375) is
        // covered to (0.375 - 0.3606)·32 = 46%, quantised by 4x4 supersampling to 2/4 of the samples.
        let s = ShapesScene(objects: [SceneObject(shape: .square, color: .red, size: .large, x: 0.5, y: 0.5)])
        let t = try ShapesWorldRenderer(supersample: 4).render(s, size: 32)
        let red = t.scalars[16 * 32 + 11]
        XCTAssertEqual(red, 0.5 * 0.5 + 0.5 * 0.9, accuracy: 1e-6)
    }

    // MARK: Captions and negatives

    func testWinogroundItemsAreMinimalPairs() throws {
        for item in try world.winogroundItems(count: 30) {
            let m0 = try XCTUnwrap(CaptionMeaning.parse(item.caption0), item.caption0)
            let m1 = try XCTUnwrap(CaptionMeaning.parse(item.caption1), item.caption1)
            let s0 = try scene(item.image0), s1 = try scene(item.image1)
            XCTAssertEqual(s0.truth(of: m0), .isTrue)
            XCTAssertEqual(s1.truth(of: m1), .isTrue)
            XCTAssertEqual(s1.truth(of: m0), .isFalse, "\(item.caption0) must be false in image 1")
            XCTAssertEqual(s0.truth(of: m1), .isFalse, "\(item.caption1) must be false in image 0")
            XCTAssertFalse(m0.isEquivalent(to: m1))
            // Same objects in both pictures, rearranged or recoloured.
            XCTAssertEqual(s0.objects.count, s1.objects.count)
            XCTAssertEqual(Set(s0.objects.map(\.shape)), Set(s1.objects.map(\.shape)))
            switch item.tag {
            case "object":
                // Same words, different order.
                XCTAssertEqual(item.caption0.split(separator: " ").sorted(), item.caption1.split(separator: " ").sorted())
            case "attribute":
                XCTAssertEqual(item.caption0.split(separator: " ").sorted(), item.caption1.split(separator: " ").sorted())
                XCTAssertEqual(s0.objects.map(\.x), s1.objects.map(\.x))
            case "relation":
                guard case let .relation(_, r0, _) = m0, case let .relation(_, r1, _) = m1 else { return XCTFail() }
                XCTAssertNotEqual(r0.isHorizontal, r1.isHorizontal)
            default: XCTFail("unexpected tag \(item.tag ?? "nil")")
            }
        }
    }

    func testEquivalentCaptionsAreNeverNegatives() throws {
        let s = NounPhrase(shape: .square, color: .red), o = NounPhrase(shape: .circle, color: .blue)
        let positive = CaptionMeaning.relation(s, .leftOf, o)
        XCTAssertTrue(positive.isEquivalent(to: .relation(o, .rightOf, s)))
        XCTAssertFalse(positive.isEquivalent(to: .relation(o, .leftOf, s)))
        for kind in CaptionSwap.allCases {
            for neg in positive.swapped(kind) {
                XCTAssertFalse(neg.isEquivalent(to: positive), "\(kind): \(neg)")
            }
        }
        // Swaps do what they say.
        XCTAssertEqual(positive.swapped(.subjectObject), [.relation(o, .leftOf, s)])
        XCTAssertEqual(positive.swapped(.attributes),
                       [.relation(NounPhrase(shape: .square, color: .blue), .leftOf, NounPhrase(shape: .circle, color: .red))])
        XCTAssertEqual(Set(positive.swapped(.relation)),
                       [.relation(s, .above, o), .relation(s, .below, o), .relation(s, .rightOf, o)])
        // "A and B" has no subject/object negative: "B and A" says the same.
        XCTAssertEqual(CaptionMeaning.conjunction(s, o).swapped(.subjectObject), [])

        for i in 0..<40 {
            let labeled = try world.labeledScene(index: i)
            for neg in labeled.negativeCaptions() {
                XCTAssertFalse(neg.meaning.isEquivalent(to: labeled.caption.meaning))
                XCTAssertEqual(labeled.scene.truth(of: neg.meaning), .isFalse, neg.text)
            }
        }
    }

    func testCaptionTextsParseBackToTheirMeaning() throws {
        let a = NounPhrase(shape: .triangle, color: .orange, size: .large), b = NounPhrase(shape: .star, color: .green)
        for r in SpatialRelation.allCases {
            for t in CaptionTemplate.allCases {
                for v in 0..<3 {
                    let c = ShapesCaption(meaning: .relation(a, r, b), template: t, phraseVariant: v)
                    XCTAssertEqual(CaptionMeaning.parse(c.text), c.meaning, c.text)
                }
            }
        }
        XCTAssertEqual(ShapesCaption(meaning: .relation(a, .leftOf, b)).text, "a large orange triangle to the left of a green star")
        XCTAssertEqual(ShapesCaption(meaning: .relation(NounPhrase(shape: .circle, color: .orange), .below, b), template: .copula).text,
                       "an orange circle is below a green star")
        XCTAssertEqual(CaptionTemplate.definite.text(.conjunction(a, b)), "the large orange triangle and the green star")
        XCTAssertNil(CaptionMeaning.parse("a dog on a couch"))
    }

    func testImageCoDeItemsHaveOneMatchingImage() throws {
        for item in try world.imageCoDeItems(count: 6) {
            XCTAssertEqual(item.images.count, 10)
            let meaning = try XCTUnwrap(CaptionMeaning.parse(item.caption))
            let scenes = try item.images.map(scene)
            for (k, s) in scenes.enumerated() {
                XCTAssertEqual(s.truth(of: meaning), k == item.target ? .isTrue : .isFalse, "image \(k)")
                for other in scenes[(k + 1)...] { XCTAssertTrue(s.isVisiblyDifferent(from: other)) }
            }
        }
    }

    func testAROItems() throws {
        for item in try world.aroItems(.vgRelation, count: 10) {
            XCTAssertEqual(item.trueIndex, 1)
            let s = try scene(item.image)
            let t = try XCTUnwrap(CaptionMeaning.parse(item.captions[1])), f = try XCTUnwrap(CaptionMeaning.parse(item.captions[0]))
            XCTAssertEqual(s.truth(of: t), .isTrue)
            XCTAssertEqual(s.truth(of: f), .isFalse)
            XCTAssertTrue(item.captions[1].hasPrefix("the "))
            XCTAssertTrue(SpatialRelation.allCases.map(\.rawValue).contains(item.group ?? ""))
        }
        for item in try world.aroItems(.vgAttribution, count: 10) {
            let s = try scene(item.image)
            guard case let .conjunction(a, b)? = CaptionMeaning.parse(item.captions[1]),
                  case let .conjunction(c, d)? = CaptionMeaning.parse(item.captions[0]) else { return XCTFail() }
            XCTAssertEqual(s.truth(of: .conjunction(a, b)), .isTrue)
            XCTAssertEqual(s.truth(of: .conjunction(c, d)), .isFalse)
            XCTAssertEqual([c.shape, d.shape], [a.shape, b.shape])
            XCTAssertEqual([c.color, d.color], [b.color, a.color])
            XCTAssertEqual(item.group, "\(a.color?.rawValue ?? "")_\(b.color?.rawValue ?? "")")
        }
        for item in try world.aroItems(.cocoOrder, count: 10) {
            XCTAssertEqual(item.captions.count, 5)
            XCTAssertEqual(item.trueIndex, 0)
            for p in item.captions.dropFirst() {
                XCTAssertEqual(p.split(separator: " ").sorted(), item.captions[0].split(separator: " ").sorted())
            }
        }
    }

    /// The probes: swap_attribute exchanges the two named colours (same words, other binding);
    /// replace_colour changes one named colour to one the scene lacks (other words).
    func testSwapAndColourReplacementProbes() throws {
        guard case let .aro(_, swaps) = try world.swapDataset(.attributes, count: 10).task,
              case let .aro(_, replacements) = try world.colourReplacementDataset(count: 10).task else { return XCTFail() }
        for item in swaps {
            XCTAssertEqual(item.captions[0].split(separator: " ").sorted(), item.captions[1].split(separator: " ").sorted())
            XCTAssertEqual(try scene(item.image).truth(of: try XCTUnwrap(CaptionMeaning.parse(item.captions[1]))), .isTrue)
            XCTAssertEqual(try scene(item.image).truth(of: try XCTUnwrap(CaptionMeaning.parse(item.captions[0]))), .isFalse)
        }
        for item in replacements {
            let s = try scene(item.image)
            XCTAssertEqual(s.truth(of: try XCTUnwrap(CaptionMeaning.parse(item.captions[1]))), .isTrue, item.captions[1])
            XCTAssertEqual(s.truth(of: try XCTUnwrap(CaptionMeaning.parse(item.captions[0]))), .isFalse, item.captions[0])
            let (negative, positive) = (item.captions[0].split(separator: " "), item.captions[1].split(separator: " "))
            let changed = zip(negative, positive).filter { $0 != $1 && !["a", "an"].contains($0) }  // "a red" -> "an orange"
            XCTAssertEqual(negative.count, positive.count)
            XCTAssertEqual(changed.count, 1, "\(item.captions)")
            let colours = Set(ShapeColor.allCases.map(\.rawValue))
            for (new, old) in changed {
                XCTAssertTrue(colours.contains(String(new)) && colours.contains(String(old)))
                XCTAssertFalse(s.objects.contains { $0.color.rawValue == new }, "\(new) is in the scene")
            }
        }
        guard case let .aro(_, again) = try world.colourReplacementDataset(count: 10).task else { return XCTFail() }
        XCTAssertEqual(again, replacements)
    }

    func testRetrievalCaptionsAreUnique() throws {
        let r = try world.retrieval(count: 25)
        XCTAssertEqual(r.images.count, 25)
        XCTAssertEqual(r.captionImage, Array(0..<25))
        for (k, caption) in r.captions.enumerated() {
            let m = try XCTUnwrap(CaptionMeaning.parse(caption))
            for (i, image) in r.images.enumerated() {
                XCTAssertEqual(try scene(image).truth(of: m), i == k ? .isTrue : .isFalse)
            }
        }
    }

    func testTrainingExamplesPairUp() throws {
        let xs = try world.trainingExamples(count: 7)
        XCTAssertEqual(xs.count, 7)
        for x in xs {
            let s = try scene(x.image)
            let m = try XCTUnwrap(CaptionMeaning.parse(x.caption))
            XCTAssertEqual(s.truth(of: m), .isTrue)
            for n in x.negativeCaptions { XCTAssertEqual(s.truth(of: try XCTUnwrap(CaptionMeaning.parse(n))), .isFalse) }
            for n in x.negativeImages { XCTAssertEqual(try scene(n).truth(of: m), .isFalse) }
        }
        // Mirrored pairs: example 1's positive is example 0's negative.
        XCTAssertEqual(xs[1].caption, xs[0].negativeCaptions.first)
        XCTAssertEqual(xs[0].caption, xs[1].negativeCaptions.first)
        XCTAssertEqual(xs[1].image, xs[0].negativeImages.first)
    }

    /// The simple world of the PyTorch reference: two objects, no sizes, one wording, far apart.
    func testPlainTwoObjectWorld() throws {
        var c = ShapesWorldConfig(seed: 7, imageSize: 32)
        (c.minObjects, c.maxObjects) = (2, 2)
        c.sizeMentionProbability = 0
        c.plainWording = true
        c.minPairDistance = 0.45
        let plain = try ShapesWorld(c)
        let xs = try plain.trainingExamples(count: 40)
        for x in xs {
            let s = try scene(x.image)
            XCTAssertEqual(s.objects.count, 2)
            let m = try XCTUnwrap(CaptionMeaning.parse(x.caption))
            guard case let .relation(subject, relation, object) = m else { return XCTFail("not a relation: \(x.caption)") }
            XCTAssertNil(subject.size)
            XCTAssertEqual(x.caption, "\(subject.indefinite) \(relation.phrases[0]) \(object.indefinite)")
            let (a, b) = (s.objects[0], s.objects[1])
            XCTAssertGreaterThanOrEqual(((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot(), 0.45)
        }
        // The default world keeps its templates, sizes and third objects.
        let varied = try world.trainingExamples(count: 40)
        XCTAssertTrue(varied.contains { $0.caption.hasPrefix("there is") || $0.caption.hasPrefix("the ") })
        XCTAssertTrue(varied.contains { (try? scene($0.image).objects.count) == 3 })
        c.minPairDistance = 0.7
        XCTAssertThrowsError(try ShapesWorld(c)) { XCTAssertTrue("\($0)".contains("min_pair_distance")) }
    }

    func testConfigValidationAndDecodingDefaults() throws {
        var c = ShapesWorldConfig()
        c.maxObjects = 4
        XCTAssertThrowsError(try ShapesWorld(c))
        let decoded = try JSONDecoder().decode(ShapesWorldConfig.self, from: Data(#"{"seed": 3, "image_size": 64}"#.utf8))
        XCTAssertEqual(decoded.seed, 3)
        XCTAssertEqual(decoded.imageSize, 64)
        XCTAssertEqual(decoded.minObjects, 2)
        XCTAssertEqual(decoded.supersample, 4)
    }
}
