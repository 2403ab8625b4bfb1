import Foundation
import Tensors

/// Learns a byte-level BPE vocabulary in CLIP's format from a corpus, for a model trained from
/// scratch whose captions use a small vocabulary (ShapesWorld's).
///
/// Words are what `CLIPTokenizer` feeds its BPE: the text normalised (NFC, whitespace runs to one
/// space, lowercased) and split by CLIP's pre-tokenizer pattern, each counted as often as it occurs.
/// A word starts as its UTF-8 bytes in the byte-to-unicode alphabet with `</w>` on the last symbol.
/// Then, repeatedly, the adjacent pair occurring most often (weighted by word counts) is merged
/// everywhere, left to right, until `merges` merges are made or no pair occurs `minPairCount` times.
/// Ties go to the pair whose left, then right, symbol comes first in UTF-8 byte order, so the same
/// corpus always gives the same vocabulary. Encoding a corpus word with the learned merges gives
/// the segmentation training ended with, so a word seen often enough becomes one token.
public struct BPETrainer: Codable, Sendable, Equatable {
    /// The most merges to learn (CLIP has 48,894).
    public var merges: Int
    /// A pair that occurs fewer times than this is never merged.
    public var minPairCount: Int

    public init(merges: Int = 400, minPairCount: Int = 2) {
        self.merges = merges
        self.minPairCount = minPairCount
    }

    enum CodingKeys: String, CodingKey {
        case merges, minPairCount = "min_pair_count"
    }

    public func train(_ corpus: [String]) throws -> BPEVocabulary {
        guard merges >= 0 else {
            throw DiffusionError.invalidArgument(op: "BPE training", message: "merges must be 0 or more, got \(merges)")
        }
        guard minPairCount >= 1 else {
            throw DiffusionError.invalidArgument(op: "BPE training", message: "min_pair_count must be at least 1, got \(minPairCount)")
        }
        var state = MergeState(words: Self.wordCounts(corpus))
        var learned: [BPEMerge] = []
        var mergedPairs = Set<SymbolPair>()
        while learned.count < merges, let pair = state.mostFrequentPair(minimum: minPairCount) {
            let token = state.symbols[pair.left] + state.symbols[pair.right]
            if BPEVocabulary.specialTokens.contains(token) {
                // A merge spelling a special token would give one string two ids.
                state.forbid(pair)
                continue
            }
            state.merge(pair, into: token)
            // A pair can form again after its merge (when a later merge re-creates one of its
            // symbols); merges.txt lists it once, at its first rank.
            if mergedPairs.insert(pair).inserted {
                learned.append(BPEMerge(left: state.symbols[pair.left], right: state.symbols[pair.right]))
            }
        }
        return BPEVocabulary(merges: learned)
    }

    /// Each distinct pre-tokenized word as its byte symbols (`</w>` on the last), with its count,
    /// in order of first occurrence.
    static func wordCounts(_ corpus: [String]) -> [(symbols: [String], count: Int)] {
        var index: [String: Int] = [:]
        var words: [(symbols: [String], count: Int)] = []
        for text in corpus {
            for piece in CLIPTokenizer.preTokenize(CLIPTokenizer.normalize(Array(text.unicodeScalars))) {
                let word = String(String.UnicodeScalarView(piece))
                // The special tokens are split out before BPE and never reach it.
                if BPEVocabulary.specialTokens.contains(word) { continue }
                if let i = index[word] {
                    words[i].count += 1
                    continue
                }
                let bytes = Array(word.utf8)
                guard !bytes.isEmpty else { continue }
                var symbols = bytes.map { String(ByteToUnicode.scalars[Int($0)]) }
                symbols[symbols.count - 1] += BytePairEncoding.endOfWord
                index[word] = words.count
                words.append((symbols, 1))
            }
        }
        return words
    }
}

/// One line of merges.txt: two symbols that become one token.
public struct BPEMerge: Codable, Sendable, Equatable, CustomStringConvertible {
    public let left: String, right: String
    public init(left: String, right: String) {
        self.left = left
        self.right = right
    }
    public var description: String { "\(left) \(right)" }
}

/// Two adjacent symbols by id.
struct SymbolPair: Hashable {
    let left: Int, right: Int
}

/// The words being merged, with the pair counts kept up to date incrementally: a merge only
/// revisits the words that contain its pair.
struct MergeState {
    private(set) var symbols: [String] = []
    private var symbolIDs: [String: Int] = [:]
    private var words: [[Int]]
    private let counts: [Int]
    private var pairCounts: [SymbolPair: Int] = [:]
    private var pairWords: [SymbolPair: Set<Int>] = [:]
    private var forbidden = Set<SymbolPair>()

    init(words list: [(symbols: [String], count: Int)]) {
        words = []
        counts = list.map(\.count)
        for (symbols, _) in list {
            words.append(symbols.map { id($0) })
        }
        for w in words.indices { add(w) }
    }

    private mutating func id(_ symbol: String) -> Int {
        if let i = symbolIDs[symbol] { return i }
        symbolIDs[symbol] = symbols.count
        symbols.append(symbol)
        return symbols.count - 1
    }

    private mutating func add(_ w: Int) {
        let word = words[w]
        for i in word.indices.dropLast() {
            let p = SymbolPair(left: word[i], right: word[i + 1])
            pairCounts[p, default: 0] += counts[w]
            pairWords[p, default: []].insert(w)
        }
    }

    private mutating func remove(_ w: Int) {
        let word = words[w]
        for i in word.indices.dropLast() {
            let p = SymbolPair(left: word[i], right: word[i + 1])
            let left = (pairCounts[p] ?? 0) - counts[w]
            pairCounts[p] = left > 0 ? left : nil
            pairWords[p]?.remove(w)
            if pairWords[p]?.isEmpty == true { pairWords[p] = nil }
        }
    }

