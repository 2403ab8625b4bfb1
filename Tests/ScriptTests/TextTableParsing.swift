/// Tables in printed text, read back by their layout: the rule of dashes under the header gives
/// each column's span; header lines above it join per column, rows follow until a blank line.
func textTables(_ output: String) -> [(header: [String], rows: [[String]])] {
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    func isRule(_ line: String) -> Bool { line.contains("-") && line.allSatisfy { $0 == "-" || $0 == " " } && line.hasPrefix("-") }
    var tables: [(header: [String], rows: [[String]])] = []
    for (i, line) in lines.enumerated() where isRule(line) {
        var spans: [Range<Int>] = []
        var start: Int? = nil
        for (k, ch) in Array(line + " ").enumerated() {
            if ch == "-", start == nil { start = k }
            if ch != "-", let s = start { spans.append(s..<k); start = nil }
        }
        func cells(_ text: String) -> [String] {
            let chars = Array(text)
            return spans.enumerated().map { c, span in
                // The last column takes the rest of the line; others end where the next begins.
                let end = c + 1 < spans.count ? spans[c + 1].lowerBound : chars.count
                let lo = min(c == 0 ? 0 : span.lowerBound, chars.count), hi = min(max(end, lo), chars.count)
                return String(chars[lo..<hi]).trimmingCharacters(in: .whitespaces)
            }
        }
        var headerLines: [String] = []
        var k = i - 1
        while k >= 0, !lines[k].trimmingCharacters(in: .whitespaces).isEmpty, !isRule(lines[k]) { headerLines.insert(lines[k], at: 0); k -= 1 }
        let header = spans.indices.map { c in headerLines.map { cells($0)[c] }.filter { !$0.isEmpty }.joined(separator: " ") }
        var rows: [[String]] = []
        k = i + 1
        while k < lines.count, !lines[k].trimmingCharacters(in: .whitespaces).isEmpty { rows.append(cells(lines[k])); k += 1 }
        tables.append((header, rows))
    }
    return tables
}
