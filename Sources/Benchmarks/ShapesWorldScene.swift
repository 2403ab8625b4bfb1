/// One drawn object: what it is and where its centre sits, in canvas units ([0,1], y downwards).
public struct SceneObject: Hashable, Codable, Sendable {
    public var shape: Shape
    public var color: ShapeColor
    public var size: ShapeSize
    public var x: Double
    public var y: Double

    public init(shape: Shape, color: ShapeColor, size: ShapeSize, x: Double, y: Double) {
        self.shape = shape
        self.color = color
        self.size = size
        self.x = x
        self.y = y
    }

    public var radius: Double { size.radius }
}

/// A ShapesWorld picture before rendering: a plain background and two or three objects.
public struct ShapesScene: Hashable, Codable, Sendable {
    public var objects: [SceneObject]
    /// Background RGB in [0,1].
    public var background: [Float]

    public init(objects: [SceneObject], background: [Float] = ShapesScene.defaultBackground) {
        self.objects = objects
        self.background = background
    }

    /// Mid grey: every palette colour, yellow included, stands out from it.
    public static let defaultBackground: [Float] = [0.5, 0.5, 0.5]

    /// Space kept between objects and from the border, in canvas units.
    static let gap = 0.03
    static let border = 0.02

    /// Whether every object lies inside the canvas and no two overlap.
    public var isValid: Bool {
        for (i, a) in objects.enumerated() {
            let lo = a.radius + Self.border, hi = 1 - a.radius - Self.border
            guard a.x >= lo, a.x <= hi, a.y >= lo, a.y <= hi else { return false }
            for b in objects[(i + 1)...] {
                let d = ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
                if d < a.radius + b.radius + Self.gap { return false }
            }
        }
        return true
    }
}

extension ShapesScene {
    /// Whether someone looking at the two renders could tell them apart: some object has no
    /// twin (same shape, colour and size within 4% of the canvas, over a pixel at 32x32) in the
    /// other scene. Compared as sets, so exchanging two objects' shapes and colours is the same
    /// picture as exchanging their places.
    public func isVisiblyDifferent(from other: ShapesScene) -> Bool {
        guard objects.count == other.objects.count, background == other.background else { return true }
        var unused = other.objects
        for a in objects {
            guard let k = unused.firstIndex(where: {
                $0.shape == a.shape && $0.color == a.color && $0.size == a.size
                    && abs($0.x - a.x) <= 0.04 && abs($0.y - a.y) <= 0.04
            }) else { return true }
            unused.remove(at: k)
        }
        return false
    }
}

/// How firmly a relation holds between two placed objects.
public enum RelationStrength: Sendable {
    /// Clearly: the object lies along the relation's axis, at least twice as far along it as across.
    case clear
    /// Arguably: someone could call it true, so it may never serve as a negative.
    case arguable
}

extension SpatialRelation {
    /// Whether "subject REL object" holds. `.clear` is what generated positives satisfy; a
    /// negative must fail even `.arguable`, so that no negative is ever plausibly true.
    public func holds(subject a: SceneObject, object b: SceneObject, _ strength: RelationStrength) -> Bool {
        let (ux, uy) = directionToObject
        let dx = b.x - a.x, dy = b.y - a.y
        let along = dx * ux + dy * uy
        let across = abs(dx * uy - dy * ux)
        switch strength {
        case .clear: return along >= 0.15 && along >= 2 * across
        case .arguable: return along > 0.02 && along >= 0.5 * across
        }
    }
}

/// Truth of a caption in a scene, three-valued because positions near a diagonal are ambiguous.
public enum CaptionTruth: Sendable, Equatable {
    case isTrue, isFalse, ambiguous
}

extension NounPhrase {
    public func describes(_ o: SceneObject) -> Bool {
        o.shape == shape && (color.map { $0 == o.color } ?? true) && (size.map { $0 == o.size } ?? true)
    }
}

extension ShapesScene {
    /// Existential reading: "a red square left of a blue circle" is true when some red square is
    /// clearly left of some other object that is a blue circle, false when no pair is even arguably so.
    public func truth(of meaning: CaptionMeaning) -> CaptionTruth {
        switch meaning {
        case let .relation(subject, relation, object):
            var arguable = false
            for (i, a) in objects.enumerated() where subject.describes(a) {
                for (j, b) in objects.enumerated() where j != i && object.describes(b) {
                    if relation.holds(subject: a, object: b, .clear) { return .isTrue }
                    if relation.holds(subject: a, object: b, .arguable) { arguable = true }
                }
            }
            return arguable ? .ambiguous : .isFalse
        case let .conjunction(first, second):
            let pairExists = objects.indices.contains { i in
                first.describes(objects[i]) && objects.indices.contains { j in j != i && second.describes(objects[j]) }
            }
            return pairExists ? .isTrue : .isFalse
        }
    }
}
