import Foundation

/// One cell of a notebook script: the lines after a `# %%` marker up to the next one.
public struct ReportCell: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Code to run.
        case code
        /// `# %% [markdown]`: prose written as `#` comment lines, shown as text, not run.
        case markdown
    }

    public var kind: Kind
    /// The text after `# %%` (trimmed); nil when empty or for the lines before the first marker.
    public var heading: String?
    /// The cell's lines, without the marker and without leading or trailing blank lines.
    public var code: String
    /// 1-based line in the script of the first line of `code`, so the runner can report
    /// errors at the script's own line numbers.
    public var firstLine: Int

    public init(kind: Kind = .code, heading: String?, code: String, firstLine: Int) {
        self.kind = kind
        self.heading = heading
        self.code = code
        self.firstLine = firstLine
    }

    /// Splits a script at lines starting with `# %%`. Lines before the first marker make
    /// a cell of their own when they hold anything but blanks; a marker with nothing
    /// after it still makes a cell (its heading shows even with no code).
    public static func split(_ source: String) -> [ReportCell] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        var cells: [ReportCell] = []
        var marker: (heading: String?, kind: Kind)? = nil
        var body: [(number: Int, text: String)] = []

        func flush() {
            let isBlank: ((number: Int, text: String)) -> Bool = { $0.text.allSatisfy(\.isWhitespace) }
            let first = body.firstIndex { !isBlank($0) }
            let last = body.lastIndex { !isBlank($0) }
            let kept = first.flatMap { f in last.map { Array(body[f...$0]) } } ?? []
            guard marker != nil || !kept.isEmpty else { return }
            var text = kept.map(\.text)
            let kind = marker?.kind ?? .code
            if kind == .markdown { text = text.map(uncomment) }
            let firstLine = kept.first?.number ?? (body.first?.number ?? 1)
            cells.append(ReportCell(kind: kind, heading: marker?.heading, code: text.joined(separator: "\n"),
                                    firstLine: firstLine))
        }

        for (index, line) in lines.enumerated() {
            if line.hasPrefix("# %%") {
                flush()
                body = []
                var rest = line.dropFirst(4).trimmingCharacters(in: .whitespaces)
                var kind = Kind.code
                if rest.hasPrefix("[markdown]") {
                    kind = .markdown
                    rest = rest.dropFirst("[markdown]".count).trimmingCharacters(in: .whitespaces)
                }
                marker = (rest.isEmpty ? nil : rest, kind)
            } else {
                body.append((index + 1, line))
            }
        }
        flush()
        return cells
    }

    /// `# text` -> `text`, `#` -> empty: jupytext's way of keeping prose in a script.
    private static func uncomment(_ line: String) -> String {
        if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
        if line.hasPrefix("#") { return String(line.dropFirst()) }
        return line
    }
}

/// One thing a cell showed, in the order it showed them.
public enum CellOutput: Sendable, Equatable {
    /// Printed text.
    case text(String)
    /// A table value: a Markdown or HTML table in the report, not text.
    case table(Table)
    /// A PNG (or SVG) file the cell drew; the report copies it, so it may be a temporary file
    /// the caller deletes afterwards.
    case figure(String)
}

/// What running one cell produced.
public struct CellOutcome: Sendable, Equatable {
    /// Text, tables and figures in the order the cell produced them.
    public var outputs: [CellOutput]
    /// The error that ended the cell, as the user would see it; nil when it ran through.
    public var error: String?

    public init(outputs: [CellOutput], error: String? = nil) {
        // Adjacent text is one block; empty text shows nothing.
        var merged: [CellOutput] = []
        for part in outputs {
            if case .text(let t) = part {
                if t.isEmpty { continue }
                if case .text(let previous)? = merged.last {
                    merged[merged.count - 1] = .text(previous + t)
                    continue
                }
            }
            merged.append(part)
        }
        self.outputs = merged
        self.error = error
    }

    /// Printed text, then figures.
    public init(output: String = "", figures: [String] = [], error: String? = nil) {
        self.init(outputs: [.text(output)] + figures.map { .figure($0) }, error: error)
    }

    /// Everything the cell printed.
    public var output: String {
        outputs.map { if case .text(let t) = $0 { return t } else { return "" } }.joined()
    }

    /// The figure files, in order.
    public var figures: [String] {
        outputs.compactMap { if case .figure(let path) = $0 { return path } else { return nil } }
    }
}
