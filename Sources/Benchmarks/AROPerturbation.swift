/// ARO's four word-order perturbations (Yuksekgonul et al. 2023, after O'Connor & Andreas 2021),
/// seeded. Each returns its tokens joined by single spaces, as ARO's do; like ARO's, a draw may
/// give back the caption unchanged (one noun has nothing to swap with).
public enum AROPerturbation: String, CaseIterable, Codable, Sendable {
    case shuffleNounsAndAdjectives = "shuffle_nouns_and_adj"
    case shuffleAllButNounsAndAdjectives = "shuffle_allbut_nouns_and_adj"
    case shuffleWithinTrigrams = "shuffle_within_trigrams"
    case shuffleTrigrams = "shuffle_trigrams"

    public func apply(_ caption: String, _ rng: inout SeededGenerator) -> String {
        var tokens = captionTokens(caption)
        switch self {
        case .shuffleNounsAndAdjectives:
            let tags = PartOfSpeechTagger.tag(tokens)
            // Nouns among nouns, adjectives among adjectives.
            permute(&tokens, tags.indices.filter { tags[$0] == .noun }, &rng)
            permute(&tokens, tags.indices.filter { tags[$0] == .adjective }, &rng)
        case .shuffleAllButNounsAndAdjectives:
            let tags = PartOfSpeechTagger.tag(tokens)
            permute(&tokens, tags.indices.filter { tags[$0] != .noun && tags[$0] != .adjective }, &rng)
        case .shuffleWithinTrigrams:
            var grams = trigrams(tokens)
            for k in grams.indices { rng.shuffle(&grams[k]) }
            tokens = grams.flatMap { $0 }
        case .shuffleTrigrams:
            var grams = trigrams(tokens)
            rng.shuffle(&grams)
            tokens = grams.flatMap { $0 }
        }
        return tokens.joined(separator: " ")
    }

    /// Consecutive groups of three tokens, the last one shorter when the count is not a multiple of three.
    func trigrams(_ tokens: [String]) -> [[String]] {
        stride(from: 0, to: tokens.count, by: 3).map { Array(tokens[$0..<min($0 + 3, tokens.count)]) }
    }

    func permute(_ tokens: inout [String], _ positions: [Int], _ rng: inout SeededGenerator) {
        let values = rng.shuffled(positions.map { tokens[$0] })
        for (p, v) in zip(positions, values) { tokens[p] = v }
    }
}
