import Tensors

/// Reads a ShapesWorld-style image back into its objects: shape, colour, size and centre.
///
/// 1. The background is the median colour of the border (refused when the border is not flat or
///    is grainy: `SceneParserSettings.noiseLimit`).
/// 2. Each pixel is read as the background mixed with one palette colour: the colour whose line
///    from the background passes nearest, and the coverage along that line.
/// 3. Pixels at least half covered form 8-connected regions of one colour; each takes the
///    antialiased rim around it as a soft mask, so areas and centroids are sub-pixel.
/// 4. Each region: specks are ignored; the inside colour must be a palette colour; each of the
///    six outlines is scaled to the region's area and centred on its centroid, and the one
///    covering the region best (smallest symmetric difference) names the shape; its radius gives
///    the size (small below the geometric mean of 0.11 and 0.17) and, with the outline's own
///    centroid offset, the centre. A region no outline fits is split at its fully covered cores
///    in case it holds touching objects of one colour.
///
/// Anything that does not read cleanly throws a `SceneParseError` naming the region and the
/// reason; the limits are `SceneParserSettings`. Objects come sorted by x, then y.
public struct SceneParser: Sendable {
    public var settings: SceneParserSettings
    /// Point samples per pixel side when drawing fitted outlines: the renderer's default, so a
    /// render's pixels are reproduced exactly when the fit is right.
    public var supersample: Int = 4

    public init(settings: SceneParserSettings = SceneParserSettings()) {
        self.settings = settings
    }

    public func parse(_ image: Tensor) throws -> [SceneObject] {
        let (rgb, side) = try Self.pixels(image)
        let background = try estimateBackground(rgb, side: side, settings: settings)
        let labels = PaletteLabels(rgb: rgb, side: side, background: background)
        let pixelArea = 1 / Double(side * side)
        let raw = colourRegions(labels, threshold: settings.coverageThreshold)
            .filter { $0.mass * pixelArea >= settings.speckArea }
        let regions = raw.map { normalized($0, labels) }
        let fits = regions.map { bestFit($0, side: side) }
        // Blur is looked for first, on coverage as read: it smears every other clue (colours of
        // neighbours mix, thin points break off as fragments), so wide edges anywhere are the
        // reason to give.
        for (region, fit) in zip(raw, fits) {
            let width = edgeWidth(region, shape: fit.outline.shape, side: side)
            guard width > settings.edgeWidthLimit else { continue }
            let c = region.centroid(side: side)
            throw SceneParseError.blurred(x: c.x / Double(side), y: c.y / Double(side), color: PaletteLabels.palette[region.color],
                                          width: width, limit: settings.edgeWidthLimit)
        }
        var objects: [SceneObject] = []
        for (region, fit) in zip(regions, fits) {
            objects += try read(region, fit, labels)
        }
        try checkFaintRegions(labels, regions)
        return objects.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
    }

    /// The objects, or the refusal: what gen_eval and edit_eval record for each image.
    public func read(_ image: Tensor) -> (objects: [SceneObject]?, refusal: SceneParseError?) {
        do {
            return (try parse(image), nil)
        } catch let e as SceneParseError {
            return (nil, e)
        } catch {
            return (nil, .invalidImage(String(describing: error)))
        }
    }

