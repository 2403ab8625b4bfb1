import Diffusion

/// DiffusionITM's two retrieval directions over one comparison's errors: every caller that ranks
/// (`itm`, `evaluate`, the benchmark protocols) asks here, so a question gets one answer.
///
/// - Captions for an image (text retrieval) rank by the text score -mean_k err_k(c, i).
/// - Images for a caption (image retrieval) rank by the image score -mean_k (err_k(c, i) - uncond_k(i)).
///
/// For a fixed image the two scores differ by that image's mean unconditional error, so both rank
/// its captions alike; the image score needs the unconditional errors (`uncond: true`).
extension MatchErrors {
    public var imageCount: Int { cond.count }
    public var captionCount: Int { cond.first?.count ?? 0 }

    func errors(caption c: Int, image i: Int) throws -> [Float] {
        guard cond.indices.contains(i), cond[i].indices.contains(c) else {
            throw DiffusionError.invalidArgument(op: "scores", message: "no caption \(c) of \(captionCount) for image \(i) of \(imageCount)")
        }
        return cond[i][c]
    }

    public func textScore(caption c: Int, image i: Int) throws -> Double {
        try DiffusionITM.textScore(cond: errors(caption: c, image: i))
    }

    public func imageScore(caption c: Int, image i: Int) throws -> Double {
        try DiffusionITM.imageScore(cond: errors(caption: c, image: i), uncond: uncond.indices.contains(i) ? uncond[i] : [])
    }

    /// Text retrieval: every caption's text score for image `i`.
    public func captionScores(forImage i: Int) throws -> [Double] {
        try (0..<captionCount).map { try textScore(caption: $0, image: i) }
    }

    /// Image retrieval: every image's image score for caption `c`.
    public func imageScores(forCaption c: Int) throws -> [Double] {
        try (0..<imageCount).map { try imageScore(caption: c, image: $0) }
    }

    /// s[c][i], the image score of every pair: one matrix a protocol can read both ways (Winoground),
    /// since along a column it ranks captions as the text score does.
    public func imageScoreMatrix() throws -> [[Double]] {
        try (0..<captionCount).map { try imageScores(forCaption: $0) }
    }

    /// The index of the highest score, the first one on ties (numpy's argmax).
    public static func best(_ scores: [Double]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
