/// One connected region of one palette colour, with its soft mask: the pixels at least
/// `coverageThreshold` covered (8-connected) plus the antialiased rim within two pixels of them,
/// each weighted by its coverage. Weighting by coverage gives area and centroid to a fraction of
/// a pixel, which is what lets the parser tell a small square from a small circle at 32x32.
struct ColourRegion {
    let color: Int
    var pixels: [Int]
    var weights: [Double]

    /// Area in pixels (sum of coverage).
    var mass: Double { weights.reduce(0, +) }

    /// Coverage-weighted centroid in pixel coordinates (pixel p spans [p, p+1]).
    func centroid(side: Int) -> (x: Double, y: Double) {
        var sx = 0.0, sy = 0.0, m = 0.0
        for (p, w) in zip(pixels, weights) {
            sx += w * (Double(p % side) + 0.5)
            sy += w * (Double(p / side) + 0.5)
            m += w
        }
        return m > 0 ? (sx / m, sy / m) : (0, 0)
    }
}

/// The 8 neighbours of pixel p on a side x side grid.
func neighbours8(_ p: Int, side: Int) -> [Int] {
    let x = p % side, y = p / side
    var out: [Int] = []
    out.reserveCapacity(8)
    for dy in -1...1 {
        for dx in -1...1 where dx != 0 || dy != 0 {
            let nx = x + dx, ny = y + dy
            if nx >= 0, ny >= 0, nx < side, ny < side { out.append(ny * side + nx) }
        }
    }
    return out
}

/// 8-connected components of the pixels where `member` holds and `key` agrees, in raster order
/// of their first pixel.
func connectedComponents(side: Int, member: (Int) -> Bool, key: (Int) -> Int) -> [[Int]] {
    let plane = side * side
    var seen = [Bool](repeating: false, count: plane)
    var components: [[Int]] = []
    for start in 0..<plane where !seen[start] && member(start) {
        let k = key(start)
        var stack = [start], component: [Int] = []
        seen[start] = true
        while let p = stack.popLast() {
            component.append(p)
            for q in neighbours8(p, side: side) where !seen[q] && member(q) && key(q) == k {
                seen[q] = true
                stack.append(q)
            }
        }
        components.append(component.sorted())
    }
    return components
}

/// Every colour region of the image. A rim pixel goes to the nearest region of its colour
/// (Chebyshev distance at most 2; ties to the earlier region), so no coverage counts twice.
func colourRegions(_ labels: PaletteLabels, threshold: Double) -> [ColourRegion] {
    let side = labels.side, plane = side * side
    let solid = (0..<plane).map { labels.label[$0] >= 0 && labels.coverage[$0] >= threshold }
    let components = connectedComponents(side: side, member: { solid[$0] }, key: { labels.label[$0] })
    var owner = [Int](repeating: -1, count: plane)
    var ownerDistance = [Int](repeating: Int.max, count: plane)
    for (r, component) in components.enumerated() {
        guard let first = component.first else { continue }
        let k = labels.label[first]
        for p in component {
            let x = p % side, y = p / side
            for dy in -2...2 {
                for dx in -2...2 {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, ny >= 0, nx < side, ny < side else { continue }
                    let q = ny * side + nx
                    guard !solid[q], labels.label[q] == k, labels.coverage[q] > 0 else { continue }
                    let d = max(abs(dx), abs(dy))
                    if d < ownerDistance[q] { owner[q] = r; ownerDistance[q] = d }
                }
            }
        }
    }
    var regions = components.map { c in
        ColourRegion(color: c.first.map { labels.label[$0] } ?? 0, pixels: c, weights: c.map { labels.coverage[$0] })
    }
    for q in 0..<plane where owner[q] >= 0 {
        regions[owner[q]].pixels.append(q)
        regions[owner[q]].weights.append(labels.coverage[q])
    }
    return regions
}

/// Splits a region that may hold several touching objects of its colour: seeds are the
/// 8-connected groups of nearly fully covered pixels (eroded `erosion` times) heavier than
/// `minimumSeed` pixels, and every pixel of the region goes to the seed it reaches first (breadth
/// first, ties to the earlier seed). ShapesWorld keeps objects' radii apart, but a square's
/// corner reaches 1.16 radii and a star's points 1.1, so two objects of one colour can touch;
/// eroding their fully covered pixels separates them at the neck.
func splitAtCores(_ region: ColourRegion, labels: PaletteLabels, erosion: Int, minimumSeed: Double) -> [ColourRegion] {
    let side = labels.side
    var weightOf: [Int: Double] = [:]
    for (p, w) in zip(region.pixels, region.weights) { weightOf[p] = w }
    var core = Set(region.pixels.filter { (weightOf[$0] ?? 0) >= 0.9 })
    for _ in 0..<erosion {
        core = core.filter { p in
            let x = p % side, y = p / side
            return x > 0 && y > 0 && x < side - 1 && y < side - 1 && neighbours8(p, side: side).allSatisfy(core.contains)
        }
    }
    let cores = connectedComponents(side: side, member: { core.contains($0) }, key: { _ in 0 })
        .filter { c in c.reduce(0) { $0 + (weightOf[$1] ?? 0) } >= minimumSeed }
    guard cores.count >= 2 else { return [region] }
    var assigned: [Int: Int] = [:]
    var frontier: [Int] = []
    for (s, core) in cores.enumerated() {
        for p in core { assigned[p] = s; frontier.append(p) }
    }
    while !frontier.isEmpty {
        var next: [Int] = []
        for p in frontier {
            guard let s = assigned[p] else { continue }
            for q in neighbours8(p, side: side) where weightOf[q] != nil && assigned[q] == nil {
                assigned[q] = s
                next.append(q)
            }
        }
        frontier = next
    }
    var parts = cores.indices.map { _ in ColourRegion(color: region.color, pixels: [], weights: []) }
    for (p, w) in zip(region.pixels, region.weights) {
        // A rim pixel cut off from the rest (two pixels away across background) goes to the
        // seed with the nearest core pixel.
        let s = assigned[p] ?? nearestSeed(p, cores, side: side)
        parts[s].pixels.append(p)
        parts[s].weights.append(w)
    }
    return parts
}

private func nearestSeed(_ p: Int, _ cores: [[Int]], side: Int) -> Int {
    var best = 0, bestDistance = Int.max
    for (s, core) in cores.enumerated() {
        for q in core {
            let dx = q % side - p % side, dy = q / side - p / side
            if dx * dx + dy * dy < bestDistance { best = s; bestDistance = dx * dx + dy * dy }
        }
    }
    return best
}
