import Foundation
import Tensors

/// NumPy-style tensor text: one number format for the whole tensor, columns aligned, and
/// edge items with `...` when the tensor is large or a row does not fit the terminal.
struct TensorFormatter {
    let tensor: Tensor
    let width: Int
    /// Above this many elements, every axis shows only its edges (NumPy's threshold).
    static let threshold = 1000
    static let edgeItems = 3

    var header: String { "tensor \(formatShape(tensor.shape))" }

    /// In a list or record: values only when there are few.
    func compact() -> String {
        if tensor.count <= 8 && tensor.rank <= 1 { return header + " " + body(indent: 0) }
        return "<\(header)>"
    }

    /// One line for a tensor too large to read at a glance, as the REPL echoes it: shape, type,
    /// range and mean (`print` shows the values).
    func summary() -> String {
        var low = Float.infinity, high = -Float.infinity, total = 0.0, nans = 0
        for x in tensor.scalars {
            if x.isNaN { nans += 1; continue }
            low = Swift.min(low, x)
            high = Swift.max(high, x)
            total += Double(x)
        }
        let counted = tensor.count - nans
        var parts = ["\(header) float32"]
        if counted > 0 {
            parts.append("min \(Printer.formatNumber(Convert.number(low)))")
            parts.append("max \(Printer.formatNumber(Convert.number(high)))")
            parts.append("mean \(Printer.formatNumber(Convert.number(Float(total / Double(counted)))))")
        }
        if nans > 0 { parts.append("\(nans) nan") }
        return parts.joined(separator: "  ") + "  (\(tensor.count) values; print shows them)"
    }

    /// At the top level: the header, then the values.
    func full() -> String {
        let text = body(indent: 0)
        if !text.contains("\n") && header.count + 1 + text.count <= width { return header + " " + text }
        return header + "\n" + text
    }

    /// Which positions of an axis of `size` to show; nil marks the `...`.
    func shown(_ size: Int, edge: Int?) -> [Int?] {
        guard let edge, size > 2 * edge else { return Array(0..<size) }
        return Array(0..<edge) + [nil] + Array((size - edge)..<size)
    }

    func body(indent: Int) -> String {
        let t = tensor
        if t.rank == 0 { return Self.cellFormat(values: t.scalars).format(t.scalars.first ?? 0) }
        if t.count == 0 { return String(repeating: "[", count: t.rank) + String(repeating: "]", count: t.rank) }
        let summarize = t.count > TensorFormatter.threshold
        let outerEdge: Int? = summarize ? TensorFormatter.edgeItems : nil
        let strides = Tensor.strides(of: t.shape)
        let last = t.shape[t.rank - 1]

        // Choose the format from the values that will be shown.
        var sample: [Float] = []
        func collect(_ dim: Int, _ offset: Int) {
            if dim == t.rank - 1 {
                for i in shown(last, edge: outerEdge).compactMap({ $0 }) { sample.append(t.scalars[offset + i]) }
                return
            }
            for i in shown(t.shape[dim], edge: outerEdge).compactMap({ $0 }) { collect(dim + 1, offset + i * strides[dim]) }
        }
        collect(0, 0)
        let format = Self.cellFormat(values: sample)
        let cellWidth = sample.map { format.format($0).count }.max() ?? 1

        // Fit the last axis to the terminal: brackets take `rank` columns, each cell width + 2.
        let available = width - t.rank - 1
        var lastEdge = outerEdge
        if last * (cellWidth + 2) > available {
            let fit = Swift.max(1, (available - 5) / (2 * (cellWidth + 2)))
            lastEdge = Swift.min(fit, outerEdge ?? fit)
        }

        func cell(_ x: Float) -> String {
            let s = format.format(x)
            return String(repeating: " ", count: Swift.max(0, cellWidth - s.count)) + s
        }
        func render(_ dim: Int, _ offset: Int) -> String {
            if dim == t.rank - 1 {
                return "[" + shown(last, edge: lastEdge).map { $0.map { cell(t.scalars[offset + $0]) } ?? "..." }.joined(separator: ", ") + "]"
            }
            let separator = "," + String(repeating: "\n", count: t.rank - dim - 1) + String(repeating: " ", count: indent + dim + 1)
            return "[" + shown(t.shape[dim], edge: outerEdge).map { $0.map { render(dim + 1, offset + $0 * strides[dim]) } ?? "..." }
                .joined(separator: separator) + "]"
        }
        return render(0, 0)
    }

    struct CellFormat {
        enum Style { case integer, fixed(Int), scientific(Int) }
        let style: Style

        func format(_ x: Float) -> String {
            if x.isNaN { return "nan" }
            if x.isInfinite { return x < 0 ? "-inf" : "inf" }
            switch style {
            case .integer: return String(Int64(x))
            case .fixed(let d): return String(format: "%.\(d)f", Double(x))
            case .scientific(let d): return String(format: "%.\(d)e", Double(x))
            }
        }
    }

    /// Integers when every value is whole; else fixed decimals, scientific when values are very
    /// large or very small. At least 4 digits after the point, more until every two different
    /// values read differently (so [-5.85312, -5.85319] is not shown as [-5.8531, -5.8531]...),
    /// then trailing zeros all values share are dropped.
    static func cellFormat(values: [Float]) -> CellFormat {
        let finite = values.filter { $0.isFinite }
        guard !finite.isEmpty else { return CellFormat(style: .integer) }
        let maxAbs = finite.map { Swift.abs($0) }.max() ?? 0
        let minAbs = finite.filter { $0 != 0 }.map { Swift.abs($0) }.min() ?? 0
        if finite.allSatisfy({ $0 == $0.rounded() }) && maxAbs < 1e8 { return CellFormat(style: .integer) }
        let distinct = Array(Set(finite))
        /// Whether `digits` tell every two different values apart.
        func separates(_ style: (Int) -> CellFormat.Style, _ digits: Int) -> Bool {
            let f = CellFormat(style: style(digits))
            return Set(distinct.map(f.format)).count == distinct.count
        }
        let scientific = maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1e7)
        if !scientific, let digits = (4...9).first(where: { separates(CellFormat.Style.fixed, $0) }) {
            // Keep only as many decimals as some value needs.
            var decimals = 1
            for x in finite {
                var chars = Array(String(format: "%.\(digits)f", Double(x)))
                var d = digits
                while d > decimals, chars.last == "0" { chars.removeLast(); d -= 1 }
                decimals = Swift.max(decimals, d)
                if decimals == digits { break }
            }
            return CellFormat(style: .fixed(decimals))
        }
        // Float32 values differ within 9 significant digits (8 after the point).
        let digits = (4...8).first { separates(CellFormat.Style.scientific, $0) } ?? 8
        return CellFormat(style: .scientific(digits))
    }
}
