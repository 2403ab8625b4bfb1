import Foundation

/// The hard-negative generators `negatives(caption, kind:)` offers.
public enum NegativeKind: Hashable, Sendable {
    case perturbation(AROPerturbation)
    case swapSubjectObject
    case swapAttributes
    case swapRelation
    /// An external program (e.g. a local LLM) that reads the caption on stdin and prints candidates.
    case command(String, timeout: Double)

    /// `shuffle_nouns_and_adj`, ..., `swap_objects`, `swap_attributes`, `swap_relation`, or
    /// `command: <shell command>`; nil for anything else.
    public init?(name: String, timeout: Double = 30) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("command:") {
            let cmd = String(trimmed.dropFirst("command:".count)).trimmingCharacters(in: .whitespaces)
            guard !cmd.isEmpty else { return nil }
            self = .command(cmd, timeout: timeout)
            return
        }
        if let p = AROPerturbation(rawValue: trimmed) {
            self = .perturbation(p)
            return
        }
        switch trimmed {
        case "swap_objects", "swap_subject_object", "object": self = .swapSubjectObject
        case "swap_attributes", "attribute": self = .swapAttributes
        case "swap_relation", "relation": self = .swapRelation
        default: return nil
        }
    }

    public static let names = AROPerturbation.allCases.map(\.rawValue)
        + ["swap_objects", "swap_attributes", "swap_relation", "command: <shell command>"]
}

/// Up to `count` distinct hard negatives of `caption`, none equal to it and none logically
/// equivalent to it (for captions ShapesWorld can read, by meaning; for others, a subject/object
/// swap around a symmetric relation such as "next to" is not offered). Seeded for the shuffles.
/// An empty result means the kind has nothing to change in this caption.
public func negatives(_ caption: String, kind: NegativeKind, count: Int = 1, seed: UInt64 = 0) throws -> [String] {
    guard count >= 1 else {
        throw BenchmarkError.invalidArgument(op: "negatives", message: "count must be at least 1, got \(count)")
    }
    let meaning = CaptionMeaning.parse(caption)
    var candidates: [String]
    switch kind {
    case let .perturbation(p):
        var rng = SeededGenerator(seed: seed)
        candidates = []
        // Shuffles may repeat themselves or return the caption: draw until enough distinct ones or give up.
        for _ in 0..<(20 * count) {
            candidates.append(p.apply(caption, &rng))
            if Set(candidates).subtracting([caption]).count >= count { break }
        }
    case .swapSubjectObject, .swapAttributes, .swapRelation:
        if let meaning, let wording = ShapesCaption.wording(of: caption, meaning) {
            let swap: CaptionSwap = kind == .swapSubjectObject ? .subjectObject : kind == .swapAttributes ? .attributes : .relation
            candidates = meaning.swapped(swap).map { wording.with($0).text }
        } else {
            candidates = CaptionSwapper(caption).swaps(kind)
        }
    case let .command(cmd, timeout):
        candidates = try ExternalNegativeGenerator(command: cmd, timeout: timeout).candidates(for: caption)
    }
    var seen: Set<String> = [normalized(caption)]
    var out: [String] = []
    for c in candidates {
        guard seen.insert(normalized(c)).inserted else { continue }
        if let meaning, let m = CaptionMeaning.parse(c), m.isEquivalent(to: meaning) { continue }
        out.append(c)
        if out.count == count { break }
    }
    return out
}

