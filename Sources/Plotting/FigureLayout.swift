/// Default figure sizes that suit their content.
enum FigureLayout {
    /// 800x560 for charts; for images, each cell scaled so its longer side is about
    /// 256 pixels, plus room for captions and the title.
    static func defaultSize(for figure: Figure) -> FigureSize {
        guard case let .images(grid) = figure.content else { return .standard }
        let cellWidth = Double(grid.panels.map(\.width).max() ?? 1)
        let cellHeight = Double(grid.panels.map(\.height).max() ?? 1)
        let scale = 256 / max(cellWidth, cellHeight)
        let hasLabels = grid.panels.contains { $0.label != nil } || (grid.panels.count == 1 && figure.title != nil)
        let labelBand = hasLabels ? 36.0 : 8.0
        let titleBand = figure.title != nil && grid.panels.count > 1 ? 40.0 : 0
        let width = Double(grid.cols) * (cellWidth * scale + 16) + 16
        let height = Double(grid.rows) * (cellHeight * scale + labelBand + 8) + titleBand + 8
        return FigureSize(width: max(Int(width.rounded()), 64), height: max(Int(height.rounded()), 64))
    }
}
