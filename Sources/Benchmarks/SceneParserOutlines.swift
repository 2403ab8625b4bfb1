/// Each ShapesWorld outline's area and centroid in units of its radius, measured from
/// `ShapeOutline` itself (the renderer's point test) so that the parser and the renderer share one
/// definition of every shape: change an outline there and the parser follows.
struct OutlineGeometry: Sendable {
    let shape: Shape
    /// Area / radius².
    let area: Double
    /// Centroid minus the object's centre, over the radius (y downwards): the triangle's centroid
    /// sits below the centre of its bounding box, the star's below its circumcentre.
    let centroidX: Double
    let centroidY: Double
    /// Length of the outline measured along the pixel axes (horizontal plus vertical extent of
    /// every piece of edge), over the radius: about the number of pixels a crisp edge passes
    /// through, per pixel of radius, whatever the edge's slope.
    let axisPerimeter: Double

    /// In `Shape.allCases` order.
    static let all: [OutlineGeometry] = Shape.allCases.map(measure)

    static func of(_ shape: Shape) -> OutlineGeometry {
        all.first { $0.shape == shape } ?? measure(shape)
    }

    /// Midpoint-rule integration over [-1.2, 1.2]² (every outline fits inside 1.15) on a
    /// 1200² grid: area and centroid to about 1e-4 of the radius; the axis perimeter counts the
    /// grid steps where inside and outside alternate along rows and columns.
    static func measure(_ shape: Shape) -> OutlineGeometry {
        let n = 1200, extent = 1.2
        let step = 2 * extent / Double(n)
        var count = 0, sx = 0.0, sy = 0.0, transitions = 0
        var previousRow = [Bool](repeating: false, count: n)
        for j in 0..<n {
            let y = -extent + (Double(j) + 0.5) * step
            var left = false
            for i in 0..<n {
                let x = -extent + (Double(i) + 0.5) * step
                let inside = ShapeOutline.contains(shape, x, y)
                if inside != left { transitions += 1 }
                if inside != previousRow[i] { transitions += 1 }
                left = inside
                previousRow[i] = inside
                if inside {
                    count += 1
                    sx += x
                    sy += y
                }
            }
        }
        let c = Double(max(count, 1))
        return OutlineGeometry(shape: shape, area: Double(count) * step * step, centroidX: sx / c, centroidY: sy / c,
                               axisPerimeter: Double(transitions) * step)
    }
}

/// An outline placed on the pixel grid: its coverage of each pixel by the renderer's own point
/// sampling, so a render of the same object at the same place gives the same numbers.
struct PlacedOutline {
    let shape: Shape
    /// Centre and radius in canvas units.
    let x: Double, y: Double, radius: Double

    /// Coverage in [0, 1] of pixel (px, py) of a side x side canvas, sampled as `ShapesWorldRenderer`
    /// samples (supersample² points at the centres of a regular grid).
    func coverage(px: Int, py: Int, side: Int, supersample s: Int) -> Double {
        let inv = 1 / Double(side)
        var hits = 0
        for sy in 0..<s {
            let yy = (Double(py) + (Double(sy) + 0.5) / Double(s)) * inv
            for sx in 0..<s {
                let xx = (Double(px) + (Double(sx) + 0.5) / Double(s)) * inv
                if ShapeOutline.contains(shape, (xx - x) / radius, (yy - y) / radius) { hits += 1 }
            }
        }
        return Double(hits) / Double(s * s)
    }

    /// The pixel box the outline can touch (every outline lies within 1.15 radii of its centre).
    func pixelBox(side: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        let reach = radius * 1.15, s = Double(side)
        return (Int(((x - reach) * s).rounded(.down)), Int(((y - reach) * s).rounded(.down)),
                Int(((x + reach) * s).rounded(.up)), Int(((y + reach) * s).rounded(.up)))
    }
}
