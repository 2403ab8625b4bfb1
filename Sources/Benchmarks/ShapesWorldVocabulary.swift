/// The words ShapesWorld draws and talks about. Raw values are the caption words.

public enum Shape: String, CaseIterable, Codable, Sendable {
    case square, circle, triangle, star, cross, diamond
}

public enum ShapeColor: String, CaseIterable, Codable, Sendable {
    case red, green, blue, yellow, purple, orange

    /// Linear RGB in [0,1], chosen far apart in hue so 32x32 renders stay distinguishable.
    public var rgb: (Float, Float, Float) {
        switch self {
        case .red: return (0.90, 0.10, 0.10)
        case .green: return (0.10, 0.70, 0.20)
        case .blue: return (0.15, 0.30, 0.95)
        case .yellow: return (0.95, 0.85, 0.10)
        case .purple: return (0.60, 0.20, 0.80)
        case .orange: return (1.00, 0.55, 0.05)
        }
    }
}

public enum ShapeSize: String, CaseIterable, Codable, Sendable {
    case small, large

    /// Radius as a fraction of the canvas side.
    public var radius: Double {
        switch self {
        case .small: return 0.11
        case .large: return 0.17
        }
    }
}

/// "subject REL object", read in image coordinates (x to the right, y downwards).
public enum SpatialRelation: String, CaseIterable, Codable, Sendable {
    case leftOf = "left of"
    case rightOf = "right of"
    case above
    case below

    /// The relation that holds with subject and object exchanged: A left of B == B right of A.
    public var converse: SpatialRelation {
        switch self {
        case .leftOf: return .rightOf
        case .rightOf: return .leftOf
        case .above: return .below
        case .below: return .above
        }
    }

    public var isHorizontal: Bool { self == .leftOf || self == .rightOf }

    /// Unit direction from subject to object in image coordinates.
    var directionToObject: (dx: Double, dy: Double) {
        switch self {
        case .leftOf: return (1, 0)
        case .rightOf: return (-1, 0)
        case .above: return (0, 1)
        case .below: return (0, -1)
        }
    }

    /// The phrasings captions use, first one canonical.
    public var phrases: [String] {
        switch self {
        case .leftOf: return ["to the left of", "left of", "on the left of"]
        case .rightOf: return ["to the right of", "right of", "on the right of"]
        case .above: return ["above", "over"]
        case .below: return ["below", "under", "beneath"]
        }
    }
}
