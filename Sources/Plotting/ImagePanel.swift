import Tensors

/// One RGB picture to show, with an optional caption: values in [0, 1], row 0 at the top.
public struct ImagePanel: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Height x width x 3 values, row-major, each in [0, 1].
    public let rgb: [Double]
    public var label: String?

    /// Values outside [0, 1] are clipped (NaN counts as 0), as matplotlib shows floats.
    public init(width: Int, height: Int, rgb: [Double], label: String? = nil) throws {
        guard width > 0, height > 0 else {
            throw PlotError.invalidData("an image needs a positive size, got \(width)x\(height)")
        }
        guard rgb.count == width * height * 3 else {
            throw PlotError.invalidData("a \(width)x\(height) RGB image holds \(width * height * 3) values, got \(rgb.count)")
        }
        self.width = width
        self.height = height
        self.rgb = rgb.map { $0.isNaN ? 0 : min(max($0, 0), 1) }
        self.label = label
    }

    /// A panel from an image tensor: `[1,C,H,W]`, `[C,H,W]` (C = 3 or 1) or `[H,W]` (grey).
    public init(_ tensor: Tensor, label: String? = nil) throws {
        let images = try ImagePanel.panels(from: tensor)
        guard images.count == 1, let only = images.first else {
            throw PlotError.invalidData(
                "one image expected, got a batch of \(images.count) \(formatShape(tensor.shape)); use grid for several")
        }
        self = only
        self.label = label
    }

    /// Every image in a tensor: `[B,C,H,W]` gives B panels, the other image shapes one.
    public static func panels(from tensor: Tensor) throws -> [ImagePanel] {
        let shape = tensor.shape
        let batch: Int, channels: Int, height: Int, width: Int
        switch shape.count {
        case 2: (batch, channels, height, width) = (1, 1, shape[0], shape[1])
        case 3: (batch, channels, height, width) = (1, shape[0], shape[1], shape[2])
        case 4: (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        default:
            throw PlotError.invalidData(
                "an image tensor is [B,3,H,W], [3,H,W] or [H,W], got \(formatShape(shape))")
        }
        guard channels == 3 || channels == 1 else {
            throw PlotError.invalidData("an image has 3 (RGB) or 1 (grey) channels, got \(formatShape(shape))")
        }
        guard batch >= 1, height >= 1, width >= 1 else {
            throw PlotError.invalidData("an empty image tensor \(formatShape(shape))")
        }
        let scalars = tensor.scalars
        let plane = height * width
        return try (0..<batch).map { b in
            var rgb = [Double](repeating: 0, count: plane * 3)
            let base = b * channels * plane
            for p in 0..<plane {
                for c in 0..<3 {
                    rgb[p * 3 + c] = Double(scalars[base + (channels == 3 ? c : 0) * plane + p])
                }
            }
            return try ImagePanel(width: width, height: height, rgb: rgb)
        }
    }

    /// The panel as a `[1,3,H,W]` tensor.
    public func tensor() -> Tensor {
        var scalars = [Float](repeating: 0, count: width * height * 3)
        let plane = width * height
        for p in 0..<plane {
            for c in 0..<3 { scalars[c * plane + p] = Float(rgb[p * 3 + c]) }
        }
        return (try? Tensor(shape: [1, 3, height, width], scalars: scalars)) ?? Tensor.zeros([1, 3, height, width])
    }
}
