import Foundation

/// The CLIP BPE tokenizer as transformers' `CLIPTokenizer` (5.x, backed by `tokenizers`)
/// tokenizes, from a tokenizer folder (vocab.json, merges.txt, tokenizer_config.json,
/// special_tokens_map.json):
///  1. special tokens (BOS, EOS, UNK, PAD) written in the text are split out; those declared
///     `normalized: false` (a plain string such as SD 2.x's "!" pad) in the raw text, the others
///     after normalisation;
///  2. normalisation: NFC, every run of Unicode White_Space becomes one space, lowercasing
///     scalar by scalar (full case mapping, no context: "İ" -> "i̇", final sigma stays "σ");
///  3. the CLIP pre-tokenizer pattern
///     `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+`
///     keeps its matches and drops what lies between (whitespace);
///  4. each piece as UTF-8 bytes through the byte-to-unicode table and BPE (`</w>` on its last
///     symbol); symbols not in the vocabulary become the unknown token;
///  5. BOS + ids + EOS; with a maximum length the content is cut to `maxLength - 2` so EOS stays,
///     and padding appends the pad token.
public struct CLIPTokenizer: Sendable {
    public let bosTokenID: Int, eosTokenID: Int, padTokenID: Int, unknownTokenID: Int
    /// `model_max_length` of tokenizer_config.json; 77 (CLIP's context) when absent or unbounded.
    public let modelMaxLength: Int
    public var vocabularySize: Int { tokens.count }

    private let bpe: BytePairEncoding
    private let tokens: [String]  // id -> token, for decoding
    private let rawSpecials: [(scalars: [Unicode.Scalar], id: Int)]
    private let normalizedSpecials: [(scalars: [Unicode.Scalar], id: Int)]

    /// A tokenizer folder: vocab.json and merges.txt, with the special tokens and the length from
    /// tokenizer_config.json / special_tokens_map.json when present.
    public init(folder: URL) throws {
        let settings = try TokenizerSettings(folder: folder)
        try self.init(vocabulary: folder.appendingPathComponent("vocab.json"),
                      merges: folder.appendingPathComponent("merges.txt"), settings: settings)
    }

    public init(vocabulary vocabURL: URL, merges mergesURL: URL, settings: TokenizerSettings) throws {
        let vocab = try Self.readVocabulary(vocabURL)
        let merges = try Self.readMerges(mergesURL)
        func id(_ token: TokenizerSettings.SpecialToken, _ role: String) throws -> Int {
            guard let id = vocab[token.content] else {
                throw DiffusionError.badConfig(path: vocabURL.path, key: role,
                                               message: "names '\(token.content)', which is not in the vocabulary")
            }
            return id
        }
        bosTokenID = try id(settings.bos, "bos_token")
        eosTokenID = try id(settings.eos, "eos_token")
        unknownTokenID = try id(settings.unknown, "unk_token")
        padTokenID = try id(settings.pad, "pad_token")
        modelMaxLength = settings.modelMaxLength
        var tokens = [String](repeating: "", count: vocab.count)
        for (token, id) in vocab {
            guard id >= 0 && id < vocab.count && tokens[id].isEmpty else {
                throw DiffusionError.badConfig(path: vocabURL.path, key: token,
                                               message: "has id \(id); ids should be distinct and in 0..<\(vocab.count)")
            }
            tokens[id] = token
        }
        self.tokens = tokens
        bpe = BytePairEncoding(vocabulary: vocab, merges: merges, unknownID: unknownTokenID)
        var raw: [(scalars: [Unicode.Scalar], id: Int)] = [], normalized: [(scalars: [Unicode.Scalar], id: Int)] = []
        for (token, tokenID) in [(settings.bos, bosTokenID), (settings.eos, eosTokenID), (settings.unknown, unknownTokenID),
                                 (settings.pad, padTokenID)] where !token.content.isEmpty {
            let entry = (scalars: Array(token.content.unicodeScalars), id: tokenID)
            if token.normalized {
                if !normalized.contains(where: { $0.scalars == entry.scalars }) { normalized.append(entry) }
            } else if !raw.contains(where: { $0.scalars == entry.scalars }) {
                raw.append(entry)
            }
        }
        // Longest first, so that at one position the longest special token wins.
        rawSpecials = raw.sorted { $0.scalars.count > $1.scalars.count }
        normalizedSpecials = normalized.sorted { $0.scalars.count > $1.scalars.count }
    }

