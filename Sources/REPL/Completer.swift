import Foundation
import Script

/// Tab completion: given the word before the cursor (as the line editor cut it) and the text
/// before that word, the full replacements for the word.
public struct Completer {
    let interpreter: Interpreter

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    /// Characters that end a word for the line editor. `.`, `/`, `~` and `_` are kept inside
    /// words so that `m.un` and `examples/da` arrive whole.
    public static let wordBreaks = " \t\n\"'()[]{},;=+-*%^@<>!&|:#"

    public func complete(word: String, before: String) -> [String] {
        if Completer.insideString(before) { return paths(word) }
        if before.hasPrefix(":") || (before.isEmpty && word.hasPrefix(":")) { return commands(word, before: before) }
        // The identifier part at the end of the word (after an operator like `/` that is not a break).
        var cut = word.endIndex
        while cut > word.startIndex {
            let c = word[word.index(before: cut)]
            if c.isLetter || c.isNumber || c == "_" || c == "." { cut = word.index(before: cut) } else { break }
        }
        let prefix = String(word[..<cut]), tail = String(word[cut...])
        if let dot = tail.lastIndex(of: ".") {
            let path = String(tail[..<dot]), partial = String(tail[tail.index(after: dot)...])
            return members(of: path, partial).map { prefix + path + "." + $0 }
        }
        let names = Set(interpreter.variableNames + interpreter.builtinNames + Keyword.allCases.map(\.rawValue))
        return names.filter { $0.hasPrefix(tail) }.sorted().map { prefix + $0 }
    }

    /// Whether the text ends inside a string literal (an odd number of unescaped quotes).
    public static func insideString(_ text: String) -> Bool {
        var quote: Character? = nil
        var escaped = false
        for c in text {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return false
            }
        }
        return quote != nil
    }

    /// Members of `a.b.c` (variables only: completion never runs code).
    func members(of path: String, _ partial: String) -> [String] {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, var value = interpreter.variable(first) else { return [] }
        for p in parts.dropFirst() {
            guard let next = Completer.member(value, p) else { return [] }
            value = next
        }
        let names: [String]
        switch value {
        case .record(let r): names = r.keys
        case .host(let h): names = h.memberNames
        case .tensor: names = ["count", "rank", "shape"]
        default: names = []
        }
        return names.filter { $0.hasPrefix(partial) }.sorted()
    }

    static func member(_ v: Value, _ name: String) -> Value? {
        switch v {
        case .record(let r): return r[name]
        case .host(let h): return (try? h.member(name)) ?? nil
        default: return nil
        }
    }

    func paths(_ word: String) -> [String] {
        let expanded = (word as NSString).expandingTildeInPath
        let dirPart: String, namePart: String
        if let slash = word.lastIndex(of: "/") {
            dirPart = String(word[...slash])
            namePart = String(word[word.index(after: slash)...])
        } else {
            dirPart = ""
            namePart = word
        }
        let expandedDir = dirPart.isEmpty ? "." : (dirPart.hasPrefix("~") ? (expanded as NSString).deletingLastPathComponent + "/" : dirPart)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: expandedDir) else { return [] }
        return entries.filter { $0.hasPrefix(namePart) && (namePart.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            let full = (expandedDir as NSString).appendingPathComponent(name)
            FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
            return dirPart + name + (isDirectory.boolValue ? "/" : "")
        }
    }

    func commands(_ word: String, before: String) -> [String] {
        if before.hasPrefix(":help") || before.hasPrefix(":h ") {
            return interpreter.builtinNames.filter { $0.hasPrefix(word) }
        }
        if before.hasPrefix(":load") || before.hasPrefix(":save") { return paths(word) }
        let stem = word.hasPrefix(":") ? String(word.dropFirst()) : word
        return REPLCommand.names.filter { $0.hasPrefix(stem) }.map { (word.hasPrefix(":") ? ":" : "") + $0 }
    }
}
