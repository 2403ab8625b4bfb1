/// Breaking captions, titles, legend entries, table headers and help text into lines at
/// spaces: the one rule every place that wraps text shares.
public enum Caption {
    /// Greedy lines of at most `width` characters (`continuationWidth` after the first); line
    /// breaks in `text` are kept. A word longer than a line is cut into pieces when
    /// `breakingWords`, else it stays whole and overflows.
    public static func wrap(_ text: String, width: Int, continuationWidth: Int? = nil, breakingWords: Bool = true) -> [String] {
        var lines: [String] = []
        var current = ""
        func limit() -> Int { max(lines.isEmpty ? width : continuationWidth ?? width, 1) }
        let flat = text.replacingOccurrences(of: "\r", with: "")
        for paragraph in flat.split(separator: "\n", omittingEmptySubsequences: false) {
            for piece in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = Substring(piece)
                while breakingWords, word.count > limit() {
                    if !current.isEmpty { lines.append(current); current = "" }
                    lines.append(String(word.prefix(limit())))
                    word = word.dropFirst(limit())
                }
                if word.isEmpty { continue }
                if current.isEmpty {
                    current = String(word)
                } else if current.count + 1 + word.count <= limit() {
                    current += " " + word
                } else {
                    lines.append(current)
                    current = String(word)
                }
            }
            lines.append(current)
            current = ""
        }
        while lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        return lines.isEmpty ? [""] : lines
    }

    /// At most `lines` lines of `width`; what does not fit ends the last line with "…".
    public static func fit(_ text: String, width: Int, lines: Int) -> [String] {
        var wrapped = wrap(text, width: width)
        guard wrapped.count > lines, lines >= 1 else { return wrapped }
        wrapped = Array(wrapped.prefix(lines))
        var last = wrapped[lines - 1]
        if last.count >= width { last = String(last.prefix(max(width - 1, 0))) }
        wrapped[lines - 1] = last + "…"
        return wrapped
    }
}