    /// BOS, the text's tokens, EOS: no truncation, no padding.
    public func encode(_ text: String) -> [Int] {
        [bosTokenID] + contentIDs(text) + [eosTokenID]
    }

    /// Each text as BOS + tokens + EOS, cut to `maxLength` (default `modelMaxLength`) keeping EOS,
    /// and padded with the pad token to `maxLength` when `padding`.
    public func callAsFunction(_ texts: [String], padding: Bool = true, maxLength: Int? = nil) throws -> [[Int]] {
        let length = maxLength ?? modelMaxLength
        guard length >= 2 else {
            throw DiffusionError.invalidArgument(op: "tokenize", message: "maxLength must leave room for BOS and EOS (at least 2), got \(length)")
        }
        return texts.map { text in
            var ids = [bosTokenID] + contentIDs(text).prefix(length - 2) + [eosTokenID]
            if padding && ids.count < length { ids += Array(repeating: padTokenID, count: length - ids.count) }
            return ids
        }
    }

    /// The text of token ids: byte symbols back to UTF-8, `</w>` as a space; special tokens
    /// dropped unless `keepSpecialTokens`.
    public func decode(_ ids: [Int], keepSpecialTokens: Bool = false) -> String {
        let specials: Set<Int> = [bosTokenID, eosTokenID, padTokenID, unknownTokenID]
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            if specials.contains(id) {
                if keepSpecialTokens { bytes += Array(tokens[id].utf8) }
                continue
            }
            let token = tokens[id]
            let body = token.hasSuffix(BytePairEncoding.endOfWord) ? String(token.dropLast(BytePairEncoding.endOfWord.count)) : token
            bytes += body.unicodeScalars.compactMap { ByteToUnicode.bytes[$0] }
            if body.count != token.count { bytes.append(0x20) }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    // MARK: - The pipeline

    private func contentIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for piece in split(Array(text.unicodeScalars), on: rawSpecials) {
            switch piece {
            case let .special(id): ids.append(id)
            case let .text(raw):
                for inner in split(Self.normalize(raw), on: normalizedSpecials) {
                    switch inner {
                    case let .special(id): ids.append(id)
                    case let .text(normalized):
                        for word in Self.preTokenize(normalized) {
                            ids += bpe.encode(String(String.UnicodeScalarView(word)).utf8)
                        }
                    }
                }
            }
        }
        return ids
    }

    private enum Piece { case text([Unicode.Scalar]), special(Int) }

    /// Splits out every occurrence of the given tokens, leftmost first, longest at one position.
    private func split(_ s: [Unicode.Scalar], on specials: [(scalars: [Unicode.Scalar], id: Int)]) -> [Piece] {
        guard !specials.isEmpty else { return [.text(s)] }
        var pieces: [Piece] = [], start = 0, i = 0
        scan: while i < s.count {
            for special in specials where Self.hasPrefix(s, special.scalars, at: i) {
                if start < i { pieces.append(.text(Array(s[start..<i]))) }
                pieces.append(.special(special.id))
                i += special.scalars.count
                start = i
                continue scan
            }
            i += 1
        }
        if start < s.count { pieces.append(.text(Array(s[start...]))) }
        return pieces
    }

