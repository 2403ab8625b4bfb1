/// Coarse part-of-speech tags (Universal Dependencies names). ARO's perturbations only need to
/// tell nouns (NN*) and adjectives (JJ*) from everything else; the rest helps chunk noun phrases.
public enum PartOfSpeech: String, CaseIterable, Codable, Sendable {
    case noun = "NOUN", adjective = "ADJ", determiner = "DET", adposition = "ADP", verb = "VERB"
    case auxiliary = "AUX", adverb = "ADV", pronoun = "PRON", conjunction = "CCONJ", number = "NUM"
    case particle = "PART", punctuation = "PUNCT"
}

/// A lexicon-and-rules tagger good enough for image captions: closed-class words are listed,
/// common caption adjectives and verbs are listed, suffixes catch most of the rest, and an
/// unknown word is a noun (captions are mostly nouns). A few context rules settle the words
/// that change class ("orange", "left", participles before nouns).
public enum PartOfSpeechTagger {
    public static func tag(_ tokens: [String]) -> [PartOfSpeech] {
        var tags = tokens.map { lexical($0.lowercased()) }
        for i in tokens.indices {
            let w = tokens[i].lowercased()
            let next: PartOfSpeech? = i + 1 < tags.count ? tags[i + 1] : nil
            let prev: PartOfSpeech? = i > 0 ? tags[i - 1] : nil
            let prevWord = i > 0 ? tokens[i - 1].lowercased() : ""
            // Colour words that are also nouns: an adjective before a noun or adjective, a noun otherwise.
            if nounOrAdjective.contains(w) {
                tags[i] = (next == .noun || next == .adjective) ? .adjective : .noun
            }
            // "the left of" / "the right of": a noun; bare "left of": an adverb.
            if w == "left" || w == "right" {
                tags[i] = (prev == .determiner || prevWord == "her" || prevWord == "his" || prevWord == "its") ? .noun : .adverb
            }
            // "a parked car", "a stuffed animal": participles between a determiner and a noun modify it.
            if tags[i] == .verb, prev == .determiner || prev == .adjective, next == .noun,
               w.hasSuffix("ed") || w.hasSuffix("en") {
                tags[i] = .adjective
            }
            // "banana's": the possessive after a noun; "it's": the verb.
            if w == "'s", prev == .noun { tags[i] = .particle }
            // "on the back of", "on top of": place words before "of" are nouns.
            if relationalNouns.contains(w), w != "left", w != "right", i + 1 < tokens.count, tokens[i + 1].lowercased() == "of" {
                tags[i] = .noun
            }
            // "that", "this" before a noun determine it; elsewhere they stand for it.
            if w == "that" || w == "this" || w == "these" || w == "those" {
                tags[i] = (next == .noun || next == .adjective) ? .determiner : .pronoun
            }
        }
        return tags
    }

    public static func tag(_ text: String) -> [(String, PartOfSpeech)] {
        let tokens = captionTokens(text)
        return Array(zip(tokens, tag(tokens)))
    }

    static func lexical(_ w: String) -> PartOfSpeech {
        if w.isEmpty { return .punctuation }
        if w.allSatisfy({ !$0.isLetter && !$0.isNumber }) { return .punctuation }
        if w.allSatisfy({ $0.isNumber || $0 == "." || $0 == "," }) { return .number }
        if let t = closedClass[w] { return t }
        if adjectives.contains(w) { return .adjective }
        if verbs.contains(w) { return .verb }
        if nouns.contains(w) { return .noun }
        if w.hasSuffix("ly") && w.count > 4 { return .adverb }
        if w.hasSuffix("ing") && w.count > 5 { return .verb }
        if w.hasSuffix("ed") && w.count > 4 { return .verb }
        for suffix in ["ous", "ful", "less", "ive", "able", "ible", "ish", "ic", "est"] where w.hasSuffix(suffix) && w.count > suffix.count + 2 {
            return .adjective
        }
        return .noun
    }

    /// Nouns that name a place relative to something ("the left of", "the top of"): never an object
    /// to swap with another, and always nouns before "of".
    public static let relationalNouns: Set<String> = [
        "left", "right", "top", "bottom", "front", "back", "side", "middle", "edge", "corner", "center", "centre", "rest",
    ]

    static let nounOrAdjective: Set<String> = ["orange", "gold", "silver", "square", "plastic", "glass", "metal", "wood", "stone"]

