import Foundation
import Tensors

/// Turns an item's `ImageSource` into the [1,3,size,size] tensor in [0,1] a model sees:
/// files are decoded (PNG or JPEG), cropped to their box, and stretched to size x size with
/// PIL's Lanczos filter, as the reference pipelines do; ShapesWorld scenes are rendered at size.
public struct ImageLoader: Sendable {
    /// Output side; nil keeps files at their own size and renders scenes at 32.
    public var size: Int?
    public var supersample: Int

    public init(size: Int? = nil, supersample: Int = 4) {
        self.size = size
        self.supersample = supersample
    }

    public func load(_ source: ImageSource) throws -> Tensor {
        switch source {
        case let .scene(scene):
            return try ShapesWorldRenderer(supersample: supersample).render(scene, size: size ?? 32)
        case let .file(path, crop):
            var image = try ImageIO.read(path)
            if let crop { image = try cropPIL(image, crop) }
            guard let size else { return image }
            let h = image.shape[2], w = image.shape[3]
            if h == size && w == size { return image }
            return try LanczosResize.resize(image, width: size, height: size)
        }
    }
}

/// PIL's `Image.crop((x, y, x + w, y + h))`: corners rounded to whole pixels (Python's round,
/// half to even) and anything outside the image filled with black.
func cropPIL(_ image: Tensor, _ box: PixelBox) throws -> Tensor {
    let shape = image.shape
    guard shape.count == 4, shape[0] == 1 else { throw TensorError.badShape(op: "crop", expected: "[1,C,H,W]", got: shape) }
    let c = shape[1], h = shape[2], w = shape[3]
    let values = [box.x, box.y, box.x + box.width, box.y + box.height]
    guard values.allSatisfy({ $0.isFinite && abs($0) < 1e7 }) else {
        throw BenchmarkError.invalidArgument(op: "crop", message: "box \(box) is not finite")
    }
    let r = values.map { Int($0.rounded(.toNearestOrEven)) }
    let x0 = r[0], y0 = r[1], x1 = r[2], y1 = r[3]
    guard x1 > x0, y1 > y0 else {
        throw BenchmarkError.invalidArgument(op: "crop", message: "box \(box) is empty after rounding to pixels")
    }
    let ow = x1 - x0, oh = y1 - y0
    var out = [Float](repeating: 0, count: c * oh * ow)
    for ch in 0..<c {
        for y in 0..<oh {
            let sy = y0 + y
            guard sy >= 0, sy < h else { continue }
            for x in 0..<ow {
                let sx = x0 + x
                guard sx >= 0, sx < w else { continue }
                out[(ch * oh + y) * ow + x] = image.scalars[(ch * h + sy) * w + sx]
            }
        }
    }
    return try Tensor(shape: [1, c, oh, ow], scalars: out)
}