    /// The most frequent pair occurring at least `minimum` times; ties by UTF-8 order of the
    /// left symbol, then of the right.
    func mostFrequentPair(minimum: Int) -> SymbolPair? {
        var best: (pair: SymbolPair, count: Int)?
        for (pair, count) in pairCounts where count >= minimum && !forbidden.contains(pair) {
            if let b = best {
                if count < b.count { continue }
                if count == b.count && !precedes(pair, b.pair) { continue }
            }
            best = (pair, count)
        }
        return best?.pair
    }

    private func precedes(_ a: SymbolPair, _ b: SymbolPair) -> Bool {
        let (al, bl) = (symbols[a.left], symbols[b.left])
        if al != bl { return al.utf8.lexicographicallyPrecedes(bl.utf8) }
        return symbols[a.right].utf8.lexicographicallyPrecedes(symbols[b.right].utf8)
    }

    mutating func forbid(_ pair: SymbolPair) { forbidden.insert(pair) }

    /// Replaces every occurrence of `pair`, left to right without overlap, by the symbol `token`.
    mutating func merge(_ pair: SymbolPair, into token: String) {
        let merged = id(token)
        for w in (pairWords[pair] ?? []).sorted() {
            remove(w)
            let word = words[w]
            var out: [Int] = []
            out.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count, word[i] == pair.left, word[i + 1] == pair.right {
                    out.append(merged)
                    i += 2
                } else {
                    out.append(word[i])
                    i += 1
                }
            }
            words[w] = out
            add(w)
        }
    }
}

/// A CLIP-format vocabulary: the 256 byte symbols in `bytes_to_unicode()` order, the same with
/// `</w>`, one token per merge in merge order, then `<|startoftext|>` and `<|endoftext|>`; the
/// layout of openai/clip-vit-large-patch14's tokenizer, which SD-1.x pipelines carry.
public struct BPEVocabulary: Sendable, Equatable {
    public static let startOfText = "<|startoftext|>", endOfText = "<|endoftext|>"
    static let specialTokens: Set<String> = [startOfText, endOfText]

    public let merges: [BPEMerge]
    /// Every token by id.
    public let tokens: [String]

    public init(merges: [BPEMerge]) {
        self.merges = merges
        // bytes_to_unicode() lists the printable bytes, then the others mapped from U+0100 up:
        // in both parts the scalars ascend, so sorting by scalar gives its order.
        let bytes = ByteToUnicode.scalars.sorted { $0.value < $1.value }.map { String($0) }
        var tokens = bytes + bytes.map { $0 + BytePairEncoding.endOfWord }
        var seen = Set(tokens)
        for m in merges where seen.insert(m.left + m.right).inserted {
            tokens.append(m.left + m.right)
        }
        tokens += [Self.startOfText, Self.endOfText]
        self.tokens = tokens
    }

    public var size: Int { tokens.count }
    public var startOfTextID: Int { tokens.count - 2 }
    public var endOfTextID: Int { tokens.count - 1 }

    /// The files of a transformers `CLIPTokenizer` folder by name: vocab.json (id order, compact,
    /// non-ASCII as is), merges.txt (`#version: 0.2` header), tokenizer_config.json and
    /// special_tokens_map.json as SD-1.x has them (pad, unknown and EOS all `<|endoftext|>`).
    public func files(modelMaxLength: Int = 77) throws -> [String: Data] {
        guard modelMaxLength >= 2 else {
            throw DiffusionError.invalidArgument(op: "tokenizer files", message: "model_max_length must leave room for BOS and EOS (at least 2), got \(modelMaxLength)")
        }
        let vocab = "{" + tokens.enumerated().map { "\(jsonQuoted($1)):\($0)" }.joined(separator: ",") + "}"
        let mergeLines = (["#version: 0.2"] + merges.map(\.description)).joined(separator: "\n") + "\n"

        func added(_ content: String, type: Bool) -> [String: Any] {
            var token: [String: Any] = ["content": content, "lstrip": false, "normalized": true, "rstrip": false, "single_word": false]
            if type { token["__type"] = "AddedToken" }
            return token
        }
        let config: [String: Any] = [
            "add_prefix_space": false, "bos_token": added(Self.startOfText, type: true), "do_lower_case": true,
            "eos_token": added(Self.endOfText, type: true), "errors": "replace", "model_max_length": modelMaxLength,
            "pad_token": added(Self.endOfText, type: true), "tokenizer_class": "CLIPTokenizer",
            "unk_token": added(Self.endOfText, type: true),
        ]
        let map: [String: Any] = [
            "bos_token": added(Self.startOfText, type: false), "eos_token": added(Self.endOfText, type: false),
            "pad_token": added(Self.endOfText, type: false), "unk_token": added(Self.endOfText, type: false),
        ]
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [
            "vocab.json": Data(vocab.utf8),
            "merges.txt": Data(mergeLines.utf8),
            "tokenizer_config.json": try JSONSerialization.data(withJSONObject: config, options: options),
            "special_tokens_map.json": try JSONSerialization.data(withJSONObject: map, options: options),
        ]
    }

    /// Writes the tokenizer folder at `path`; it appears only once complete.
    public func write(to path: String, modelMaxLength: Int = 77) throws {
        let files = try files(modelMaxLength: modelMaxLength)
        try CheckpointSaver.writeFolderAtomically(URL(fileURLWithPath: path)) { folder in
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                try AtomicFile.write([UInt8](data), to: folder.appendingPathComponent(name).path)
            }
        }
    }

}