    static let closedClass: [String: PartOfSpeech] = {
        var d: [String: PartOfSpeech] = [:]
        for w in ["a", "an", "the", "some", "each", "every", "another", "any", "no", "all", "both", "either",
                  "neither", "several", "many", "few", "much", "more", "most", "other", "such", "what", "which", "whose"] {
            d[w] = .determiner
        }
        for w in ["of", "in", "on", "at", "to", "with", "by", "from", "for", "into", "onto", "over", "under", "above",
                  "below", "beneath", "behind", "beside", "besides", "near", "next", "between", "among", "amongst",
                  "through", "across", "along", "around", "against", "inside", "outside", "underneath", "up", "down",
                  "off", "out", "about", "atop", "toward", "towards", "past", "upon", "within", "without", "during",
                  "like", "as", "than", "via", "after", "before", "while", "near", "beyond"] {
            d[w] = .adposition
        }
        for w in ["is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re", "'m", "has", "have", "had",
                  "'ve", "does", "do", "did", "can", "could", "will", "would", "should", "may", "might", "must", "'ll", "'d"] {
            d[w] = .auxiliary
        }
        for w in ["and", "or", "but", "nor", "yet"] { d[w] = .conjunction }
        for w in ["it", "its", "he", "she", "they", "them", "his", "her", "their", "him", "we", "us", "our", "you",
                  "your", "i", "me", "my", "there", "itself", "himself", "herself", "themselves", "who", "whom",
                  "someone", "something", "one", "ones", "that", "this", "these", "those"] {
            d[w] = .pronoun
        }
        for w in ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                  "dozen", "hundred", "thousand", "zero"] {
            d[w] = .number
        }
        for w in ["not", "n't", "'s"] where d[w] == nil { d[w] = .particle }
        d["not"] = .particle
        d["n't"] = .particle
        for w in ["very", "too", "also", "together", "here", "away", "just", "still", "almost", "outdoors",
                  "indoors", "nearby", "upside", "back", "so", "then", "again", "only", "even", "well", "far"] {
            d[w] = .adverb
        }
        return d
    }()

    static let adjectives: Set<String> = [
        // ShapesWorld and colours
        "red", "green", "blue", "yellow", "purple", "pink", "white", "black", "brown", "gray", "grey",
        "small", "large", "big", "little", "tiny", "huge", "giant", "tall", "short", "long", "wide", "narrow",
        // common in COCO / Flickr / Visual Genome captions
        "young", "old", "new", "elderly", "adult", "cute", "happy", "pretty", "beautiful", "ugly", "busy",
        "empty", "full", "open", "closed", "clean", "dirty", "dry", "wet", "hot", "cold", "warm", "fresh", "ripe",
        "dark", "bright", "light", "clear", "cloudy", "sunny", "snowy", "grassy", "sandy", "rocky", "lush", "dense",
        "wooden", "metallic", "colorful", "colourful", "striped", "spotted", "elegant", "modern", "fancy", "plain",
        "single", "double", "many", "various", "different", "same", "favorite", "main",
        "empty", "stuffed", "fluffy", "furry", "shiny", "tan", "blond", "blonde", "asian", "male", "female",
        "professional", "electric", "digital", "public", "local", "outdoor", "indoor", "heavy", "low", "high",
        "thick", "thin", "flat", "round", "sharp", "soft", "hard", "quiet", "wild", "domestic", "lone",
        "several", "tasty", "delicious", "healthy", "green", "paved", "leafy", "bare", "wide", "slow", "fast",
        "vintage", "antique", "ornate", "decorative", "skinny", "fat", "upright", "sliced", "cooked", "frosted",
        "perturbed", "disconnected", "political", "opposite", "whole", "half",
    ]

    static let verbs: Set<String> = [
        "sits", "sit", "stands", "stand", "holds", "hold", "rides", "ride", "eats", "eat", "looks", "look",
        "walks", "walk", "runs", "run", "plays", "play", "lays", "lay", "lies", "lie", "flies", "fly", "grazes",
        "graze", "drink", "drinks", "wears", "wear", "carries", "carry", "shows", "show", "reads", "read",
        "features", "contains", "contain", "shines", "drive", "drives", "waits", "wait", "hangs", "hang",
        "made", "taken", "seen", "drawn", "covered", "filled", "parked", "stopped", "topped", "stacked",
        "lined", "surrounded", "painted", "perched", "attached", "mounted", "kicked", "flowered", "cut",
        "throw", "throws", "stand", "overlooking", "videos", "leads", "lead", "rubbing",
        "get", "gets", "take", "takes", "make", "makes", "go", "goes", "has", "sleeps", "sleep", "jumps", "jump",
        "lying", "tying", "dying", "eyeing",
        "swims", "swim", "watches", "watch", "points", "point", "leans", "lean", "rests", "rest", "smiles", "smile",
    ]

    static let nouns: Set<String> = [
        // ShapesWorld
        "square", "circle", "triangle", "star", "cross", "diamond", "shape", "shapes",
        // -ing / -ed nouns the suffix rules would get wrong
        "building", "buildings", "ceiling", "clothing", "painting", "paintings", "railing", "ring", "king",
        "thing", "things", "evening", "morning", "wedding", "icing", "frosting", "parking", "bed", "shed",
        "moped", "sled", "field", "bread", "head", "sled", "stand", "bird", "herd", "seed", "feed", "sled", "lid",
        "family", "fly", "only", "belly", "jelly", "bully", "lily", "rally", "trolly", "trolley", "pony",
        "sky", "city", "body", "baby", "toy", "boy", "guy", "key", "tray", "day", "way", "lady", "puppy", "kitty",
        "dirt", "traffic", "picnic", "music", "plastic", "fabric", "graphic", "clinic",
        "man", "woman", "men", "women", "people", "person", "child", "children", "kid", "kids", "girl", "boy",
        "dog", "cat", "horse", "cow", "sheep", "goat", "elephant", "giraffe", "zebra", "bear", "table", "chair",
        "couch", "room", "kitchen", "bathroom", "toilet", "sink", "mirror", "street", "road", "car", "bus",
        "train", "truck", "plane", "airplane", "bike", "bicycle", "motorcycle", "boat", "water", "grass", "tree",
        "trees", "plate", "pizza", "food", "sign", "clock", "phone", "laptop", "computer", "window", "door",
        "wall", "floor", "ground", "beach", "ocean", "snow", "hill", "mountain", "frisbee", "ball", "umbrella",
        "left", "side", "top", "bottom", "front", "back", "middle", "edge", "corner", "center", "centre",
        "orange", "apple", "banana", "bananas", "hydrant", "fire", "sidewalk", "tub", "bowl", "cup",
    ]
}
