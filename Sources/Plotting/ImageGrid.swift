import Tensors

/// Images laid out in rows of `cols`, each with an optional caption.
public struct ImageGrid: Sendable, Equatable {
    public var panels: [ImagePanel]
    public var cols: Int

    public init(panels: [ImagePanel], cols: Int? = nil) throws {
        guard !panels.isEmpty else { throw PlotError.invalidData("a grid needs at least one image") }
        let columns = cols ?? min(panels.count, 8)
        guard columns >= 1 else { throw PlotError.invalidData("a grid needs at least 1 column, got \(columns)") }
        self.panels = panels
        self.cols = min(columns, panels.count)
    }

    /// A grid of image tensors (a `[B,3,H,W]` tensor counts as B images); `labels`, when
    /// given, names each image in order.
    public init(_ images: [Tensor], cols: Int? = nil, labels: [String]? = nil) throws {
        var panels = try images.flatMap { try ImagePanel.panels(from: $0) }
        if let labels {
            guard labels.count == panels.count else {
                throw PlotError.invalidData("grid has \(panels.count) images but \(labels.count) labels")
            }
            for index in panels.indices { panels[index].label = labels[index] }
        }
        try self.init(panels: panels, cols: cols)
    }

    public var rows: Int { (panels.count + cols - 1) / cols }

    /// One `[1,3,H,W]` tensor with the images in place: each cell is as large as the
    /// largest image, an image sits at its cell's top-left, and `padding` pixels of
    /// `background` separate the cells and frame the whole.
    public func composed(padding: Int = 2, background: Float = 1) throws -> Tensor {
        guard padding >= 0 else { throw PlotError.invalidData("grid padding must be >= 0, got \(padding)") }
        let cellWidth = panels.map(\.width).max() ?? 0
        let cellHeight = panels.map(\.height).max() ?? 0
        let width = cols * cellWidth + (cols + 1) * padding
        let height = rows * cellHeight + (rows + 1) * padding
        let plane = width * height
        var scalars = [Float](repeating: background, count: 3 * plane)
        for (index, panel) in panels.enumerated() {
            let left = padding + (index % cols) * (cellWidth + padding)
            let top = padding + (index / cols) * (cellHeight + padding)
            for y in 0..<panel.height {
                for x in 0..<panel.width {
                    let source = (y * panel.width + x) * 3
                    let target = (top + y) * width + left + x
                    for c in 0..<3 { scalars[c * plane + target] = Float(panel.rgb[source + c]) }
                }
            }
        }
        return try Tensor(shape: [1, 3, height, width], scalars: scalars)
    }
}
