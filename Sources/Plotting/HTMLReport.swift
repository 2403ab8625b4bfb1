import Foundation

/// A report as one self-contained HTML file: styles inline, figures as base64 data URIs.
extension Report {
    public func writeHTML(to path: String) throws {
        try checkFigures()
        var images: [Int: [String]] = [:]
        for entry in entries {
            for source in entry.outcome?.figures ?? [] {
                guard let data = FileManager.default.contents(atPath: source) else {
                    throw PlotError.file(path: source, message: "cannot read figure")
                }
                let ext = (source as NSString).pathExtension.lowercased()
                let mime = ext == "svg" ? "image/svg+xml" : "image/png"
                images[entry.number, default: []].append("data:\(mime);base64,\(data.base64EncodedString())")
            }
        }
        try AtomicFile.write(Data(html(figureSources: images).utf8), to: path)
    }

    /// The HTML text; `figureSources[n]` are the `src` values of cell n's figures.
    public func html(figureSources: [Int: [String]]) -> String {
        var body: [String] = ["<h1>\(Self.escape(title))</h1>"]
        for entry in entries {
            var parts: [String] = []
            if let heading = entry.cell.heading { parts.append("<h2>\(Self.escape(heading))</h2>") }
            if let outcome = entry.outcome {
                if !entry.cell.code.isEmpty {
                    parts.append("<pre class=\"code\"><code>\(Self.escape(entry.cell.code))</code></pre>")
                }
                let sources = figureSources[entry.number] ?? []
                var k = 0
                for part in outcome.outputs {
                    switch part {
                    case .text(let text):
                        let trimmed = Self.trimmedOutput(text)
                        if !trimmed.allSatisfy(\.isWhitespace) { parts.append("<pre class=\"output\">\(Self.escape(trimmed))</pre>") }
                    case .table(let table):
                        parts.append(table.html)
                    case .figure:
                        if k < sources.count {
                            let alt = (entry.cell.heading ?? "cell \(entry.number)") + " — figure \(k + 1)"
                            parts.append("<img alt=\"\(Self.escape(alt))\" src=\"\(sources[k])\">")
                        }
                        k += 1
                    }
                }
                if let error = outcome.error {
                    parts.append("<pre class=\"error\">\(Self.escape(error))</pre>")
                }
            } else if !entry.cell.code.isEmpty {
                let paragraphs = entry.cell.code.components(separatedBy: "\n\n")
                parts += paragraphs.map { "<p>\(Self.escape($0))</p>" }
            }
            body.append("<section class=\"cell\">\n\(parts.joined(separator: "\n"))\n</section>")
        }
        if let note = stopNote { body.append("<p class=\"stopped\">\(Self.escape(note))</p>") }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
        pre { padding: 0.6em 0.8em; overflow-x: auto; border-radius: 4px; }
        pre.code { background: #f4f4f4; }
        pre.output { background: #fff; border: 1px solid #ddd; }
        pre.error { background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2c0; }
        img { max-width: 100%; display: block; margin: 0.5em 0; }
        table { border-collapse: collapse; margin: 0.5em 0; font-variant-numeric: tabular-nums; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; }
        th { border-bottom: 2px solid #999; }
        p.note { color: #555; font-size: 0.9em; }
        .stopped { font-style: italic; color: #8a1c1c; }
        </style>
        </head>
        <body>
        \(body.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
