/// A scene and the caption it was made for; `subject`/`object` index the described pair.
public struct LabeledScene: Hashable, Sendable {
    public var scene: ShapesScene
    public var caption: ShapesCaption
    public var subject: Int
    public var object: Int
}

/// The random draws behind scenes, captions and edits. Every function takes the generator by
/// reference so one seeded stream determines an item completely.
struct ShapesWorldSampler {
    let config: ShapesWorldConfig

    /// Draws until the scene is valid and the caption clearly true; gives up (nil) after
    /// `attempts`, which the callers turn into an error rather than a hang.
    func labeledScene(_ rng: inout SeededGenerator, relation: SpatialRelation? = nil,
                      attempts: Int = 1000) -> LabeledScene? {
        for _ in 0..<attempts {
            let n = config.minObjects + rng.below(config.maxObjects - config.minObjects + 1)
            guard let kinds = distinctKinds(&rng, count: n) else { continue }
            var objects = kinds.map { k in
                SceneObject(shape: k.0, color: k.1, size: rng.pick(ShapeSize.allCases) ?? .small, x: 0, y: 0)
            }
            let rel = relation ?? rng.pick(SpatialRelation.allCases) ?? .leftOf
            var (a, b) = (objects[0], objects[1])
            guard placePair(&a, &b, rel, &rng) else { continue }
            (objects[0], objects[1]) = (a, b)
            var placedAll = true
            for k in 2..<max(2, n) {
                guard placeFree(&objects, k, &rng) else { placedAll = false; break }
            }
            guard placedAll else { continue }
            let scene = ShapesScene(objects: objects, background: config.background)
            let mentionSize = rng.uniform() < config.sizeMentionProbability
            let meaning = CaptionMeaning.relation(phrase(objects[0], mentionSize), rel, phrase(objects[1], mentionSize))
            // Drawn even for plain wording, so the rest of the stream stays the same.
            let template = rng.pick(CaptionTemplate.allCases) ?? .bare
            let variant = rng.below(3)
            let caption = config.plainWording ? ShapesCaption(meaning: meaning)
                : ShapesCaption(meaning: meaning, template: template, phraseVariant: variant)
            guard scene.isValid, scene.truth(of: meaning) == .isTrue else { continue }
            return LabeledScene(scene: scene, caption: caption, subject: 0, object: 1)
        }
        return nil
    }

    func phrase(_ o: SceneObject, _ mentionSize: Bool) -> NounPhrase {
        NounPhrase(shape: o.shape, color: o.color, size: mentionSize ? o.size : nil)
    }

    /// Shape/colour pairs, all different; the first two also differ in shape and in colour,
    /// so that swapping their attributes or positions always changes the picture.
    func distinctKinds(_ rng: inout SeededGenerator, count: Int) -> [(Shape, ShapeColor)]? {
        var kinds: [(Shape, ShapeColor)] = []
        for k in 0..<count {
            var found = false
            for _ in 0..<50 {
                guard let s = rng.pick(Shape.allCases), let c = rng.pick(ShapeColor.allCases) else { return nil }
                if kinds.contains(where: { $0.0 == s && $0.1 == c }) { continue }
                if k == 1, let first = kinds.first, first.0 == s || first.1 == c { continue }
                kinds.append((s, c))
                found = true
                break
            }
            if !found { return nil }
        }
        return kinds
    }

    /// Puts `a` and `b` so that "a REL b" holds clearly: the offset runs along the relation's
    /// axis and its sideways part is at most a third of it.
    func placePair(_ a: inout SceneObject, _ b: inout SceneObject, _ rel: SpatialRelation,
                   _ rng: inout SeededGenerator) -> Bool {
        let (ux, uy) = rel.directionToObject
        for _ in 0..<100 {
            a.x = uniformInside(a, &rng)
            a.y = uniformInside(a, &rng)
            let minAlong = Swift.max(a.radius + b.radius + ShapesScene.gap + 0.04, config.minPairDistance)
            let along = rng.uniform(minAlong, 0.8)
            let across = rng.uniform(-0.33, 0.33) * along
            b.x = a.x + along * ux - across * uy
            b.y = a.y + along * uy + across * ux
            if inside(a), inside(b), rel.holds(subject: a, object: b, .clear) { return true }
        }
        return false
    }

    /// Keeps `a` where it is and moves `b` so that "a REL b" holds clearly, avoiding `others`.
    func movePartner(_ a: SceneObject, _ b: inout SceneObject, _ rel: SpatialRelation, avoiding others: [SceneObject],
                     _ rng: inout SeededGenerator) -> Bool {
        let (ux, uy) = rel.directionToObject
        for _ in 0..<100 {
            let minAlong = Swift.max(a.radius + b.radius + ShapesScene.gap + 0.04, config.minPairDistance)
            let along = rng.uniform(minAlong, 0.8)
            let across = rng.uniform(-0.33, 0.33) * along
            b.x = a.x + along * ux - across * uy
            b.y = a.y + along * uy + across * ux
            if inside(b), rel.holds(subject: a, object: b, .clear), others.allSatisfy({ apart($0, b) }) { return true }
        }
        return false
    }

    /// A free spot for object k among objects 0..<k.
    func placeFree(_ objects: inout [SceneObject], _ k: Int, _ rng: inout SeededGenerator) -> Bool {
        guard k < objects.count else { return false }
        for _ in 0..<100 {
            objects[k].x = uniformInside(objects[k], &rng)
            objects[k].y = uniformInside(objects[k], &rng)
            if objects[..<k].allSatisfy({ apart($0, objects[k]) }) { return true }
        }
        return false
    }

    func uniformInside(_ o: SceneObject, _ rng: inout SeededGenerator) -> Double {
        rng.uniform(o.radius + ShapesScene.border, 1 - o.radius - ShapesScene.border)
    }

    func inside(_ o: SceneObject) -> Bool {
        let lo = o.radius + ShapesScene.border, hi = 1 - o.radius - ShapesScene.border
        return o.x >= lo && o.x <= hi && o.y >= lo && o.y <= hi
    }

    func apart(_ a: SceneObject, _ b: SceneObject) -> Bool {
        let d = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
        return d >= a.radius + b.radius + ShapesScene.gap
    }
}
