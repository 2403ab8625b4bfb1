/// An RGB image read as the renderer writes it: every pixel is the background mixed with at most
/// one palette colour, p = (1 - a) bg + a c. Each pixel's colour is the palette colour whose line
/// from the background passes closest to it, and its coverage `a` the position along that line.
struct PaletteLabels {
    let side: Int
    /// Channel-major RGB, 3·side² values.
    let rgb: [Float]
    let background: [Double]
    /// Palette index per pixel (`ShapeColor.allCases`), -1 where the pixel is the background.
    let label: [Int]
    /// Coverage per pixel along its label's line, clamped to [0, 1].
    let coverage: [Double]

    static let palette: [ShapeColor] = ShapeColor.allCases
    static let paletteRGB: [[Double]] = palette.map { c in [Double(c.rgb.0), Double(c.rgb.1), Double(c.rgb.2)] }

    init(rgb: [Float], side: Int, background: [Double]) {
        self.side = side
        self.rgb = rgb
        self.background = background
        let plane = side * side
        let directions = Self.paletteRGB.map { c in (0..<3).map { c[$0] - background[$0] } }
        let norms = directions.map { v in v.reduce(0) { $0 + $1 * $1 } }
        var label = [Int](repeating: -1, count: plane)
        var coverage = [Double](repeating: 0, count: plane)
        for p in 0..<plane {
            let d = (0..<3).map { Double(rgb[$0 * plane + p]) - background[$0] }
            guard d.contains(where: { $0 != 0 }) else { continue }
            var best = -1, bestResidual = Double.infinity, bestCoverage = 0.0
            for (k, v) in directions.enumerated() where norms[k] > 0 {
                let a = min(1, max(0, (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) / norms[k]))
                var residual = 0.0
                for c in 0..<3 { let e = d[c] - a * v[c]; residual += e * e }
                // Strictly smaller: ties keep the earlier palette colour, so labels are deterministic.
                if residual < bestResidual { best = k; bestResidual = residual; bestCoverage = a }
            }
            if bestCoverage > 0 {
                label[p] = best
                coverage[p] = bestCoverage
            }
        }
        self.label = label
        self.coverage = coverage
    }

    func color(_ p: Int) -> [Double] {
        let plane = side * side
        return (0..<3).map { Double(rgb[$0 * plane + p]) }
    }
}

/// The background: the median colour of the one-pixel border, which objects never cover in a
/// render (they keep 0.02 of the canvas from it) and rarely in a generated image. Refuses a
/// border that is grainy or not mostly one colour.
func estimateBackground(_ rgb: [Float], side: Int, settings: SceneParserSettings) throws -> [Double] {
    let plane = side * side
    // The border as a ring, so that consecutive entries are neighbouring pixels.
    let ring = (0..<side).map { $0 } + (1..<side).map { $0 * side + side - 1 }
        + (0..<(side - 1)).reversed().map { (side - 1) * side + $0 } + (1..<(side - 1)).reversed().map { $0 * side }
    func value(_ c: Int, _ p: Int) -> Double { Double(rgb[c * plane + p]) }
    // Grain is what changes from one pixel to the next: the median absolute difference of ring
    // neighbours, scaled to a Gaussian sigma (1.4826 / sqrt 2). A smooth gradient or an object
    // grazing the border barely moves it; pixel noise does.
    var steps: [Double] = []
    for (a, b) in zip(ring, ring.dropFirst() + ring.prefix(1)) {
        for c in 0..<3 { steps.append(abs(value(c, a) - value(c, b))) }
    }
    let sigma = 1.4826 * median(steps) / 2.0.squareRoot()
    guard sigma <= settings.noiseLimit else { throw SceneParseError.noisy(sigma: sigma, limit: settings.noiseLimit) }
    let background: [Double] = (0..<3).map { c in median(ring.map { value(c, $0) }) }
    let near = ring.filter { p in (0..<3).allSatisfy { abs(value($0, p) - background[$0]) <= settings.backgroundTolerance } }
    let uniform = Double(near.count) / Double(max(ring.count, 1))
    guard uniform >= settings.uniformBorder else {
        throw SceneParseError.noBackground(uniform: uniform, needed: settings.uniformBorder)
    }
    for (k, c) in PaletteLabels.paletteRGB.enumerated() {
        let distance = rgbDistance(c, background)
        // Below a third of the way to the nearest colour, coverage along the line means little.
        if distance < 0.25 {
            throw SceneParseError.backgroundLooksLikeObject(nearest: PaletteLabels.palette[k], distance: distance)
        }
    }
    return background
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    let n = s.count
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

func rgbDistance(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
}

/// The palette colour nearest an RGB colour, its distance, and the distance of the next nearest.
func nearestPaletteColour(_ rgb: [Double]) -> (color: ShapeColor, distance: Double, runnerUp: Double) {
    let distances = PaletteLabels.paletteRGB.map { rgbDistance($0, rgb) }
    var best = 0
    for k in distances.indices where distances[k] < distances[best] { best = k }
    let runnerUp = distances.indices.filter { $0 != best }.map { distances[$0] }.min() ?? .infinity
    return (PaletteLabels.palette[best], distances[best], runnerUp)
}
