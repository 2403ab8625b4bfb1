/// How strict `SceneParser` is. The parser is an exact checker: it reads images that look like
/// ShapesWorld renders (a flat background, flat palette-coloured shapes with crisp antialiased
/// edges) and refuses anything else with a reason, rather than guessing. Generated images that
/// a person would call "a red square, a bit soft" pass; blobs of in-between colours, smeared or
/// grainy images, shapes that are none of the six, and pieces of objects do not. gen_eval counts
/// a refused image as a failure in every category and reports the refusals separately.
///
/// Distances are Euclidean in RGB with channels in [0, 1]; areas and radii in canvas units (the
/// canvas side is 1). The defaults were measured on renders at 32x32 and 64x64 (SceneParserTests
/// prints the margins): clean renders sit far inside every limit, and noise of sigma 0.1 or a
/// Gaussian blur of sigma one pixel crosses one.
public struct SceneParserSettings: Sendable, Equatable {
    /// A pixel belongs to an object when at least this share of it is covered by a palette colour
    /// (the coverage read off the line from the background to that colour).
    public var coverageThreshold: Double = 0.5
    /// Share of border pixels that must lie within `backgroundTolerance` of the border's median
    /// colour for that colour to count as the background. Objects may graze the border.
    public var uniformBorder: Double = 0.6
    public var backgroundTolerance: Double = 0.1
    /// Largest grain accepted: a robust estimate of per-pixel noise along the border (median
    /// absolute difference of neighbouring border pixels, scaled to a Gaussian sigma). Renders
    /// have 0; the bundled model's generated backgrounds 0.006 to 0.012; sigma 0.1 noise about 0.1.
    public var noiseLimit: Double = 0.04
    /// Largest distance from the inside colour of a region to its palette colour, and how much
    /// nearer that colour must be than the next (distance at most `colourMargin` times the
    /// next one's). The margin keeps in-between colours out: yellow and orange are 0.31 apart,
    /// so a colour read as either is within 0.10 of it.
    public var colourTolerance: Double = 0.2
    public var colourMargin: Double = 0.5
    /// Regions with less area than this are specks and ignored: a quarter of the smallest
    /// object (a small star, 0.018), about 5 pixels at 32x32. Generated images have them at edges.
    public var speckArea: Double = 0.0046
    /// Radii (of the outline fitted to a region's area) outside this range are not ShapesWorld
    /// objects: 30% below the small radius 0.11 is a fragment, 40% above the large 0.17 too large.
    public var minimumRadius: Double = 0.077
    public var maximumRadius: Double = 0.24
    /// Largest share of a region's area that its best outline may get wrong (symmetric
    /// difference over the outline's area), and the least lead it needs over the next outline.
    /// Renders fit within a few percent and the next outline misses by 17% or more (a small
    /// circle against a square); generated blobs half-way between a circle and a square fit both
    /// about equally and are refused rather than named at random.
    public var shapeMismatchLimit: Double = 0.3
    public var shapeMargin: Double = 0.04
    /// Largest edge width: partly covered pixels (coverage in (0.1, 0.9)) per pixel of outline
    /// length. A crisp antialiased edge gives at most about 1; a Gaussian blur of sigma pixels
    /// 1.8 to 2.6 sigma, depending on the edge's slope.
    public var edgeWidthLimit: Double = 1.6

    public init() {}

    /// Small and large radii are 0.11 and 0.17: a region is large above their geometric mean.
    public static let sizeBoundary = (ShapeSize.small.radius * ShapeSize.large.radius).squareRoot()
}
