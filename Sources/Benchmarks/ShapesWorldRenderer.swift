import Foundation
import Tensors

/// Draws a scene by supersampling: each pixel averages `supersample`² point samples, which
/// antialiases the edges without any shape-specific coverage formulas.
public struct ShapesWorldRenderer: Sendable {
    public var supersample: Int

    public init(supersample: Int = 4) {
        self.supersample = max(1, supersample)
    }

    /// The scene as a [1,3,size,size] tensor in [0,1].
    public func render(_ scene: ShapesScene, size: Int) throws -> Tensor {
        guard size > 0 else {
            throw BenchmarkError.invalidArgument(op: "render", message: "image size must be positive, got \(size)")
        }
        return try Tensor(shape: [1, 3, size, size], scalars: pixels(scene, size: size))
    }

    /// Channel-major RGB floats, 3·size·size of them.
    public func pixels(_ scene: ShapesScene, size: Int) -> [Float] {
        let plane = size * size
        var out = [Float](repeating: 0, count: 3 * plane)
        let bg = (0..<3).map { $0 < scene.background.count ? scene.background[$0] : 0.5 }
        for c in 0..<3 {
            for p in 0..<plane { out[c * plane + p] = bg[c] }
        }
        let s = supersample
        let inv = 1 / Double(size)
        for object in scene.objects {
            let (r, g, b) = object.color.rgb
            let colour = [r, g, b]
            // Only pixels the object can touch: its radius bounds every outline (star 1.1·r).
            let reach = object.radius * 1.15
            let x0 = max(0, Int(((object.x - reach) * Double(size)).rounded(.down)))
            let x1 = min(size - 1, Int(((object.x + reach) * Double(size)).rounded(.up)))
            let y0 = max(0, Int(((object.y - reach) * Double(size)).rounded(.down)))
            let y1 = min(size - 1, Int(((object.y + reach) * Double(size)).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for py in y0...y1 {
                for px in x0...x1 {
                    var hits = 0
                    for sy in 0..<s {
                        let y = (Double(py) + (Double(sy) + 0.5) / Double(s)) * inv
                        for sx in 0..<s {
                            let x = (Double(px) + (Double(sx) + 0.5) / Double(s)) * inv
                            if ShapeOutline.contains(object.shape,
                                                     (x - object.x) / object.radius,
                                                     (y - object.y) / object.radius) {
                                hits += 1
                            }
                        }
                    }
                    guard hits > 0 else { continue }
                    let coverage = Float(hits) / Float(s * s)
                    let p = py * size + px
                    for c in 0..<3 {
                        let i = c * plane + p
                        out[i] = out[i] * (1 - coverage) + colour[c] * coverage
                    }
                }
            }
        }
        return out
    }
}

/// Each shape as a point test in units of its radius, centred at the origin, y downwards.
/// Sizes are tuned so the shapes cover similar areas and none is mistaken for another at 32x32.
enum ShapeOutline {
    static func contains(_ shape: Shape, _ x: Double, _ y: Double) -> Bool {
        switch shape {
        case .circle: return x * x + y * y <= 1
        case .square: return max(abs(x), abs(y)) <= 0.82
        case .diamond: return abs(x) + abs(y) <= 1.12
        case .cross: return (abs(x) <= 0.34 && abs(y) <= 1) || (abs(y) <= 0.34 && abs(x) <= 1)
        case .triangle: return insidePolygon(triangle, x, y)
        case .star: return insidePolygon(star, x, y)
        }
    }

    /// Equilateral, point up, its bounding box centred on the origin.
    static let triangle: [(Double, Double)] = [(0, -0.86), (0.993, 0.86), (-0.993, 0.86)]

    /// Five points, outer radius 1.1, inner 0.47, one point straight up.
    static let star: [(Double, Double)] = (0..<10).map { k in
        let radius = k % 2 == 0 ? 1.1 : 0.47
        let angle = -Double.pi / 2 + Double(k) * Double.pi / 5
        return (radius * cos(angle), radius * sin(angle) + 0.08)
    }

    /// Even-odd rule, so the concave star needs no special case.
    static func insidePolygon(_ vertices: [(Double, Double)], _ x: Double, _ y: Double) -> Bool {
        var inside = false
        var j = vertices.count - 1
        for i in 0..<vertices.count {
            let (xi, yi) = vertices[i], (xj, yj) = vertices[j]
            if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}
