@preconcurrency import CJPEG
@preconcurrency import CPNG
@preconcurrency import Glibc

/// Image files <-> tensors: PNG through libpng's simplified API, JPEG through libjpeg-turbo.
///
/// Both libraries report errors by longjmp, which Swift cannot survive; the simplified PNG
/// API catches its own, and the JPEG decode runs entirely inside a C helper in the CJPEG
/// shim that does. A broken file therefore gives a thrown error, never a crash.
public enum ImageIO {
    /// Reads a PNG or JPEG (chosen by content, not extension) as [1,3,H,W] in [0,1].
    /// Grayscale and palette images become RGB; an alpha channel is dropped (not composited),
    /// as PIL's `convert("RGB")` does.
    public static func read(_ path: String) throws -> Tensor {
        let magic = try firstBytes(path, count: 8)
        if magic.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try readPNG(path) }
        if magic.starts(with: [0xFF, 0xD8, 0xFF]) { return try readJPEG(path) }
        throw TensorError.file(path: path, message: "not a PNG or JPEG file")
    }

    /// Writes [1,3,H,W] or [3,H,W] values in [0,1] as an 8-bit RGB PNG, atomically.
    /// Values are clamped and rounded as torchvision's `save_image` does: floor(255 x + 0.5);
    /// NaN becomes 0.
    public static func writePNG(_ image: Tensor, to path: String) throws {
        let shape = image.shape
        guard (shape.count == 4 && shape[0] == 1 && shape[1] == 3) || (shape.count == 3 && shape[0] == 3) else {
            throw TensorError.badShape(op: "save_image", expected: "[1,3,H,W] or [3,H,W]", got: shape)
        }
        let (height, width) = (shape[shape.count - 2], shape[shape.count - 1])
        guard height > 0, width > 0, height <= Int(Int32.max) / 3, width <= Int(Int32.max) / 3 else {
            throw TensorError.badShape(op: "save_image", expected: "a non-empty image", got: shape)
        }
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        image.scalars.withUnsafeBufferPointer { src in
            for c in 0..<3 {
                for i in 0..<plane {
                    let v = src[c * plane + i]
                    pixels[i * 3 + c] = v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255 + 0.5).rounded(.down))
                }
            }
        }
        try AtomicFile.write(to: path, viaTemporaryPath: { temporary in
            var png = png_image()
            png.version = png_uint_32(CPNG_IMAGE_VERSION)
            png.width = png_uint_32(width)
            png.height = png_uint_32(height)
            png.format = png_uint_32(CPNG_FORMAT_RGB)
            let ok = pixels.withUnsafeBytes { png_image_write_to_file(&png, temporary, 0, $0.baseAddress, 0, nil) }
            defer { png_image_free(&png) }
            guard ok != 0 else { throw TensorError.file(path: path, message: "cannot write PNG: \(message(of: &png))") }
        })
    }

    static func readPNG(_ path: String) throws -> Tensor {
        var png = png_image()
        png.version = png_uint_32(CPNG_IMAGE_VERSION)
        defer { png_image_free(&png) }
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            throw TensorError.file(path: path, message: "invalid PNG: \(message(of: &png))")
        }
        let (width, height) = (Int(png.width), Int(png.height))
        // 16-bit files carry sRGB-encoded values in practice (PIL and PyTorch read them raw),
        // not the linear light libpng assumes by default.
        png.flags |= png_uint_32(CPNG_IMAGE_FLAG_16BIT_sRGB)
        png.format = png_uint_32(CPNG_FORMAT_RGBA)
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0, !overflow, count <= 1 << 28 else {
            throw TensorError.file(path: path, message: "PNG of \(width)x\(height) pixels is empty or too large")
        }
        var rgba = [UInt8](repeating: 0, count: cpng_image_size(&png))
        guard rgba.count == count * 4 else {
            throw TensorError.file(path: path, message: "unexpected PNG buffer size")
        }
        let ok = rgba.withUnsafeMutableBytes { png_image_finish_read(&png, nil, $0.baseAddress, 0, nil) }
        guard ok != 0 else { throw TensorError.file(path: path, message: "invalid PNG: \(message(of: &png))") }
        return planar(rgba, width: width, height: height, channels: 4)
    }

    static func readJPEG(_ path: String) throws -> Tensor {
        var width: Int32 = 0, height: Int32 = 0
        var error = [CChar](repeating: 0, count: 256)
        guard let pixels = cjpeg_decode_rgb(path, &width, &height, &error, Int32(error.count)) else {
            throw TensorError.file(path: path, message: "invalid JPEG: \(text(error))")
        }
        defer { free(pixels) }
        let bytes = Array(UnsafeBufferPointer(start: pixels, count: Int(width) * Int(height) * 3))
        return planar(bytes, width: Int(width), height: Int(height), channels: 3)
    }

    /// Interleaved 8-bit pixels -> [1,3,H,W] Float in [0,1] (extra channels dropped).
    static func planar(_ pixels: [UInt8], width: Int, height: Int, channels: Int) -> Tensor {
        let plane = width * height
        var out = [Float](repeating: 0, count: 3 * plane)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    for c in 0..<3 { dst[c * plane + i] = Float(src[i * channels + c]) / 255 }
                }
            }
        }
        return Tensor(uncheckedShape: [1, 3, height, width], scalars: out)
    }

    private static func message(of png: inout png_image) -> String {
        var buffer = [CChar](repeating: 0, count: 80)
        cpng_message(&png, &buffer, Int32(buffer.count))
        return text(buffer)
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func firstBytes(_ path: String, count: Int) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw TensorError.file(path: path, message: "cannot open: \(errnoText())")
        }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = fread(&bytes, 1, count, file)
        return Array(bytes.prefix(n))
    }
}
