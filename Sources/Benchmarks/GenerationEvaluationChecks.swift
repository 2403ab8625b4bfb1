/// What gen_eval asks of each generated image, GenEval-style (Ghosh et al. 2023), with the
/// detector replaced by `SceneParser`, which reads ShapesWorld images exactly. Objects are told
/// apart by position in the parsed scene: "a red square left of a red square" needs two squares.
/// Sizes are not scored (GenEval has no size task); captions that name sizes are checked on
/// shape, colour and relation.
public enum GenerationCategory: String, CaseIterable, Codable, CodingKeyRepresentable, Sendable {
    /// Both named shapes are drawn (as two different objects).
    case object
    /// Both named colours are drawn (as two different objects).
    case colour
    /// Each named colour is on its named shape: a red square and a blue circle, not a blue
    /// square and a red circle.
    case binding
    /// The caption's relation holds clearly (`SpatialRelation.holds(.clear)`, the strength
    /// ShapesWorld's own captions satisfy) between objects of the two named shapes. Only for
    /// captions with a relation.
    case relation
    /// Exactly as many objects as the caption names (two).
    case count
    /// Every category above passes.
    case all
}

/// One image's verdict: each category passed or failed (nil: does not apply, e.g. relation for
/// "the red square and the blue circle"), or the whole image unparseable, which fails all.
public struct GenerationChecks: Codable, Equatable, Sendable {
    public var passed: [GenerationCategory: Bool]
    public var unparseable: Bool

    /// Checks the objects parsed from an image (nil when the parser refused it) against the
    /// meaning of the caption it was generated for.
    public init(_ meaning: CaptionMeaning, objects: [SceneObject]?) {
        let (subject, object, relation) = meaning.namedPair
        var passed: [GenerationCategory: Bool] = [:]
        guard let objects else {
            for c in GenerationCategory.allCases where c != .relation || relation != nil { passed[c] = false }
            self.passed = passed
            unparseable = true
            return
        }
        func pair(_ first: (SceneObject) -> Bool, _ second: (SceneObject) -> Bool,
                  _ both: (SceneObject, SceneObject) -> Bool = { _, _ in true }) -> Bool {
            objects.indices.contains { i in
                first(objects[i]) && objects.indices.contains { j in j != i && second(objects[j]) && both(objects[i], objects[j]) }
            }
        }
        passed[.object] = pair({ $0.shape == subject.shape }, { $0.shape == object.shape })
        passed[.colour] = pair({ subject.color == nil || $0.color == subject.color }, { object.color == nil || $0.color == object.color })
        passed[.binding] = pair({ $0.shape == subject.shape && (subject.color == nil || $0.color == subject.color) },
                                { $0.shape == object.shape && (object.color == nil || $0.color == object.color) })
        if let relation {
            passed[.relation] = pair({ $0.shape == subject.shape }, { $0.shape == object.shape }) {
                relation.holds(subject: $0, object: $1, .clear)
            }
        }
        passed[.count] = objects.count == 2
        passed[.all] = passed.values.allSatisfy { $0 }
        self.passed = passed
        unparseable = false
    }
}

extension CaptionMeaning {
    /// The two noun phrases a caption names, and its relation if it has one.
    var namedPair: (NounPhrase, NounPhrase, SpatialRelation?) {
        switch self {
        case let .relation(s, r, o): return (s, o, r)
        case let .conjunction(a, b): return (a, b, nil)
        }
    }
}
