import Foundation

/// A report as Markdown, with figures as PNG files in `<name>_files/` beside it.
extension Report {
    /// Writes `path` (e.g. `out.md`) and copies each figure to `out_files/cellNN-K.png`.
    public func writeMarkdown(to path: String) throws {
        try checkFigures()
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let folderName = "\(stem)_files"
        let folder = url.deletingLastPathComponent().appendingPathComponent(folderName).path
        var links: [Int: [String]] = [:]
        let hasFigures = entries.contains { !($0.outcome?.figures.isEmpty ?? true) }
        if hasFigures {
            try prepareFigureFolder(folder)
            for entry in entries {
                for (k, source) in (entry.outcome?.figures ?? []).enumerated() {
                    let name = Report.figureFileName(cell: entry.number, figure: k + 1, sourcePath: source)
                    guard let data = FileManager.default.contents(atPath: source) else {
                        throw PlotError.file(path: source, message: "cannot read figure")
                    }
                    try AtomicFile.write(data, to: "\(folder)/\(name)")
                    links[entry.number, default: []].append("\(folderName)/\(name)")
                }
            }
        }
        try AtomicFile.write(Data(markdown(figureLinks: links).utf8), to: path)
    }

    /// The Markdown text; `figureLinks[n]` are the relative paths of cell n's figures.
    public func markdown(figureLinks: [Int: [String]]) -> String {
        var blocks: [String] = ["# \(Self.oneLine(title))"]
        for entry in entries {
            if let heading = entry.cell.heading { blocks.append("## \(Self.oneLine(heading))") }
            guard let outcome = entry.outcome else {
                if !entry.cell.code.isEmpty { blocks.append(entry.cell.code) }
                continue
            }
            if !entry.cell.code.isEmpty { blocks.append(Self.fenced(entry.cell.code, info: "sn")) }
            let links = figureLinks[entry.number] ?? []
            var k = 0
            for part in outcome.outputs {
                switch part {
                case .text(let text):
                    let trimmed = Self.trimmedOutput(text)
                    if !trimmed.allSatisfy(\.isWhitespace) { blocks.append(Self.fenced(trimmed, info: "text")) }
                case .table(let table):
                    blocks.append(Self.trimmedOutput(table.markdown))
                case .figure:
                    // Links follow the figures' order; a caller that gives fewer links shows fewer.
                    if k < links.count {
                        let alt = (entry.cell.heading.map(Self.oneLine) ?? "cell \(entry.number)") + " — figure \(k + 1)"
                        blocks.append("![\(Self.escapeAlt(alt))](\(Self.escapeLink(links[k])))")
                    }
                    k += 1
                }
            }
            if let error = outcome.error {
                blocks.append("**Error:**\n\n" + Self.fenced(error, info: "text"))
            }
        }
        if let note = stopNote { blocks.append("*\(note)*") }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// Removes figures of an earlier run (only files named like ours) so none go stale.
    private func prepareFigureFolder(_ folder: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PlotError.file(path: folder, message: "exists and is not a directory")
            }
            let names = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.range(of: #"^cell[0-9]+-[0-9]+\.(png|svg)$"#, options: .regularExpression) != nil {
                try? manager.removeItem(atPath: "\(folder)/\(name)")
            }
        } else {
            do {
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw PlotError.file(path: folder, message: "cannot create: \(error.localizedDescription)")
            }
        }
    }

    /// A fenced block long enough that no backtick run inside can close it.
    static func fenced(_ text: String, info: String) -> String {
        var longest = 0, run = 0
        for ch in text {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return "\(fence)\(info)\n\(text)\n\(fence)"
    }

    static func trimmedOutput(_ text: String) -> String {
        var s = Substring(text)
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }

    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
    }

    private static func escapeAlt(_ text: String) -> String {
        var out = ""
        for ch in text {
            if "\\[]".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Percent-encodes what would end or confuse a Markdown link target.
    private static func escapeLink(_ link: String) -> String {
        var out = ""
        for byte in link.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                 UInt8(ascii: "%"), UInt8(ascii: "\\"), 0..<0x20, 0x7F...0xFF:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}
