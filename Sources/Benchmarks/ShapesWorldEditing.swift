/// The edits of ShapesWorld's editing task: each asks for one change of a scene, named by a
/// caption one edit away from the scene's own.
public enum EditKind: String, CaseIterable, Codable, Sendable {
    /// One named object takes a colour no object in the scene has: "a red square left of a blue
    /// circle" -> "a green square left of a blue circle".
    case colourChange = "colour_change"
    /// The two named objects exchange colours: -> "a blue square left of a red circle".
    case colourSwap = "colour_swap"
    /// The two named objects exchange places: -> "a blue circle left of a red square".
    case relationSwap = "relation_swap"
}

/// A rendered scene, its caption, and the target an editor should reach: the caption one edit
/// away and the scene that edit makes. `source.objects[k]` and `target.objects[k]` are the same
/// object before and after, so what an edit keeps is read off by comparing them.
public struct EditingItem: Hashable, Sendable {
    public var id: String
    public var kind: EditKind
    public var source: ShapesScene
    public var sourceCaption: ShapesCaption
    public var target: ShapesScene
    public var targetCaption: ShapesCaption
    /// The objects the captions name, as indices into both scenes.
    public var subject: Int
    public var object: Int

    public init(id: String, kind: EditKind, source: ShapesScene, sourceCaption: ShapesCaption,
                target: ShapesScene, targetCaption: ShapesCaption, subject: Int, object: Int) {
        self.id = id
        self.kind = kind
        self.source = source
        self.sourceCaption = sourceCaption
        self.target = target
        self.targetCaption = targetCaption
        self.subject = subject
        self.object = object
    }
}

extension ShapesWorld {
    /// Editing item `index`: the kinds take turns (index mod 3), so the three are balanced. The
    /// captions never name sizes (sizes are not edited and not scored). Every item satisfies:
    /// the target caption is clearly true of the target scene and false of the source, and the
    /// source caption is false of the target, so success can only come from making the edit.
    public func editingItem(index: Int) throws -> EditingItem {
        let kinds = EditKind.allCases
        let kind = kinds[((index % kinds.count) + kinds.count) % kinds.count]
        var config = self.config
        config.sizeMentionProbability = 0
        let sampler = ShapesWorldSampler(config: config)
        var rng = generator(.editing, index)
        for _ in 0..<Self.attempts {
            guard let a = sampler.labeledScene(&rng), case var .relation(subject, r, object) = a.caption.meaning else { continue }
            var objects = a.scene.objects
            let s = a.subject, o = a.object
            let meaning: CaptionMeaning
            switch kind {
            case .colourChange:
                let absent = ShapeColor.allCases.filter { c in !objects.contains { $0.color == c } }
                guard let colour = rng.pick(absent) else { continue }
                if rng.below(2) == 0 {
                    objects[s].color = colour
                    subject.color = colour
                } else {
                    objects[o].color = colour
                    object.color = colour
                }
                meaning = .relation(subject, r, object)
            case .colourSwap:
                (objects[s].color, objects[o].color) = (objects[o].color, objects[s].color)
                (subject.color, object.color) = (object.color, subject.color)
                meaning = .relation(subject, r, object)
            case .relationSwap:
                (objects[s].x, objects[o].x) = (objects[o].x, objects[s].x)
                (objects[s].y, objects[o].y) = (objects[o].y, objects[s].y)
                meaning = .relation(object, r, subject)
            }
            let target = ShapesScene(objects: objects, background: a.scene.background)
            guard target.isValid, target.truth(of: meaning) == .isTrue, a.scene.truth(of: meaning) == .isFalse,
                  target.truth(of: a.caption.meaning) == .isFalse else { continue }
            return EditingItem(id: String(index), kind: kind, source: a.scene, sourceCaption: a.caption,
                               target: target, targetCaption: a.caption.with(meaning), subject: s, object: o)
        }
        throw failure("editing item", index)
    }

    public func editingItems(count: Int) throws -> [EditingItem] {
        try (0..<Swift.max(0, count)).map { try editingItem(index: $0) }
    }

    /// The editing task as a dataset named `shapes_editing`.
    public func editingDataset(count: Int) throws -> BenchmarkDataset {
        BenchmarkDataset(name: "shapes_editing", task: .editing(try editingItems(count: count)))
    }
}
