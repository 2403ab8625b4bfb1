/// Turns source bytes into tokens. Strings arrive already split into text and `{code}` pieces;
/// the parser scans each code piece again, in place, so positions stay exact.
public struct Scanner {
    let file: SourceFile
    let bytes: [UInt8]
    var pos: Int
    let limit: Int
    var tokens: [Token] = []

    public init(file: SourceFile, start: Int = 0, end: Int? = nil) {
        self.file = file
        self.bytes = file.bytes
        self.pos = start
        self.limit = end ?? file.bytes.count
    }

    public static func tokenize(_ file: SourceFile, start: Int = 0, end: Int? = nil) throws -> [Token] {
        var scanner = Scanner(file: file, start: start, end: end)
        return try scanner.scanAll()
    }

    func error(_ message: String, _ start: Int, _ end: Int) -> ScriptError {
        ScriptError(.syntax, message, at: SourceSpan(file: file, start: start, end: end))
    }

    func peek(_ ahead: Int = 0) -> UInt8 { pos + ahead < limit ? bytes[pos + ahead] : 0 }

    mutating func add(_ kind: TokenKind, _ start: Int) { tokens.append(Token(kind: kind, start: start, end: pos)) }

    public mutating func scanAll() throws -> [Token] {
        while pos < limit {
            let c = bytes[pos]
            let start = pos
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                pos += 1
            case UInt8(ascii: "\n"):
                pos += 1
                if let last = tokens.last, last.kind != .newline { add(.newline, start) }
            case UInt8(ascii: "#"):
                while pos < limit && bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
            case UInt8(ascii: "\\") where peek(1) == UInt8(ascii: "\n"):
                pos += 2  // explicit line continuation
            case UInt8(ascii: "\\") where peek(1) == UInt8(ascii: "\r") && peek(2) == UInt8(ascii: "\n"):
                pos += 3
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                try scanNumber()
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                try scanString(quote: c)
            case _ where isIdentifierStart(c):
                while pos < limit && isIdentifierPart(bytes[pos]) { pos += 1 }
                let word = String(decoding: bytes[start..<pos], as: UTF8.self)
                add(Keyword(rawValue: word).map { .keyword($0) } ?? .identifier(word), start)
            default:
                try scanSymbol(c)
            }
        }
        tokens.append(Token(kind: .end, start: limit, end: limit))
        return tokens
    }

    func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    mutating func scanNumber() throws {
        let start = pos
        func digits() { while pos < limit && (isDigit(bytes[pos]) || bytes[pos] == UInt8(ascii: "_")) { pos += 1 } }
        digits()
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            pos += 1
            digits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
            if isDigit(peek(sign ? 2 : 1)) {
                pos += sign ? 2 : 1
                digits()
            }
        }
        if pos < limit && isIdentifierStart(bytes[pos]) {
            while pos < limit && isIdentifierPart(bytes[pos]) { pos += 1 }
            throw error("malformed number '\(file.slice(start, pos))'", start, pos)
        }
        let text = String(decoding: bytes[start..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let value = Double(text) else { throw error("malformed number '\(text)'", start, pos) }
        add(.number(value), start)
    }

    mutating func scanString(quote: UInt8) throws {
        let start = pos
        pos += 1
        var pieces: [StringPiece] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))) }
            text = []
        }
        while true {
            guard pos < limit, bytes[pos] != UInt8(ascii: "\n") else {
                throw error("unterminated string: add the closing \(quote == UInt8(ascii: "\"") ? "\"" : "'")", start, start + 1)
            }
            let c = bytes[pos]
            if c == quote { pos += 1; break }
            if c == UInt8(ascii: "\\") {
                let escapeStart = pos
                pos += 1
                guard pos < limit else { continue }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "n"): text.append(10)
                case UInt8(ascii: "t"): text.append(9)
                case UInt8(ascii: "r"): text.append(13)
                case UInt8(ascii: "0"): text.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                    text.append(e)
                case UInt8(ascii: "u") where peek() == UInt8(ascii: "{"):
                    pos += 1
                    let hexStart = pos
                    while pos < limit && bytes[pos] != UInt8(ascii: "}") && bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
                    let hex = String(decoding: bytes[hexStart..<pos], as: UTF8.self)
                    guard peek() == UInt8(ascii: "}"), let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                        throw error("bad unicode escape: write \\u{hex digits}", escapeStart, pos)
                    }
                    pos += 1
                    text.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))' (known: \\n \\t \\r \\\\ \\\" \\' \\{ \\} \\u{...})", escapeStart, pos)
                }
                continue
            }
            if c == UInt8(ascii: "{") {
                flush()
                let codeStart = pos + 1
                let codeEnd = try skipInterpolation(from: codeStart, stringStart: start)
                if file.slice(codeStart, codeEnd).allSatisfy({ $0 == " " || $0 == "\t" }) {
                    throw error("empty {} in a string: put an expression inside, or write \\{ for a brace", pos, codeEnd + 1)
                }
                pieces.append(.code(start: codeStart, end: codeEnd))
                pos = codeEnd + 1
                continue
            }
            if c == UInt8(ascii: "}") {
                throw error("unmatched '}' in a string: write \\} for a brace", pos, pos + 1)
            }
            text.append(c)
            pos += 1
        }
        flush()
        add(.string(pieces), start)
    }

    /// Finds the `}` that closes an interpolation, stepping over nested braces and strings.
    func skipInterpolation(from: Int, stringStart: Int) throws -> Int {
        var i = from, depth = 0
        var quote: UInt8? = nil
        while i < limit && bytes[i] != UInt8(ascii: "\n") {
            let c = bytes[i]
            if let q = quote {
                if c == UInt8(ascii: "\\") { i += 2; continue }
                if c == q { quote = nil }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if c == UInt8(ascii: "{") {
                depth += 1
            } else if c == UInt8(ascii: "}") {
                if depth == 0 { return i }
                depth -= 1
            }
            i += 1
        }
        throw error("unterminated {...} in a string: add the closing }", from - 1, from)
    }

    mutating func scanSymbol(_ c: UInt8) throws {
        let start = pos
        let two = pos + 1 < limit ? String(decoding: bytes[pos...(pos + 1)], as: UTF8.self) : ""
        switch two {
        case "&&": throw error("use 'and' instead of '&&'", start, start + 2)
        case "||": throw error("use 'or' instead of '||'", start, start + 2)
        case "**": throw error("use '^' for powers", start, start + 2)
        default: break
        }
        if let symbol = Symbol(rawValue: two), two.count == 2 {
            pos += 2
            add(.symbol(symbol), start)
            return
        }
        if c < 128, let symbol = Symbol(rawValue: String(Character(Unicode.Scalar(c)))) {
            pos += 1
            add(.symbol(symbol), start)
            return
        }
        if c == UInt8(ascii: "!") { throw error("use 'not' instead of '!'", start, start + 1) }
        // Step over a whole UTF-8 character so the message shows it intact.
        var end = pos + 1
        while end < limit && (bytes[end] & 0xC0) == 0x80 { end += 1 }
        throw error("unexpected character '\(file.slice(start, end))'", start, end)
    }
}
