import Tensors

/// The project's own compositional world: two or three coloured shapes on a plain background,
/// captions about how two of them are placed, and every benchmark format built from them.
/// Item i of a task depends only on (seed, task, i): same seed, same pixels and captions.
public struct ShapesWorld: Sendable {
    public let config: ShapesWorldConfig
    let sampler: ShapesWorldSampler
    let renderer: ShapesWorldRenderer

    public init(_ config: ShapesWorldConfig = ShapesWorldConfig()) throws {
        try config.validate()
        self.config = config
        sampler = ShapesWorldSampler(config: config)
        renderer = ShapesWorldRenderer(supersample: config.supersample)
    }

    /// Task codes keep the random streams of different tasks apart.
    enum Stream: UInt64 {
        case scene = 1, winoground, imageCoDe, vgRelation, vgAttribution, order, retrieval, training, editing
    }

    func generator(_ stream: Stream, _ index: Int) -> SeededGenerator {
        SeededGenerator(seed: config.seed, stream: stream.rawValue << 40 | UInt64(truncatingIfNeeded: index))
    }

    static let attempts = 200

    func failure(_ what: String, _ index: Int) -> BenchmarkError {
        .invalidArgument(op: "shapes_world", message: "could not generate \(what) \(index) in \(Self.attempts) attempts; loosen the configuration")
    }

    /// The scene as a [1,3,size,size] tensor in [0,1] (size defaults to the configured one).
    public func render(_ scene: ShapesScene, size: Int? = nil) throws -> Tensor {
        try renderer.render(scene, size: size ?? config.imageSize)
    }

    /// Scene `index` with its caption.
    public func labeledScene(index: Int) throws -> LabeledScene {
        var rng = generator(.scene, index)
        guard let s = sampler.labeledScene(&rng) else { throw failure("scene", index) }
        return s
    }

    /// Two scenes that differ by one `kind` of change, each with the caption only it satisfies:
    /// the first's caption is false in the second and the second's false in the first.
    func minimalPair(_ kind: CaptionSwap, _ rng: inout SeededGenerator) -> (LabeledScene, LabeledScene)? {
        for _ in 0..<Self.attempts {
            guard let a = sampler.labeledScene(&rng),
                  case let .relation(subject, r, object) = a.caption.meaning else { continue }
            var objects = a.scene.objects
            let s = a.subject, o = a.object
            let meaning: CaptionMeaning
            switch kind {
            case .subjectObject:
                (objects[s].x, objects[o].x) = (objects[o].x, objects[s].x)
                (objects[s].y, objects[o].y) = (objects[o].y, objects[s].y)
                meaning = .relation(object, r, subject)
            case .attributes:
                (objects[s].color, objects[o].color) = (objects[o].color, objects[s].color)
                var s2 = subject, o2 = object
                (s2.color, o2.color) = (object.color, subject.color)
                meaning = .relation(s2, r, o2)
            case .relation:
                let perpendicular = SpatialRelation.allCases.filter { $0.isHorizontal != r.isHorizontal }
                guard let r2 = rng.pick(perpendicular) else { continue }
                let others = objects.indices.filter { $0 != s && $0 != o }.map { objects[$0] }
                var moved = objects[o]
                guard sampler.movePartner(objects[s], &moved, r2, avoiding: others, &rng) else { continue }
                objects[o] = moved
                meaning = .relation(subject, r2, object)
            }
            let scene = ShapesScene(objects: objects, background: a.scene.background)
            let b = LabeledScene(scene: scene, caption: a.caption.with(meaning), subject: s, object: o)
            guard scene.isValid, scene.isVisiblyDifferent(from: a.scene), !meaning.isEquivalent(to: a.caption.meaning),
                  a.scene.truth(of: meaning) == .isFalse, scene.truth(of: meaning) == .isTrue,
                  scene.truth(of: a.caption.meaning) == .isFalse else { continue }
            return (a, b)
        }
        return nil
    }

    /// Minimal pair `index` of the given kind (the training stream).
    public func minimalPair(index: Int, kind: CaptionSwap) throws -> (LabeledScene, LabeledScene) {
        var rng = generator(.training, index)
        guard let pair = minimalPair(kind, &rng) else { throw failure("\(kind.rawValue) pair", index) }
        return pair
    }

    // MARK: Winoground