    /// The channel-major RGB of a [1,3,S,S] or [3,S,S] image in [0, 1], and S.
    static func pixels(_ image: Tensor) throws -> ([Float], Int) {
        let shape = image.shape
        let spatial: [Int]
        switch shape.count {
        case 4 where shape[0] == 1 && shape[1] == 3: spatial = Array(shape[2...])
        case 3 where shape[0] == 3: spatial = Array(shape[1...])
        default:
            throw SceneParseError.invalidImage("expected one RGB image [1,3,H,W] or [3,H,W], got \(formatShape(shape))")
        }
        guard spatial[0] == spatial[1] else {
            throw SceneParseError.invalidImage("ShapesWorld canvases are square, got \(spatial[0])x\(spatial[1])")
        }
        guard spatial[0] >= 16 else {
            throw SceneParseError.invalidImage("image side \(spatial[0]) is below 16 pixels, too small to tell shapes apart")
        }
        let scalars = image.scalars
        if let bad = scalars.firstIndex(where: { !$0.isFinite || $0 < -1e-3 || $0 > 1 + 1e-3 }) {
            throw SceneParseError.invalidImage("pixel values must be in [0, 1], found \(scalars[bad]) at flat index \(bad)")
        }
        return (scalars.map { min(1, max(0, $0)) }, spatial[0])
    }

    // MARK: Regions

    /// The objects of one region (heavier than a speck): one, or several when it is touching
    /// objects of one colour that split cleanly.
    func read(_ region: ColourRegion, _ fit: Fit, _ labels: PaletteLabels) throws -> [SceneObject] {
        let pixelArea = 1 / Double(labels.side * labels.side)
        do {
            return [try object(region, labels, fit: fit)]
        } catch let failure as SceneParseError {
            switch failure {
            case .tooLarge, .unknownShape, .ambiguousShape, .blurred: break
            default: throw failure
            }
            // Deeper erosion separates objects joined by a wider neck, but loses thin objects'
            // cores; the first depth at which every part reads as an object wins.
            var most = 1
            for erosion in 0...2 {
                let parts = splitAtCores(region, labels: labels, erosion: erosion, minimumSeed: 1)
                guard parts.count >= 2 else { continue }
                most = max(most, parts.count)
                if let objects = try? parts.flatMap({ part -> [SceneObject] in
                    guard part.mass * pixelArea >= settings.speckArea else { return [] }
                    return [try object(part, labels, fit: bestFit(part, side: labels.side))]
                }), objects.count >= 2 {
                    return objects
                }
            }
            guard most >= 2 else { throw failure }
            let c = region.centroid(side: labels.side)
            throw SceneParseError.touching(x: c.x / Double(labels.side), y: c.y / Double(labels.side),
                                           color: PaletteLabels.palette[region.color], parts: most)
        }
    }

    /// The one object a region holds, or why it is none.
    func object(_ region: ColourRegion, _ labels: PaletteLabels, fit: Fit) throws -> SceneObject {
        let side = labels.side
        let color = PaletteLabels.palette[region.color]
        let at = region.centroid(side: side)
        let (x, y) = (at.x / Double(side), at.y / Double(side))
        if fit.radius < settings.minimumRadius {
            throw SceneParseError.fragment(x: x, y: y, color: color, radius: fit.radius, minimum: settings.minimumRadius)
        }
        if fit.radius > settings.maximumRadius {
            throw SceneParseError.tooLarge(x: x, y: y, color: color, radius: fit.radius, maximum: settings.maximumRadius)
        }
        let inside = insideColour(region, labels)
        let nearest = nearestPaletteColour(inside)
        if nearest.color != color || nearest.distance > settings.colourTolerance
            || nearest.distance > settings.colourMargin * nearest.runnerUp {
            throw SceneParseError.offPalette(x: x, y: y, rgb: inside, nearest: nearest.color, distance: nearest.distance,
                                             runnerUp: nearest.runnerUp, limit: settings.colourTolerance)
        }
        let width = edgeWidth(region, shape: fit.outline.shape, side: side)
        if width > settings.edgeWidthLimit {
            throw SceneParseError.blurred(x: x, y: y, color: color, width: width, limit: settings.edgeWidthLimit)
        }
        if fit.mismatch > settings.shapeMismatchLimit {
            throw SceneParseError.unknownShape(x: x, y: y, color: color, best: fit.outline.shape, mismatch: fit.mismatch,
                                               limit: settings.shapeMismatchLimit)
        }
        if fit.runnerUp.mismatch - fit.mismatch < settings.shapeMargin {
            throw SceneParseError.ambiguousShape(x: x, y: y, color: color, best: fit.outline.shape, mismatch: fit.mismatch,
                                                 second: fit.runnerUp.shape, secondMismatch: fit.runnerUp.mismatch,
                                                 margin: settings.shapeMargin)
        }
        let size: ShapeSize = fit.radius < SceneParserSettings.sizeBoundary ? .small : .large
        return SceneObject(shape: fit.outline.shape, color: color, size: size, x: fit.outline.x, y: fit.outline.y)
    }

