/// The kinds of token the scanner produces.
public enum TokenKind: Equatable, Sendable {
    case number(Double)
    /// A string literal: its pieces, text and `{...}` code already separated.
    case string([StringPiece])
    case identifier(String)
    case keyword(Keyword)
    case symbol(Symbol)
    case newline
    case end
}

/// One piece of a string literal: plain text, or the source range of an interpolated expression.
public enum StringPiece: Equatable, Sendable {
    case text(String)
    case code(start: Int, end: Int)
}

public enum Keyword: String, CaseIterable, Sendable {
    case fn, `if`, `else`, `for`, `in`, `while`, `break`, `continue`, `return`
    case and, or, not, `true`, `false`, none
}

public enum Symbol: String, CaseIterable, Sendable {
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", caret = "^", at = "@"
    case equalEqual = "==", bangEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case assign = "=", plusAssign = "+=", minusAssign = "-=", starAssign = "*=", slashAssign = "/="
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]", leftBrace = "{", rightBrace = "}"
    case comma = ",", colon = ":", dot = ".", semicolon = ";"
}

/// A token and the byte range of the source it came from.
public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var start: Int
    public var end: Int

    /// How the token reads in an error message.
    public var display: String {
        switch kind {
        case .number: return "number"
        case .string: return "string"
        case .identifier(let name): return "'\(name)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .symbol(let s): return "'\(s.rawValue)'"
        case .newline: return "end of line"
        case .end: return "end of input"
        }
    }
}
