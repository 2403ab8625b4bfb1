import Foundation
import Tensors

/// Images and tensor files on disk.
public enum ImageBuiltins {
    public static let builtins: [Builtin] = [
        Builtin("image", [.init("path", .string), .init("size", .optional(.ints), default: .noValue)], returns: "tensor",
                doc: "Reads a PNG or JPEG as [1,3,H,W] in [0,1]; size: n or [h, w] resizes (bilinear, like torch's interpolate).") { args, ctx in
            let path = try args.string("path")
            var img = try ImageIO.read(path)
            if let size = try args.optionalInts("size") {
                guard (size.count == 1 || size.count == 2), size.allSatisfy({ $0 > 0 && $0 <= 1 << 15 }) else {
                    throw ArgumentError(parameter: "size", "image: size must be n or [h, w] with positive sizes, got \(size)")
                }
                let (h, w) = size.count == 1 ? (size[0], size[0]) : (size[0], size[1])
                try ctx.checkSize(3 * h * w, "the resized image")
                img = try resizeBilinear(img, height: h, width: w)
            }
            return .tensor(img)
        },
        Builtin("save_image", [.init("t", .tensor), .init("path", .string)],
                doc: "Writes [1,3,H,W] or [3,H,W] values in [0,1] as a PNG (atomically).") { args, _ in
            try ImageIO.writePNG(try args.tensor("t"), to: try args.string("path"))
            return .none
        },
        Builtin("load_tensors", [.init("path", .string)], returns: "record",
                doc: "Every tensor of a .safetensors file, as a record from name to tensor (F32, F16 and BF16 read as F32).") { args, _ in
            let file = try SafeTensorsFile(path: try args.string("path"))
            var r = Record()
            for name in file.names { r[name] = Value.tensor(try file.tensor(name)) }
            return .record(r)
        },
        Builtin("save_tensors", [.init("path", .string), .init("tensors", .record)],
                doc: "Writes a record of tensors (numbers become 0-d tensors) as a .safetensors file, F32, atomically.") { args, _ in
            var tensors: [String: Tensor] = [:]
            for (key, value) in try args.record("tensors").fields {
                do {
                    tensors[key] = try Convert.tensor(value)
                } catch {
                    throw ArgumentError(parameter: "tensors", "save_tensors: field '\(key)' is a \(value.typeName), not a tensor")
                }
            }
            try SafeTensors.write(tensors, to: try args.string("path"))
            return .none
        },
    ]

    /// Bilinear resampling of [N,C,H,W] with half-pixel centres (torch's align_corners=False, no antialias).
    static func resizeBilinear(_ x: Tensor, height: Int, width: Int) throws -> Tensor {
        guard x.rank == 4 else { throw TensorError.badShape(op: "resize", expected: "[N,C,H,W]", got: x.shape) }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if h == height && w == width { return x }
        func taps(_ out: Int, _ size: Int) -> [(Int, Int, Float)] {
            let scale = Float(size) / Float(out)
            return (0..<out).map { i in
                let src = Swift.max(0, (Float(i) + 0.5) * scale - 0.5)
                let lo = Swift.min(Int(src), size - 1)
                let hi = Swift.min(lo + 1, size - 1)
                return (lo, hi, src - Float(lo))
            }
        }
        let ys = taps(height, h), xs = taps(width, w)
        var out = [Float](repeating: 0, count: n * c * height * width)
        let src = x.scalars
        for plane in 0..<(n * c) {
            let base = plane * h * w, outBase = plane * height * width
            for (oy, (y0, y1, fy)) in ys.enumerated() {
                for (ox, (x0, x1, fx)) in xs.enumerated() {
                    let top = src[base + y0 * w + x0] * (1 - fx) + src[base + y0 * w + x1] * fx
                    let bottom = src[base + y1 * w + x0] * (1 - fx) + src[base + y1 * w + x1] * fx
                    out[outBase + oy * width + ox] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return try Tensor(shape: [n, c, height, width], scalars: out)
    }
}