    /// Item i swaps objects, attributes or the relation in turn (i mod 3), so the three tags are balanced.
    public func winogroundItem(index: Int) throws -> WinogroundItem {
        let kinds: [CaptionSwap] = [.subjectObject, .attributes, .relation]
        let kind = kinds[index % 3 < 0 ? 0 : index % 3]
        var rng = generator(.winoground, index)
        guard let (a, b) = minimalPair(kind, &rng) else { throw failure("Winoground item", index) }
        return WinogroundItem(id: String(index), caption0: a.caption.text, caption1: b.caption.text,
                              image0: .scene(a.scene), image1: .scene(b.scene), tag: kind.rawValue)
    }

    public func winogroundItems(count: Int) throws -> [WinogroundItem] {
        try (0..<max(0, count)).map { try winogroundItem(index: $0) }
    }

    // MARK: ImageCoDe

    /// One caption, the image it describes at a random position among ten, and nine edits of
    /// that image in each of which the caption is false.
    public func imageCoDeItem(index: Int, imagesPerSet: Int = 10) throws -> ImageCoDeItem {
        var rng = generator(.imageCoDe, index)
        for _ in 0..<Self.attempts {
            guard let target = sampler.labeledScene(&rng) else { continue }
            var scenes: [ShapesScene] = [target.scene]
            var tries = 0
            while scenes.count < imagesPerSet, tries < 50 * imagesPerSet {
                tries += 1
                var labeled = target
                // One or two edits: small enough to stay "minimal", varied enough for nine distinct images.
                let edits = 1 + rng.below(2)
                var ok = true
                for _ in 0..<edits {
                    guard let edit = rng.pick(SceneEdit.allCases),
                          let edited = edit.apply(to: labeled, sampler, &rng) else { ok = false; break }
                    labeled.scene = edited
                }
                guard ok, labeled.scene.truth(of: target.caption.meaning) == .isFalse,
                      scenes.allSatisfy({ $0.isVisiblyDifferent(from: labeled.scene) }) else { continue }
                scenes.append(labeled.scene)
            }
            guard scenes.count == imagesPerSet else { continue }
            let distractors = rng.shuffled(Array(scenes.dropFirst()))
            let position = rng.below(imagesPerSet)
            var images = distractors.map { ImageSource.scene($0) }
            images.insert(.scene(target.scene), at: position)
            return ImageCoDeItem(id: "shapes\(index)#\(position)", setName: "shapes\(index)",
                                 caption: target.caption.text, images: images, target: position)
        }
        throw failure("ImageCoDe item", index)
    }

    public func imageCoDeItems(count: Int) throws -> [ImageCoDeItem] {
        try (0..<max(0, count)).map { try imageCoDeItem(index: $0) }
    }

    // MARK: ARO

    /// VG-Relation style: "the A is REL the B" against "the B is REL the A", options [false, true].
    public func vgRelationItem(index: Int) throws -> AROItem {
        var rng = generator(.vgRelation, index)
        for _ in 0..<Self.attempts {
            guard var a = sampler.labeledScene(&rng),
                  case let .relation(s, r, o) = a.caption.meaning else { continue }
            a.caption.template = .definite
            let negative = CaptionMeaning.relation(o, r, s)
            guard a.scene.truth(of: negative) == .isFalse else { continue }
            return AROItem(id: String(index), image: .scene(a.scene),
                           captions: [a.caption.with(negative).text, a.caption.text], trueIndex: 1,
                           group: r.rawValue)
        }
        throw failure("VG-Relation item", index)
    }

    /// VG-Attribution style: "the red square and the blue circle" against the colours exchanged.
    public func vgAttributionItem(index: Int) throws -> AROItem {
        var rng = generator(.vgAttribution, index)
        for _ in 0..<Self.attempts {
            guard let a = sampler.labeledScene(&rng),
                  case let .relation(s, _, o) = a.caption.meaning,
                  let cs = s.color, let co = o.color else { continue }
            let positive = CaptionMeaning.conjunction(s, o)
            var s2 = s, o2 = o
            (s2.color, o2.color) = (co, cs)
            let negative = CaptionMeaning.conjunction(s2, o2)
            guard a.scene.truth(of: positive) == .isTrue, a.scene.truth(of: negative) == .isFalse else { continue }
            let template = CaptionTemplate.definite
            return AROItem(id: String(index), image: .scene(a.scene),
                           captions: [template.text(negative), template.text(positive)], trueIndex: 1,
                           group: "\(cs.rawValue)_\(co.rawValue)")
        }
        throw failure("VG-Attribution item", index)
    }