    /// Refuses ink the regions do not explain: pixels clearly off the background (further than
    /// `backgroundTolerance`) and more than two pixels from every region, in groups heavier than a
    /// speck. A pale object, less than half covered everywhere, has no region of its own and
    /// would otherwise vanish from the scene instead of being refused.
    func checkFaintRegions(_ labels: PaletteLabels, _ regions: [ColourRegion]) throws {
        let side = labels.side
        var explained = [Bool](repeating: false, count: side * side)
        for region in regions {
            for (p, w) in zip(region.pixels, region.weights) where w >= settings.coverageThreshold {
                let x = p % side, y = p / side
                for ny in max(0, y - 2)...min(side - 1, y + 2) {
                    for nx in max(0, x - 2)...min(side - 1, x + 2) { explained[ny * side + nx] = true }
                }
            }
        }
        let ink = (0..<(side * side)).map { p in
            !explained[p] && rgbDistance(labels.color(p), labels.background) > settings.backgroundTolerance
        }
        for component in connectedComponents(side: side, member: { ink[$0] }, key: { _ in 0 })
        where Double(component.count) / Double(side * side) >= settings.speckArea {
            // Named after the palette colour most of its pixels lean towards.
            var votes = [Int](repeating: 0, count: PaletteLabels.palette.count)
            for p in component where labels.label[p] >= 0 { votes[labels.label[p]] += 1 }
            var k = 0
            for j in votes.indices where votes[j] > votes[k] { k = j }
            let peak = component.filter { labels.label[$0] == k }.map { labels.coverage[$0] }.max() ?? 0
            let x = component.reduce(0.0) { $0 + Double($1 % side) + 0.5 } / Double(component.count * side)
            let y = component.reduce(0.0) { $0 + Double($1 / side) + 0.5 } / Double(component.count * side)
            throw SceneParseError.faint(x: x, y: y, color: PaletteLabels.palette[k], peak: peak)
        }
    }

    /// The region with coverage measured against its own inside rather than the palette colour:
    /// an object drawn a shade darker than its palette colour (as generated images do) reads as
    /// 0.8 covered along the line to that colour, and would otherwise shrink and lose its shape.
    /// Whether the shade is close enough to the palette colour is `insideColour`'s question.
    func normalized(_ region: ColourRegion, _ labels: PaletteLabels) -> ColourRegion {
        let inside = insidePixels(region, side: labels.side)
        let plateau = min(1, max(settings.coverageThreshold, median(inside.map { labels.coverage[$0] })))
        var out = region
        out.weights = region.weights.map { min(1, $0 / plateau) }
        return out
    }

    /// The median colour of the region's inside (see `insidePixels`).
    func insideColour(_ region: ColourRegion, _ labels: PaletteLabels) -> [Double] {
        let pixels = insidePixels(region, side: labels.side).map(labels.color)
        return (0..<3).map { c in median(pixels.map { $0[c] }) }
    }

