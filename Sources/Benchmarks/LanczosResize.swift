import Foundation
import Tensors

/// Resizes images the way the reference pipelines do, `PIL.Image.resize((w, h), Image.LANCZOS)`:
/// a separable Lanczos-3 filter widened by the scale factor when shrinking (so it antialiases),
/// weights normalised to sum to one per output pixel, the horizontal pass before the vertical
/// one, and values clipped to [0,1] after each pass as PIL clips its 8-bit intermediate image.
/// The aspect ratio is not kept: the image is stretched to width x height.
public enum LanczosResize {
    /// [1,C,H,W] or [C,H,W] in, the same rank out with the new height and width.
    public static func resize(_ image: Tensor, width: Int, height: Int) throws -> Tensor {
        guard width > 0, height > 0 else {
            throw BenchmarkError.invalidArgument(op: "resize", message: "target size must be positive, got \(width)x\(height)")
        }
        let shape = image.shape
        guard shape.count == 3 || (shape.count == 4 && shape[0] == 1) else {
            throw TensorError.badShape(op: "resize", expected: "[1,C,H,W] or [C,H,W]", got: shape)
        }
        let c = shape[shape.count - 3], h = shape[shape.count - 2], w = shape[shape.count - 1]
        guard h > 0, w > 0 else { throw TensorError.badShape(op: "resize", expected: "a non-empty image", got: shape) }
        let out = resize(image.scalars, channels: c, height: h, width: w, toHeight: height, toWidth: width)
        let newShape = shape.count == 4 ? [1, c, height, width] : [c, height, width]
        return try Tensor(shape: newShape, scalars: out)
    }

    /// Channel-major planes in, channel-major planes out.
    public static func resize(_ pixels: [Float], channels: Int, height: Int, width: Int,
                              toHeight: Int, toWidth: Int) -> [Float] {
        var current = pixels
        var curW = width
        if toWidth != width {
            let k = coefficients(inSize: width, outSize: toWidth)
            var next = [Float](repeating: 0, count: channels * height * toWidth)
            for ch in 0..<channels {
                for y in 0..<height {
                    let row = (ch * height + y) * width
                    let outRow = (ch * height + y) * toWidth
                    for x in 0..<toWidth {
                        var s = 0.0
                        let (start, weights) = k[x]
                        for (j, wgt) in weights.enumerated() { s += Double(current[row + start + j]) * wgt }
                        next[outRow + x] = clip(s)
                    }
                }
            }
            current = next
            curW = toWidth
        }
        if toHeight != height {
            let k = coefficients(inSize: height, outSize: toHeight)
            var next = [Float](repeating: 0, count: channels * toHeight * curW)
            for ch in 0..<channels {
                for y in 0..<toHeight {
                    let (start, weights) = k[y]
                    for x in 0..<curW {
                        var s = 0.0
                        for (j, wgt) in weights.enumerated() {
                            s += Double(current[(ch * height + start + j) * curW + x]) * wgt
                        }
                        next[(ch * toHeight + y) * curW + x] = clip(s)
                    }
                }
            }
            current = next
        }
        return current
    }

    private static func clip(_ x: Double) -> Float { Float(min(1, max(0, x))) }

    /// For each output pixel, the first input pixel it reads and the normalised weights.
    /// Output pixel i is centred at input coordinate (i + 0.5)·scale; the filter reaches
    /// 3·max(scale, 1) input pixels either side.
    static func coefficients(inSize: Int, outSize: Int) -> [(Int, [Double])] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        return (0..<outSize).map { i in
            let center = (Double(i) + 0.5) * scale
            // Truncation toward zero, then clamping, picks the same window PIL does.
            let lo = max(0, Int(center - support + 0.5))
            let hi = min(inSize, Int(center + support + 0.5))
            var weights = (lo..<max(lo, hi)).map { x in lanczos3((Double(x) - center + 0.5) / filterScale) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            return (lo, weights)
        }
    }

    /// sinc(x)·sinc(x/3) on [-3, 3), zero outside.
    static func lanczos3(_ x: Double) -> Double {
        guard x >= -3, x < 3 else { return 0 }
        return sinc(x) * sinc(x / 3)
    }

    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = x * Double.pi
        return sin(px) / px
    }
}
