/// Splits a caption into words and punctuation the way spaCy and NLTK's `word_tokenize` do for
/// captions (which ARO's perturbations run on): punctuation becomes its own token and the
/// clitics 's, 're, n't ... are split off ("banana's" -> "banana", "'s").
public func captionTokens(_ text: String) -> [String] {
    var tokens: [String] = []
    for chunk in text.split(whereSeparator: { $0.isWhitespace }) {
        var word = ""
        var trailing: [String] = []
        var chars = Array(chunk)
        // Leading punctuation: quotes, brackets.
        while let c = chars.first, isPunctuation(c) {
            tokens.append(String(c))
            chars.removeFirst()
        }
        while let c = chars.last, isPunctuation(c) {
            trailing.insert(String(c), at: 0)
            chars.removeLast()
        }
        word = String(chars)
        if !word.isEmpty {
            let lower = word.lowercased()
            if lower.hasSuffix("n't"), word.count > 3 {
                tokens.append(String(word.dropLast(3)))
                tokens.append(String(word.suffix(3)))
            } else if let clitic = ["'s", "'re", "'ve", "'ll", "'d", "'m"].first(where: { lower.hasSuffix($0) }),
                      word.count > clitic.count {
                tokens.append(String(word.dropLast(clitic.count)))
                tokens.append(String(word.suffix(clitic.count)))
            } else {
                tokens.append(word)
            }
        }
        tokens.append(contentsOf: trailing)
    }
    return tokens
}

private func isPunctuation(_ c: Character) -> Bool {
    ".,!?;:\"()[]{}".contains(c)
}

/// BLIP's `pre_caption`, which ARO applies to every caption option: lower case, the characters
/// . ! " ( ) * # : ; ~ become spaces, runs of whitespace collapse, and at most `maxWords` words stay.
public func preCaption(_ caption: String, maxWords: Int = 50) -> String {
    let stripped = String(caption.lowercased().map { ".!\"()*#:;~".contains($0) ? " " : $0 })
    // Python's \s{2,} -> ' ' keeps a single whitespace character as it is; emulate exactly.
    var collapsed = ""
    var run: [Character] = []
    func flush() {
        if run.count >= 2 { collapsed.append(" ") } else { collapsed.append(contentsOf: run) }
        run = []
    }
    for c in stripped {
        if c.isWhitespace { run.append(c) } else { flush(); collapsed.append(c) }
    }
    flush()
    while collapsed.hasSuffix("\n") { collapsed.removeLast() }
    while collapsed.hasPrefix(" ") { collapsed.removeFirst() }
    while collapsed.hasSuffix(" ") { collapsed.removeLast() }
    let words = collapsed.split(separator: " ", omittingEmptySubsequences: false)
    if words.count > maxWords { return words.prefix(maxWords).joined(separator: " ") }
    return collapsed
}
