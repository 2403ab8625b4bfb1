import Foundation

/// Why `SceneParser` refuses an image. Each case carries what a reader needs to see the problem
/// (where, which colour, how far off), because a refused generated image is a result, not a bug:
/// gen_eval reports how many images were refused and for which reason.
public enum SceneParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Not an image the parser can read: wrong shape, too small, values outside [0, 1] or not finite.
    case invalidImage(String)
    /// The border is not one flat colour: `uniform` of its pixels lie near their median colour.
    case noBackground(uniform: Double, needed: Double)
    /// The background is flat on average but grainy: robust noise estimate `sigma` over the border.
    case noisy(sigma: Double, limit: Double)
    /// The background colour is too close to a palette colour to tell objects from it.
    case backgroundLooksLikeObject(nearest: ShapeColor, distance: Double)
    /// A region whose inside colour is no palette colour: `rgb` is `distance` from `nearest`
    /// (more than `limit`) or not clearly nearer it than the next colour (`runnerUp` away).
    case offPalette(x: Double, y: Double, rgb: [Double], nearest: ShapeColor, distance: Double, runnerUp: Double, limit: Double)
    /// Ink no region explains: pixels off the background but never half covered by one palette
    /// colour (`peak` is the most any of them is covered by `color`): a pale or smeared object.
    case faint(x: Double, y: Double, color: ShapeColor, peak: Double)
    /// A region too large to be a speck and too small to be an object (radius `radius` in canvas units).
    case fragment(x: Double, y: Double, color: ShapeColor, radius: Double, minimum: Double)
    /// A region larger than any ShapesWorld object (radius `radius` in canvas units).
    case tooLarge(x: Double, y: Double, color: ShapeColor, radius: Double, maximum: Double)
    /// Edges `width` pixels wide (partly covered pixels per pixel of outline) where a drawn
    /// outline's are at most about one: the image is blurred.
    case blurred(x: Double, y: Double, color: ShapeColor, width: Double, limit: Double)
    /// Two or more objects of one colour touch, and splitting the region did not give shapes.
    case touching(x: Double, y: Double, color: ShapeColor, parts: Int)
    /// A region no ShapesWorld outline fits: `mismatch` (share of its area wrongly covered by the
    /// best outline, `best`) exceeds `limit`.
    case unknownShape(x: Double, y: Double, color: ShapeColor, best: Shape, mismatch: Double, limit: Double)
    /// Two outlines fit a region almost equally well (mismatches within `margin`): it is between shapes.
    case ambiguousShape(x: Double, y: Double, color: ShapeColor, best: Shape, mismatch: Double, second: Shape,
                        secondMismatch: Double, margin: Double)

    public var description: String {
        func at(_ x: Double, _ y: Double) -> String { "at (\(fixed(x)), \(fixed(y)))" }
        switch self {
        case let .invalidImage(message):
            return "unparseable: \(message)"
        case let .noBackground(uniform, needed):
            return "unparseable: no plain background (only \(percent(uniform)) of the border is one colour, need \(percent(needed)))"
        case let .noisy(sigma, limit):
            return "unparseable: the image is noisy (background noise sigma \(fixed(sigma)) > \(fixed(limit)))"
        case let .backgroundLooksLikeObject(nearest, distance):
            return "unparseable: the background is only \(fixed(distance)) from the palette colour \(nearest.rawValue)"
        case let .offPalette(x, y, rgb, nearest, distance, runnerUp, limit):
            return "unparseable: a region \(at(x, y)) has no palette colour (RGB \(rgb.map(fixed).joined(separator: ", ")) is \(fixed(distance)) from the nearest, \(nearest.rawValue), and \(fixed(runnerUp)) from the next; a palette colour must be within \(fixed(limit)) and at most half as far as the next)"
        case let .faint(x, y, color, peak):
            return "unparseable: a faint \(color.rawValue) region \(at(x, y)) (at most \(percent(peak)) \(color.rawValue) anywhere): pale or smeared, not a ShapesWorld object"
        case let .fragment(x, y, color, radius, minimum):
            return "unparseable: a \(color.rawValue) fragment \(at(x, y)) (radius \(fixed(radius)), objects have at least \(fixed(minimum)))"
        case let .tooLarge(x, y, color, radius, maximum):
            return "unparseable: a \(color.rawValue) region \(at(x, y)) is too large for an object (radius \(fixed(radius)) > \(fixed(maximum)))"
        case let .blurred(x, y, color, width, limit):
            return "unparseable: the \(color.rawValue) region \(at(x, y)) has edges \(fixed(width)) pixels wide (a drawn outline's are at most about 1; limit \(fixed(limit))): the image is blurred"
        case let .touching(x, y, color, parts):
            return "unparseable: \(parts) \(color.rawValue) objects touch \(at(x, y)) and cannot be told apart"
        case let .unknownShape(x, y, color, best, mismatch, limit):
            return "unparseable: the \(color.rawValue) region \(at(x, y)) is no ShapesWorld shape (closest: \(best.rawValue), \(percent(mismatch)) of its area mismatched; limit \(percent(limit)))"
        case let .ambiguousShape(x, y, color, best, mismatch, second, secondMismatch, margin):
            return "unparseable: the \(color.rawValue) region \(at(x, y)) is between shapes (\(best.rawValue) \(percent(mismatch)) vs \(second.rawValue) \(percent(secondMismatch)) of its area mismatched; need \(percent(margin)) between them)"
        }
    }

    /// A short tag per case, for counting refusals by reason.
    public var reason: String {
        switch self {
        case .invalidImage: return "invalid_image"
        case .noBackground: return "no_background"
        case .noisy: return "noisy"
        case .backgroundLooksLikeObject: return "background_colour"
        case .offPalette: return "off_palette"
        case .faint: return "faint"
        case .fragment: return "fragment"
        case .tooLarge: return "too_large"
        case .blurred: return "blurred"
        case .touching: return "touching"
        case .unknownShape: return "unknown_shape"
        case .ambiguousShape: return "ambiguous_shape"
        }
    }
}

private func fixed(_ x: Double) -> String {
    guard x.isFinite else { return String(x) }
    return String(format: "%.3f", x)
}

private func percent(_ x: Double) -> String {
    guard x.isFinite else { return String(x) }
    return String(format: "%.0f%%", 100 * x)
}
