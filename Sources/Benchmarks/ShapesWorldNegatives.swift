/// The three structured hard-negative kinds for ShapesWorld captions.
public enum CaptionSwap: String, CaseIterable, Codable, Sendable {
    /// "a red square left of a blue circle" -> "a blue circle left of a red square".
    case subjectObject = "object"
    /// -> "a blue square left of a red circle" (colours, or sizes when both are named, exchanged).
    case attributes = "attribute"
    /// -> "a red square above a blue circle" (any other relation).
    case relation = "relation"
}

extension CaptionMeaning {
    /// Every caption meaning one swap of `kind` makes, minus those logically equivalent to
    /// this one (so "B right of A" is never offered as a negative of "A left of B").
    public func swapped(_ kind: CaptionSwap) -> [CaptionMeaning] {
        var out: [CaptionMeaning] = []
        switch (self, kind) {
        case let (.relation(s, r, o), .subjectObject):
            out = [.relation(o, r, s)]
        case (.conjunction, .subjectObject):
            out = []  // "A and B" == "B and A"
        case let (.relation(s, r, o), .attributes):
            out = Self.attributeSwaps(s, o).map { .relation($0.0, r, $0.1) }
        case let (.conjunction(a, b), .attributes):
            out = Self.attributeSwaps(a, b).map { .conjunction($0.0, $0.1) }
        case let (.relation(s, r, o), .relation):
            // Perpendicular relations first: they are the negatives a relation swap is about;
            // the converse says the same as a subject/object swap.
            let others = SpatialRelation.allCases.filter { $0 != r && $0 != r.converse } + [r.converse]
            out = others.map { .relation(s, $0, o) }
        case (.conjunction, .relation):
            out = []
        }
        var seen: Set<CaptionMeaning> = [canonical]
        return out.filter { seen.insert($0.canonical).inserted }
    }

    private static func attributeSwaps(_ a: NounPhrase, _ b: NounPhrase) -> [(NounPhrase, NounPhrase)] {
        var out: [(NounPhrase, NounPhrase)] = []
        if let ca = a.color, let cb = b.color, ca != cb {
            var a2 = a, b2 = b
            a2.color = cb
            b2.color = ca
            out.append((a2, b2))
        }
        if let sa = a.size, let sb = b.size, sa != sb {
            var a2 = a, b2 = b
            a2.size = sb
            b2.size = sa
            out.append((a2, b2))
        }
        return out
    }
}

extension LabeledScene {
    /// Hard-negative captions for this scene: swaps of the given kinds that are false in it
    /// (not merely ambiguous), worded like the positive.
    public func negativeCaptions(_ kinds: [CaptionSwap] = CaptionSwap.allCases) -> [ShapesCaption] {
        var out: [ShapesCaption] = []
        var seen: Set<CaptionMeaning> = [caption.meaning.canonical]
        for kind in kinds {
            for m in caption.meaning.swapped(kind) where scene.truth(of: m) == .isFalse {
                if seen.insert(m.canonical).inserted { out.append(caption.with(m)) }
            }
        }
        return out
    }
}

/// The picture changes ShapesWorld uses for image negatives and ImageCoDe's near-duplicates.
enum SceneEdit: CaseIterable {
    case swapPositions, swapColors, swapShapes, recolor, reshape, resize, moveRelation

    /// Applies the edit to the described pair; nil when it cannot (e.g. no room).
    func apply(to labeled: LabeledScene, _ sampler: ShapesWorldSampler, _ rng: inout SeededGenerator) -> ShapesScene? {
        var objects = labeled.scene.objects
        let s = labeled.subject, o = labeled.object
        guard s < objects.count, o < objects.count else { return nil }
        let target = rng.below(2) == 0 ? s : o
        switch self {
        case .swapPositions:
            (objects[s].x, objects[o].x) = (objects[o].x, objects[s].x)
            (objects[s].y, objects[o].y) = (objects[o].y, objects[s].y)
        case .swapColors:
            (objects[s].color, objects[o].color) = (objects[o].color, objects[s].color)
        case .swapShapes:
            (objects[s].shape, objects[o].shape) = (objects[o].shape, objects[s].shape)
        case .recolor:
            guard let c = rng.pick(ShapeColor.allCases.filter({ $0 != objects[target].color })) else { return nil }
            objects[target].color = c
        case .reshape:
            guard let sh = rng.pick(Shape.allCases.filter({ $0 != objects[target].shape })) else { return nil }
            objects[target].shape = sh
        case .resize:
            objects[target].size = objects[target].size == .small ? .large : .small
        case .moveRelation:
            guard case let .relation(_, r, _) = labeled.caption.meaning,
                  let r2 = rng.pick(SpatialRelation.allCases.filter({ $0 != r })) else { return nil }
            let others = objects.indices.filter { $0 != s && $0 != o }.map { objects[$0] }
            var moved = objects[o]
            guard sampler.movePartner(objects[s], &moved, r2, avoiding: others, &rng) else { return nil }
            objects[o] = moved
        }
        let scene = ShapesScene(objects: objects, background: labeled.scene.background)
        return scene.isValid ? scene : nil
    }
}
