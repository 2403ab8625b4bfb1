/// "a large red square": what a caption says about one object. Colour and size may be left out.
public struct NounPhrase: Hashable, Codable, Sendable {
    public var shape: Shape
    public var color: ShapeColor?
    public var size: ShapeSize?

    public init(shape: Shape, color: ShapeColor? = nil, size: ShapeSize? = nil) {
        self.shape = shape
        self.color = color
        self.size = size
    }

    /// The words without an article: "large red square".
    public var words: String {
        [size?.rawValue, color?.rawValue, shape.rawValue].compactMap { $0 }.joined(separator: " ")
    }

    /// With the indefinite article English needs: "an orange circle".
    public var indefinite: String {
        let w = words
        let vowel = w.first.map { "aeiou".contains($0) } ?? false
        return (vowel ? "an " : "a ") + w
    }

    public var definite: String { "the " + words }
}

/// What a ShapesWorld caption means, independent of its wording.
public enum CaptionMeaning: Hashable, Codable, Sendable {
    /// "subject REL object".
    case relation(NounPhrase, SpatialRelation, NounPhrase)
    /// "the red square and the blue circle" (ARO's VG-Attribution form).
    case conjunction(NounPhrase, NounPhrase)

    /// One representative per meaning: right of / below become left of / above with the
    /// objects exchanged, and a conjunction lists its parts in a fixed order. Two captions are
    /// logically equivalent exactly when their canonical forms are equal.
    public var canonical: CaptionMeaning {
        switch self {
        case let .relation(s, r, o):
            switch r {
            case .rightOf: return .relation(o, .leftOf, s)
            case .below: return .relation(o, .above, s)
            case .leftOf, .above: return self
            }
        case let .conjunction(a, b):
            return a.words <= b.words ? self : .conjunction(b, a)
        }
    }

    public func isEquivalent(to other: CaptionMeaning) -> Bool { canonical == other.canonical }
}

/// The sentence frames ShapesWorld writes; the relation phrase is chosen separately.
public enum CaptionTemplate: Int, CaseIterable, Codable, Sendable {
    case bare = 0          // a red square to the left of a blue circle
    case copula = 1        // a red square is to the left of a blue circle
    case definite = 2      // the red square is to the left of the blue circle
    case existential = 3   // there is a red square to the left of a blue circle

    public func text(_ meaning: CaptionMeaning, phraseVariant: Int = 0) -> String {
        switch meaning {
        case let .relation(s, r, o):
            let phrases = r.phrases
            let phrase = phrases[((phraseVariant % phrases.count) + phrases.count) % phrases.count]
            switch self {
            case .bare: return "\(s.indefinite) \(phrase) \(o.indefinite)"
            case .copula: return "\(s.indefinite) is \(phrase) \(o.indefinite)"
            case .definite: return "\(s.definite) is \(phrase) \(o.definite)"
            case .existential: return "there is \(s.indefinite) \(phrase) \(o.indefinite)"
            }
        case let .conjunction(a, b):
            switch self {
            case .definite: return "\(a.definite) and \(b.definite)"
            case .bare, .copula, .existential: return "\(a.indefinite) and \(b.indefinite)"
            }
        }
    }
}

/// A caption with its meaning and wording kept, so negatives can be re-worded the same way.
public struct ShapesCaption: Hashable, Codable, Sendable {
    public var meaning: CaptionMeaning
    public var template: CaptionTemplate
    public var phraseVariant: Int

    public init(meaning: CaptionMeaning, template: CaptionTemplate = .bare, phraseVariant: Int = 0) {
        self.meaning = meaning
        self.template = template
        self.phraseVariant = phraseVariant
    }

    public var text: String { template.text(meaning, phraseVariant: phraseVariant) }

    /// The same wording around another meaning.
    public func with(_ meaning: CaptionMeaning) -> ShapesCaption {
        ShapesCaption(meaning: meaning, template: template, phraseVariant: phraseVariant)
    }
}

extension CaptionMeaning {
    /// Reads any caption ShapesWorld writes (and close variants: "big", "is", punctuation, case)
    /// back into its meaning; nil for anything else.
    public static func parse(_ text: String) -> CaptionMeaning? {
        let letters: [Character] = text.lowercased().map { c in c.isLetter || c == "'" ? c : " " }
        var words: [String] = String(letters).split(separator: " ").map { String($0) }
        if words.starts(with: ["there", "is"]) { words.removeFirst(2) }
        if words.first == "there's" { words.removeFirst() }
        var i = 0
        guard let first = parseNounPhrase(words, &i) else { return nil }
        if i < words.count, words[i] == "and" {
            i += 1
            guard let second = parseNounPhrase(words, &i), i == words.count else { return nil }
            return .conjunction(first, second)
        }
        if i < words.count, words[i] == "is" { i += 1 }
        guard let relation = parseRelation(words, &i),
              let object = parseNounPhrase(words, &i), i == words.count else { return nil }
        return .relation(first, relation, object)
    }

    private static func parseNounPhrase(_ words: [String], _ i: inout Int) -> NounPhrase? {
        var j = i
        if j < words.count, ["a", "an", "the"].contains(words[j]) { j += 1 }
        var size: ShapeSize?
        if j < words.count {
            if words[j] == "big" { size = .large; j += 1 } else if let s = ShapeSize(rawValue: words[j]) { size = s; j += 1 }
        }
        var color: ShapeColor?
        if j < words.count, let c = ShapeColor(rawValue: words[j]) { color = c; j += 1 }
        guard j < words.count, let shape = Shape(rawValue: words[j]) else { return nil }
        i = j + 1
        return NounPhrase(shape: shape, color: color, size: size)
    }

    private static func parseRelation(_ words: [String], _ i: inout Int) -> SpatialRelation? {
        var best: (SpatialRelation, Int)?
        for relation in SpatialRelation.allCases {
            for phrase in relation.phrases {
                let p = phrase.split(separator: " ").map(String.init)
                if i + p.count <= words.count, Array(words[i..<(i + p.count)]) == p, p.count > (best?.1 ?? 0) {
                    best = (relation, p.count)
                }
            }
        }
        guard let (relation, n) = best else { return nil }
        i += n
        return relation
    }
}