    private static func hasPrefix(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar], at i: Int) -> Bool {
        guard !p.isEmpty, i + p.count <= s.count else { return false }
        for k in 0..<p.count where s[i + k] != p[k] { return false }
        return true
    }

    /// NFC, whitespace runs to one space, per-scalar lowercase.
    static func normalize(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let nfc = String(String.UnicodeScalarView(s)).precomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        var inSpace = false
        for scalar in nfc.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return out
    }

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }
    private static let specialWords: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map { Array($0.unicodeScalars) }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// The CLIP pattern as a scanner: at each position the first alternative that matches wins,
    /// and the text between matches (whitespace) is dropped.
    static func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var i = 0
        scan: while i < s.count {
            for word in specialWords where hasPrefix(s, word, at: i) {
                words.append(s[i..<(i + word.count)])
                i += word.count
                continue scan
            }
            if s[i] == "'" {
                for c in contractions where hasPrefix(s, c, at: i + 1) {
                    words.append(s[i...(i + c.count)])
                    i += c.count + 1
                    continue scan
                }
            }
            let start = i
            if isLetter(s[i]) {
                while i < s.count && isLetter(s[i]) { i += 1 }
            } else if isNumber(s[i]) {
                i += 1
            } else if !s[i].properties.isWhitespace {
                while i < s.count && !s[i].properties.isWhitespace && !isLetter(s[i]) && !isNumber(s[i]) { i += 1 }
            } else {
                i += 1
                continue
            }
            words.append(s[start..<i])
        }
        return words
    }

    // MARK: - Files

    static func readVocabulary(_ url: URL) throws -> [String: Int] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DiffusionError.file(path: url.path, message: "cannot read the vocabulary (\(error.localizedDescription))")
        }
        do {
            return try JSONDecoder().decode([String: Int].self, from: data)
        } catch let error as DecodingError {
            throw DiffusionError.describing(error, path: url.path)
        }
    }

    static func readMerges(_ url: URL) throws -> [(String, String)] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DiffusionError.file(path: url.path, message: "cannot read the merges (\(error.localizedDescription))")
        }
        var merges: [(String, String)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (number == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw DiffusionError.file(path: url.path, message: "line \(number + 1) is not a merge of two symbols: '\(line)'")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}

/// The special tokens and length of a tokenizer folder, read as transformers reads them:
/// tokenizer_config.json, then special_tokens_map.json over it. A token given as a plain string
/// is matched in the raw text; one given as an AddedToken object with `normalized: true` is
/// matched after normalisation.
public struct TokenizerSettings: Sendable, Equatable {
    public struct SpecialToken: Sendable, Equatable {
        public var content: String
        public var normalized: Bool
        public init(_ content: String, normalized: Bool = false) {
            self.content = content
            self.normalized = normalized
        }
    }

    public var bos = SpecialToken("<|startoftext|>")
    public var eos = SpecialToken("<|endoftext|>")
    public var unknown = SpecialToken("<|endoftext|>")
    public var pad = SpecialToken("<|endoftext|>")
    public var modelMaxLength = 77

    public init() {}

    public init(folder: URL) throws {
        var entries: [String: Any] = [:]
        var addedNormalized: [String: Bool] = [:]
        for name in ["tokenizer_config.json", "special_tokens_map.json"] {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) } catch {
                throw DiffusionError.file(path: url.path, message: "not valid JSON (\(error.localizedDescription))")
            }
            guard let dict = object as? [String: Any] else {
                throw DiffusionError.file(path: url.path, message: "should hold a JSON object")
            }
            if let added = dict["added_tokens_decoder"] as? [String: Any] {
                for case let token as [String: Any] in added.values {
                    if let content = token["content"] as? String { addedNormalized[content] = token["normalized"] as? Bool ?? false }
                }
            }
            for (key, value) in dict { entries[key] = value }
            if let length = dict["model_max_length"] {
                guard let number = length as? NSNumber else {
                    throw DiffusionError.badConfig(path: url.path, key: "model_max_length", message: "should be a number")
                }
                let value = number.doubleValue
                guard value >= 2 else {
                    throw DiffusionError.badConfig(path: url.path, key: "model_max_length", message: "should be at least 2, found \(value)")
                }
                // transformers writes 1e30 for "no limit"; CLIP text encoders have 77 positions.
                modelMaxLength = value > 1_000_000 ? 77 : Int(value)
            }
        }
        func token(_ key: String, default fallback: SpecialToken) throws -> SpecialToken {
            switch entries[key] {
            case nil, is NSNull:
                return fallback
            case let content as String:
                return SpecialToken(content, normalized: addedNormalized[content] ?? false)
            case let object as [String: Any]:
                guard let content = object["content"] as? String else {
                    throw DiffusionError.badConfig(path: folder.path, key: key, message: "has no 'content' string")
                }
                return SpecialToken(content, normalized: object["normalized"] as? Bool ?? addedNormalized[content] ?? false)
            default:
                throw DiffusionError.badConfig(path: folder.path, key: key, message: "should be a string or an AddedToken object")
            }
        }
        bos = try token("bos_token", default: bos)
        eos = try token("eos_token", default: eos)
        unknown = try token("unk_token", default: eos)
        pad = try token("pad_token", default: eos)
    }
}