private func normalized(_ s: String) -> String {
    s.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

extension ShapesCaption {
    /// The template and relation phrasing that write `text` for `meaning`, if ShapesWorld wrote it.
    static func wording(of text: String, _ meaning: CaptionMeaning) -> ShapesCaption? {
        let target = normalized(text.filter { $0.isLetter || $0.isWhitespace || $0 == "'" })
        for template in CaptionTemplate.allCases {
            for variant in 0..<3 {
                let c = ShapesCaption(meaning: meaning, template: template, phraseVariant: variant)
                if normalized(c.text) == target { return c }
            }
        }
        return ShapesCaption(meaning: meaning)
    }
}

/// String-level swaps for free-form captions, on noun phrases found by the tagger.
struct CaptionSwapper {
    let tokens: [String]
    let tags: [PartOfSpeech]
    let phrases: [NounPhraseSpan]

    struct NounPhraseSpan {
        var start: Int          // first token, determiner included
        var contentStart: Int   // first adjective or noun
        var nounStart: Int
        var end: Int            // one past the last noun
    }

    init(_ caption: String) {
        tokens = captionTokens(caption)
        tags = PartOfSpeechTagger.tag(tokens)
        var spans: [NounPhraseSpan] = []
        var i = 0
        while i < tokens.count {
            let start = i
            if tags[i] == .determiner || tags[i] == .number || ["his", "her", "their", "its", "my", "our", "your"].contains(tokens[i].lowercased()) {
                i += 1
            }
            let contentStart = i
            while i < tokens.count, tags[i] == .adjective { i += 1 }
            let nounStart = i
            while i < tokens.count, tags[i] == .noun, !PartOfSpeechTagger.relationalNouns.contains(tokens[i].lowercased()) { i += 1 }
            if i > nounStart {
                spans.append(NounPhraseSpan(start: start, contentStart: contentStart, nounStart: nounStart, end: i))
            } else {
                i = start + 1
            }
        }
        phrases = spans
    }

    /// Relations that read the same both ways: exchanging their arguments changes nothing.
    static let symmetricRelations: Set<String> = [
        "next to", "near", "beside", "by", "and", "with", "close to", "alongside", "facing", "touching",
        "is next to", "are next to", "is near", "is beside", "sitting next to", "standing next to", "and a", "and the",
    ]

    static let relationSwaps: [([String], [String])] = [
        (["left"], ["right"]), (["right"], ["left"]), (["above"], ["below"]), (["below"], ["above"]),
        (["over"], ["under"]), (["under"], ["over"]), (["beneath"], ["above"]), (["underneath"], ["above"]),
        (["on", "top", "of"], ["under"]), (["in", "front", "of"], ["behind"]), (["behind"], ["in", "front", "of"]),
        (["inside"], ["outside"]), (["outside"], ["inside"]), (["on"], ["under"]),
    ]

    func swaps(_ kind: NegativeKind) -> [String] {
        var out: [[String]] = []
        switch kind {
        case .swapSubjectObject:
            for a in phrases.indices {
                for b in phrases.indices where b > a {
                    let p = phrases[a], q = phrases[b]
                    let between = tokens[p.end..<q.contentStart].map { $0.lowercased() }
                        .filter { !["a", "an", "the"].contains($0) }.joined(separator: " ")
                    if Self.symmetricRelations.contains(between) { continue }
                    out.append(exchange(p.contentStart..<p.end, q.contentStart..<q.end))
                }
            }
        case .swapAttributes:
            for a in phrases.indices {
                for b in phrases.indices where b > a {
                    let p = phrases[a], q = phrases[b]
                    guard p.nounStart > p.contentStart, q.nounStart > q.contentStart,
                          tokens[p.contentStart..<p.nounStart] != tokens[q.contentStart..<q.nounStart] else { continue }
                    out.append(exchange(p.contentStart..<p.nounStart, q.contentStart..<q.nounStart))
                }
            }
        case .swapRelation:
            let lower = tokens.map { $0.lowercased() }
            var i = 0
            while i < lower.count {
                // Longest phrase first, so "on top of" wins over "on".
                let match = Self.relationSwaps.filter { i + $0.0.count <= lower.count && Array(lower[i..<(i + $0.0.count)]) == $0.0 }
                    .max { $0.0.count < $1.0.count }
                if let (from, to) = match {
                    var t = tokens
                    t.replaceSubrange(i..<(i + from.count), with: to)
                    out.append(t)
                    i += from.count
                } else {
                    i += 1
                }
            }
        case .perturbation, .command:
            break
        }
        return out.map { Self.detokenize(Self.fixArticles($0)) }
    }

    /// The tokens with two non-overlapping ranges exchanged (`r` before `s`).
    func exchange(_ r: Range<Int>, _ s: Range<Int>) -> [String] {
        Array(tokens[..<r.lowerBound]) + Array(tokens[s]) + Array(tokens[r.upperBound..<s.lowerBound])
            + Array(tokens[r]) + Array(tokens[s.upperBound...])
    }

    /// "a orange circle" -> "an orange circle" after words have moved.
    static func fixArticles(_ tokens: [String]) -> [String] {
        var t = tokens
        for i in t.indices.dropLast() {
            let w = t[i].lowercased()
            guard w == "a" || w == "an" else { continue }
            let vowel = t[i + 1].lowercased().first.map { "aeiou".contains($0) } ?? false
            let article = vowel ? "an" : "a"
            t[i] = t[i].first?.isUppercase == true ? article.capitalized : article
        }
        return t
    }

    /// Spaces between words, none before punctuation and clitics.
    static func detokenize(_ tokens: [String]) -> String {
        var s = ""
        for t in tokens {
            let attach = t.first.map { ".,!?;:)".contains($0) } == true || t.hasPrefix("'") || t == "n't"
            if !s.isEmpty, !attach { s += " " }
            s += t
        }
        return s
    }
}