    /// The solid pixels whose four neighbours are solid too (edges mix with the background), or,
    /// for regions too thin for that, the most covered pixels; in raster order.
    func insidePixels(_ region: ColourRegion, side: Int) -> [Int] {
        var solid = Set<Int>()
        for (p, w) in zip(region.pixels, region.weights) where w >= settings.coverageThreshold { solid.insert(p) }
        var inside = solid.filter { p in
            let x = p % side, y = p / side
            return x > 0 && y > 0 && x < side - 1 && y < side - 1
                && solid.contains(p - 1) && solid.contains(p + 1) && solid.contains(p - side) && solid.contains(p + side)
        }
        if inside.isEmpty {
            let top = region.weights.max() ?? 0
            inside = Set(zip(region.pixels, region.weights).filter { $0.1 >= 0.9 * top }.map(\.0))
        }
        return inside.sorted()
    }

    // MARK: Outlines

    struct Fit {
        let outline: PlacedOutline
        /// Radius in canvas units.
        var radius: Double { outline.radius }
        /// Symmetric difference between the region's coverage and the outline's, over the outline's area.
        let mismatch: Double
        /// The next best outline and its mismatch (filled in by `bestFit`).
        var runnerUp: (shape: Shape, mismatch: Double) = (.circle, .infinity)
    }

    /// Every outline scaled to the region's area and centred on its centroid; the best fit
    /// (ties to the earlier shape in `Shape.allCases`), with the runner-up.
    func bestFit(_ region: ColourRegion, side: Int) -> Fit {
        let fits = Shape.allCases.map { fit($0, region, side: side) }
        var best = 0
        for k in fits.indices where fits[k].mismatch < fits[best].mismatch { best = k }
        var result = fits[best]
        for k in fits.indices where k != best && fits[k].mismatch < result.runnerUp.mismatch {
            result.runnerUp = (fits[k].outline.shape, fits[k].mismatch)
        }
        return result
    }

    func fit(_ shape: Shape, _ region: ColourRegion, side: Int) -> Fit {
        let geometry = OutlineGeometry.of(shape)
        let s = Double(side)
        let area = region.mass / (s * s)
        let radius = (area / geometry.area).squareRoot()
        let c = region.centroid(side: side)
        let outline = PlacedOutline(shape: shape, x: c.x / s - geometry.centroidX * radius,
                                    y: c.y / s - geometry.centroidY * radius, radius: radius)
        var observed: [Int: Double] = [:]
        var (x0, y0, x1, y1) = outline.pixelBox(side: side)
        for (p, w) in zip(region.pixels, region.weights) {
            observed[p] = w
            x0 = min(x0, p % side); x1 = max(x1, p % side)
            y0 = min(y0, p / side); y1 = max(y1, p / side)
        }
        x0 = max(0, x0); y0 = max(0, y0); x1 = min(side - 1, x1); y1 = min(side - 1, y1)
        var difference = 0.0, covered = 0.0
        if x0 <= x1 && y0 <= y1 {
            for py in y0...y1 {
                for px in x0...x1 {
                    let cov = outline.coverage(px: px, py: py, side: side, supersample: supersample)
                    let obs = observed[py * side + px] ?? 0
                    difference += abs(obs - cov)
                    covered += cov
                }
            }
        }
        return Fit(outline: outline, mismatch: covered > 0 ? difference / covered : .infinity)
    }

    /// Partly covered pixels of the region (coverage between 10% and 90% of its largest) per
    /// pixel of the length of `shape`'s outline at the region's area (`axisPerimeter`): at most
    /// about 1 for a crisp edge, 2.56 sigma / (|cos| + |sin|) for a Gaussian blur of sigma pixels.
    /// Judged against the region's own largest coverage, so that a uniformly pale region is not
    /// all "edge" (it is refused for its colour instead).
    func edgeWidth(_ region: ColourRegion, shape: Shape, side: Int) -> Double {
        let full = region.weights.max() ?? 1
        let edges = region.weights.filter { $0 > 0.1 * full && $0 < 0.9 * full }.count
        let geometry = OutlineGeometry.of(shape)
        let s = Double(side)
        let length = geometry.axisPerimeter * (region.mass / (s * s) / geometry.area).squareRoot() * s
        return length > 0 ? Double(edges) / length : .infinity
    }
}
