import Foundation

/// Byte-pair encoding of one pre-tokenized word with merge ranks, as `tokenizers`' BPE model
/// with `end_of_word_suffix = "</w>"`: the word starts as its byte symbols, the last one
/// carrying `</w>`; a symbol missing from the vocabulary becomes the unknown token and never
/// merges; then the lowest-ranked adjacent pair is merged everywhere, until none is left.
final class BytePairEncoding: @unchecked Sendable {
    static let endOfWord = "</w>"

    let vocabulary: [String: Int]
    private let ranks: [String: Int]  // "left right" -> rank (line order of merges.txt)
    let unknownID: Int
    private var cache: [String: [Int]] = [:]
    private let lock = NSLock()

    init(vocabulary: [String: Int], merges: [(String, String)], unknownID: Int) {
        self.vocabulary = vocabulary
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, pair) in merges.enumerated() where ranks["\(pair.0) \(pair.1)"] == nil {
            ranks["\(pair.0) \(pair.1)"] = rank
        }
        self.ranks = ranks
        self.unknownID = unknownID
    }

    /// Token ids of one word given as UTF-8 bytes.
    func encode(_ bytes: some Collection<UInt8>) -> [Int] {
        var word = ""
        word.unicodeScalars.append(contentsOf: bytes.map { ByteToUnicode.scalars[Int($0)] })
        lock.lock()
        let cached = cache[word]
        lock.unlock()
        if let cached { return cached }
        let ids = merge(word)
        lock.lock()
        cache[word] = ids
        lock.unlock()
        return ids
    }

    private func merge(_ word: String) -> [Int] {
        let scalars = Array(word.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        // nil marks an unknown symbol: it keeps its place and takes part in no merge.
        var symbols: [String?] = scalars.enumerated().map { i, s in
            let symbol = i == scalars.count - 1 ? String(s) + Self.endOfWord : String(s)
            return vocabulary[symbol] == nil ? nil : symbol
        }
        while symbols.count > 1 {
            var best: (rank: Int, left: String, right: String)?
            for i in 0..<(symbols.count - 1) {
                guard let a = symbols[i], let b = symbols[i + 1], let r = ranks["\(a) \(b)"] else { continue }
                if let current = best, current.rank <= r { continue }
                best = (r, a, b)
            }
            guard let (_, left, right) = best else { break }
            var merged: [String?] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == left, symbols[i + 1] == right {
                    merged.append(left + right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols.map { $0.flatMap { vocabulary[$0] } ?? unknownID }
    }
}