    /// COCO-Order style: the caption first, then ARO's four word-order perturbations of it,
    /// drawn exactly as `AROReader.readOrder` draws them for this set written to disk.
    public func orderItem(index: Int) throws -> AROItem {
        var rng = generator(.order, index)
        guard let a = sampler.labeledScene(&rng) else { throw failure("Order item", index) }
        return AROItem(id: "\(index)_0", image: .scene(a.scene),
                       captions: AROOrder.options(for: a.caption.text, seed: config.seed, index: index), trueIndex: 0)
    }

    public func aroItems(_ variant: AROVariant, count: Int) throws -> [AROItem] {
        try (0..<max(0, count)).map { i in
            switch variant {
            case .vgRelation: return try vgRelationItem(index: i)
            case .vgAttribution: return try vgAttributionItem(index: i)
            case .cocoOrder, .flickrOrder: return try orderItem(index: i)
            }
        }
    }

    // MARK: Retrieval

    /// `count` images with one caption each, drawn so that no caption is true of another image
    /// (or even ambiguous there): every query has exactly one right answer.
    public func retrieval(count: Int) throws -> RetrievalDataset {
        var rng = generator(.retrieval, 0)
        var scenes: [LabeledScene] = []
        var tries = 0
        while scenes.count < count {
            tries += 1
            guard tries <= 100 * max(1, count) else { throw failure("retrieval image", scenes.count) }
            guard let s = sampler.labeledScene(&rng) else { continue }
            let clash = scenes.contains { other in
                other.scene.truth(of: s.caption.meaning) != .isFalse || s.scene.truth(of: other.caption.meaning) != .isFalse
            }
            if !clash { scenes.append(s) }
        }
        return RetrievalDataset(imageIDs: scenes.indices.map(String.init), images: scenes.map { .scene($0.scene) },
                                captions: scenes.map(\.caption.text), captionImage: Array(scenes.indices))
    }

    // MARK: Training

    /// Training examples in minimal pairs: example 2k is a scene with the caption of pair k, its
    /// hard-negative caption being the other scene's caption and its hard-negative image the
    /// other scene; example 2k+1 is the mirror. The swap kind cycles over the three.
    public func trainingExamples(count: Int) throws -> [TrainingExample] {
        var out: [TrainingExample] = []
        var k = 0
        while out.count < count {
            let kind = CaptionSwap.allCases[k % CaptionSwap.allCases.count]
            let (a, b) = try minimalPair(index: k, kind: kind)
            out.append(TrainingExample(image: .scene(a.scene), caption: a.caption.text,
                                       negativeCaptions: [b.caption.text], negativeImages: [.scene(b.scene)]))
            if out.count < count {
                out.append(TrainingExample(image: .scene(b.scene), caption: b.caption.text,
                                           negativeCaptions: [a.caption.text], negativeImages: [.scene(a.scene)]))
            }
            k += 1
        }
        return out
    }

    // MARK: In-memory datasets

    public func dataset(_ task: ShapesWorldTask, count: Int) throws -> BenchmarkDataset {
        let name = "shapes_\(task.rawValue)"
        switch task {
        case .winoground: return BenchmarkDataset(name: name, task: .winoground(try winogroundItems(count: count)))
        case .imageCoDe: return BenchmarkDataset(name: name, task: .imageCoDe(try imageCoDeItems(count: count)))
        case .vgRelation: return BenchmarkDataset(name: name, task: .aro(.vgRelation, try aroItems(.vgRelation, count: count)))
        case .vgAttribution: return BenchmarkDataset(name: name, task: .aro(.vgAttribution, try aroItems(.vgAttribution, count: count)))
        case .order: return BenchmarkDataset(name: name, task: .aro(.cocoOrder, try aroItems(.cocoOrder, count: count)))
        case .retrieval: return BenchmarkDataset(name: name, task: .retrieval(try retrieval(count: count)))
        case .training: return BenchmarkDataset(name: name, task: .training(try trainingExamples(count: count)))
        }
    }
}

/// The task formats ShapesWorld produces.
public enum ShapesWorldTask: String, CaseIterable, Codable, Sendable {
    case winoground, imageCoDe = "imagecode", vgRelation = "vg_relation", vgAttribution = "vg_attribution"
    case order, retrieval, training
}
