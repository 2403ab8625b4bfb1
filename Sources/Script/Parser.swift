/// Recursive descent for statements, precedence climbing for expressions.
///
/// Newlines end statements, except inside `(...)`, `[...]` and record braces, and after a
/// binary operator, where they are skipped: lists and calls may span lines.
public struct Parser {
    /// Height budget of the tree: each bracket, block or prefix operator costs `nestingCost`,
    /// each operator or postfix in a chain costs 1. Deeper input is refused, not overflowed
    /// (the tree is also walked and freed recursively).
    public static let maxDepth = 2_000
    public static let nestingCost = 5
    /// Bracket nesting allowed by the budget.
    public static var maxNesting: Int { maxDepth / nestingCost }

    let file: SourceFile
    let tokens: [Token]
    var pos = 0
    /// Top: whether newlines are insignificant here (inside brackets) or end statements (blocks).
    var skipsNewlines: [Bool] = [false]
    var depth = 0
    /// Enclosing loops and functions, for `break`, `continue` and `return`.
    var loops = 0
    var functions = 0
    /// Interpolations are parsed from a slice; their end is not the end of the input.
    let isFragment: Bool

    init(file: SourceFile, tokens: [Token], depth: Int = 0, isFragment: Bool = false) {
        self.file = file
        self.tokens = tokens
        self.depth = depth
        self.isFragment = isFragment
    }

    /// Parses a whole file.
    public static func parse(_ file: SourceFile) throws -> Program {
        try LargeStack.run {
            var parser = Parser(file: file, tokens: try Scanner.tokenize(file))
            return try parser.parseProgram()
        }
    }

    // MARK: tokens

    mutating func peek() -> Token {
        if skipsNewlines.last == true {
            while pos < tokens.count - 1 && tokens[pos].kind == .newline { pos += 1 }
        }
        return tokens[Swift.min(pos, tokens.count - 1)]
    }

    /// The token `n` places after the current one (newlines skipped the same way).
    mutating func peek(ahead n: Int) -> Token {
        _ = peek()
        var i = pos, seen = 0
        while i < tokens.count - 1 {
            i += 1
            if skipsNewlines.last == true && tokens[i].kind == .newline { continue }
            seen += 1
            if seen == n { break }
        }
        return tokens[Swift.min(i, tokens.count - 1)]
    }

    @discardableResult
    mutating func advance() -> Token {
        let t = peek()
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    mutating func check(_ s: Symbol) -> Bool { peek().kind == .symbol(s) }
    mutating func check(_ k: Keyword) -> Bool { peek().kind == .keyword(k) }

    mutating func match(_ s: Symbol) -> Bool {
        if check(s) { advance(); return true }
        return false
    }

    var previousEnd: Int { pos > 0 ? tokens[pos - 1].end : 0 }

    func error(_ message: String, at token: Token) -> ScriptError {
        let incomplete = token.kind == .end && !isFragment
        var start = token.start
        if token.kind == .end || token.kind == .newline {
            // Point just after the last real token, not at a blank line below it.
            if let last = tokens[..<Swift.min(pos + 1, tokens.count)].last(where: { $0.kind != .newline && $0.kind != .end }) {
                start = Swift.min(start, last.end)
            }
        }
        return ScriptError(.syntax, message, at: SourceSpan(file: file, start: start, end: Swift.max(token.end, start + 1)),
                           incomplete: incomplete)
    }

    func error(_ message: String, _ start: Int, _ end: Int) -> ScriptError {
        ScriptError(.syntax, message, at: SourceSpan(file: file, start: start, end: end))
    }

    func position(_ offset: Int) -> String {
        let (l, c) = file.location(of: offset)
        return "\(l):\(c)"
    }

    /// Expects the symbol closing `open` (which started at `openStart`).
    mutating func close(_ s: Symbol, opening open: Symbol, at openStart: Int) throws -> Token {
        let t = peek()
        guard t.kind == .symbol(s) else {
            throw error("expected '\(s.rawValue)' to close the '\(open.rawValue)' at \(position(openStart)), found \(t.display)", at: t)
        }
        return advance()
    }

    mutating func expect(_ s: Symbol, _ what: String) throws -> Token {
        let t = peek()
        guard t.kind == .symbol(s) else { throw error("expected '\(s.rawValue)' \(what), found \(t.display)", at: t) }
        return advance()
    }

    mutating func expectIdentifier(_ what: String) throws -> Token {
        let t = peek()
        guard case .identifier = t.kind else {
            if case .keyword(let k) = t.kind {
                throw error("'\(k.rawValue)' is a reserved word and cannot be used as \(what)", at: t)
            }
            throw error("expected \(what), found \(t.display)", at: t)
        }
        return advance()
    }

    mutating func enter(_ at: Token, cost: Int = Parser.nestingCost) throws {
        depth += cost
        if depth > Parser.maxDepth {
            throw error("this is nested too deeply (brackets or blocks hundreds of levels deep, or a chain of thousands of operators): split it into smaller pieces", at: at)
        }
    }

    mutating func withNewlines<T>(skipped: Bool, _ body: (inout Parser) throws -> T) rethrows -> T {
        skipsNewlines.append(skipped)
        defer { skipsNewlines.removeLast() }
        return try body(&self)
    }

    // MARK: statements

    mutating func parseProgram() throws -> Program {
        var statements: [Stmt] = []
        skipSeparators()
        while peek().kind != .end {
            statements.append(try parseStatement())
            try endStatement()
        }
        return Program(file: file, statements: statements)
    }

    mutating func skipNewlines() {
        while pos < tokens.count - 1 && tokens[pos].kind == .newline { pos += 1 }
    }

    mutating func skipSeparators() {
        while true {
            let t = peek()
            if t.kind == .newline || t.kind == .symbol(.semicolon) { advance() } else { return }
        }
    }

    /// A statement ends at a newline, a `;`, a closing `}` or the end of input.
    mutating func endStatement() throws {
        let t = peek()
        switch t.kind {
        case .newline, .symbol(.semicolon): skipSeparators()
        case .end, .symbol(.rightBrace): return
        default:
            throw error("expected a new line or ';' before \(t.display)", at: t)
        }
    }

    mutating func parseBlock(_ owner: String) throws -> [Stmt] {
        let open = peek()
        guard open.kind == .symbol(.leftBrace) else {
            throw error("expected '{' to start the body of \(owner), found \(open.display)", at: open)
        }
        try enter(open)
        defer { depth -= Parser.nestingCost }
        return try withNewlines(skipped: false) { p in
            p.advance()
            var body: [Stmt] = []
            p.skipSeparators()
            while !p.check(.rightBrace) {
                if p.peek().kind == .end {
                    throw p.error("expected '}' to close the '{' at \(p.position(open.start))", at: p.peek())
                }
                body.append(try p.parseStatement())
                try p.endStatement()
            }
            p.advance()
            return body
        }
    }

    mutating func parseStatement() throws -> Stmt {
        let t = peek()
        switch t.kind {
        case .keyword(.fn) where peek(ahead: 1).kind != .symbol(.leftParen):
            let decl = try parseFunction(named: true)
            return Stmt(kind: .function(decl), start: t.start, end: previousEnd)
        case .keyword(.if):
            return try parseIf()
        case .keyword(.for):
            advance()
            let name = try expectIdentifier("a loop variable name after 'for'")
            guard case .identifier(let variable) = name.kind else { throw error("expected a loop variable", at: name) }
            let inToken = peek()
            guard inToken.kind == .keyword(.in) else {
                throw error("expected 'in' after 'for \(variable)', found \(inToken.display)", at: inToken)
            }
            advance()
            let iterable = try parseExpression()
            loops += 1
            defer { loops -= 1 }
            let body = try parseBlock("the for loop")
            return Stmt(kind: .forIn(variable, nameStart: name.start, iterable, body), start: t.start, end: previousEnd)
        case .keyword(.while):
            advance()
            let condition = try parseExpression()
            loops += 1
            defer { loops -= 1 }
            let body = try parseBlock("the while loop")
            return Stmt(kind: .whileLoop(condition, body), start: t.start, end: previousEnd)
        case .keyword(.break):
            guard loops > 0 else { throw error("'break' outside a loop", at: t) }
            advance()
            return Stmt(kind: .breakLoop, start: t.start, end: t.end)
        case .keyword(.continue):
            guard loops > 0 else { throw error("'continue' outside a loop", at: t) }
            advance()
            return Stmt(kind: .continueLoop, start: t.start, end: t.end)
        case .keyword(.return):
            guard functions > 0 else { throw error("'return' outside a function (a script ends at its last line)", at: t) }
            advance()
            let next = peek().kind
            if next == .newline || next == .end || next == .symbol(.semicolon) || next == .symbol(.rightBrace) {
                return Stmt(kind: .returnValue(nil), start: t.start, end: t.end)
            }
            let value = try parseExpression()
            return Stmt(kind: .returnValue(value), start: t.start, end: value.end)
        case .keyword(.else):
            throw error("'else' without an 'if' before it (write '} else {' on the line that closes the if)", at: t)
        default:
            return try parseExpressionStatement()
        }
    }

    mutating func parseIf() throws -> Stmt {
        let t = advance()
        let condition = try parseExpression()
        let body = try parseBlock("the if")
        var elseBody: [Stmt]? = nil
        // `}` then `else` on the next line is accepted too.
        var look = pos
        while look < tokens.count - 1 && tokens[look].kind == .newline { look += 1 }
        if tokens[look].kind == .keyword(.else) {
            pos = look
            advance()
            if check(.if) {
                elseBody = [try parseIf()]
            } else {
                elseBody = try parseBlock("the else")
            }
        }
        return Stmt(kind: .ifElse(condition, body, elseBody), start: t.start, end: previousEnd)
    }

    mutating func parseExpressionStatement() throws -> Stmt {
        let target = try parseExpression()
        if check(.comma) { return try parseTupleStatement(first: target) }
        let t = peek()
        let compound: [Symbol: BinaryOperator] = [.plusAssign: .add, .minusAssign: .subtract, .starAssign: .multiply, .slashAssign: .divide]
        guard case .symbol(let s) = t.kind, s == .assign || compound[s] != nil else {
            return Stmt(kind: .expression(target), start: target.start, end: target.end)
        }
        switch target.kind {
        case .name, .index, .member: break
        default:
            throw error("cannot assign to this expression: the left of '\(s.rawValue)' must be a name, x[i] or x.field", target.start, target.end)
        }
        advance()
        skipNewlines()
        let rhs = try parseExpression()
        if check(.comma) {
            throw error("'\(s.rawValue)' takes one value: to keep several, make a list [a, b]", rhs.start, peek().end)
        }
        if let op = compound[s] {
            return Stmt(kind: .compoundAssign(op, target, rhs), start: target.start, end: rhs.end)
        }
        return Stmt(kind: .assign(target, rhs), start: target.start, end: rhs.end)
    }

    /// `a, b, c` as a statement (a trailing comma allowed): one value showing all of them, as
    /// IPython shows `s.scores, s.best`. Not an assignment target: there is no unpacking.
    mutating func parseTupleStatement(first: Expr) throws -> Stmt {
        var items = [first]
        while match(.comma) {
            let next = peek().kind
            if next == .newline || next == .end || next == .symbol(.semicolon) || next == .symbol(.rightBrace) { break }
            items.append(try parseExpression())
        }
        let end = items[items.count - 1].end
        let t = peek()
        if case .symbol(let s) = t.kind, s == .assign || s == .plusAssign || s == .minusAssign || s == .starAssign || s == .slashAssign {
            throw error("cannot assign to 'a, b': there is no unpacking; assign each name on its own line, or build a list [a, b]",
                        first.start, end)
        }
        return Stmt(kind: .expression(Expr(kind: .tuple(items), start: first.start, end: end)), start: first.start, end: end)
    }

    /// `fn name(params) = expr`, `fn name(params) { ... }`, or the same without a name.
    mutating func parseFunction(named: Bool) throws -> FunctionDecl {
        let fnToken = advance()
        var name: String? = nil
        if named {
            let n = try expectIdentifier("a function name after 'fn'")
            if case .identifier(let s) = n.kind { name = s }
        }
        let open = try expect(.leftParen, "before the parameters")
        var parameters: [ParameterDecl] = []
        try withNewlines(skipped: true) { p in
            while !p.check(.rightParen) {
                let pt = try p.expectIdentifier("a parameter name")
                guard case .identifier(let pname) = pt.kind else { return }
                if parameters.contains(where: { $0.name == pname }) {
                    throw p.error("parameter '\(pname)' is listed twice", at: pt)
                }
                var defaultValue: Expr? = nil
                if p.match(.colon) {
                    defaultValue = try p.parseExpression()
                } else if p.check(.assign) {
                    throw p.error("write a default as '\(pname): value', not '\(pname) = value'", at: p.peek())
                } else if parameters.last?.defaultValue != nil {
                    throw p.error("parameter '\(pname)' needs a default, since the one before it has one", at: pt)
                }
                parameters.append(ParameterDecl(name: pname, defaultValue: defaultValue, start: pt.start))
                if !p.match(.comma) { break }
            }
            _ = try p.close(.rightParen, opening: .leftParen, at: open.start)
        }
        let body: FunctionBody
        let outerLoops = loops
        loops = 0
        functions += 1
        defer { functions -= 1; loops = outerLoops }
        if match(.assign) {
            skipNewlines()
            body = .expression(try parseExpression())
        } else if check(.leftBrace) {
            body = .block(try parseBlock("the function"))
        } else {
            throw error("expected '=' or '{' after the parameters of \(name.map { "'\($0)'" } ?? "the function"), found \(peek().display)", at: peek())
        }
        return FunctionDecl(name: name, parameters: parameters, body: body, start: fnToken.start, end: previousEnd)
    }

    // MARK: expressions

    enum Level: Int, Comparable {
        case or = 1, and, not, comparison, additive, multiplicative
        /// Above every binary operator: what the right side of `*` parses at.
        case prefix
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    static let binaryLevels: [Symbol: (BinaryOperator, Level)] = [
        .equalEqual: (.equal, .comparison), .bangEqual: (.notEqual, .comparison),
        .less: (.less, .comparison), .lessEqual: (.lessEqual, .comparison),
        .greater: (.greater, .comparison), .greaterEqual: (.greaterEqual, .comparison),
        .plus: (.add, .additive), .minus: (.subtract, .additive),
        .star: (.multiply, .multiplicative), .slash: (.divide, .multiplicative),
        .percent: (.remainder, .multiplicative), .at: (.matmul, .multiplicative),
    ]

    public mutating func parseExpression() throws -> Expr {
        try parseBinary(.or)
    }

    mutating func operatorLevel(_ t: Token) -> (Level, BinaryOperator?)? {
        switch t.kind {
        case .keyword(.or): return (.or, nil)
        case .keyword(.and): return (.and, nil)
        case .keyword(.in): return (.comparison, .isIn)
        case .keyword(.not) where peek(ahead: 1).kind == .keyword(.in): return (.comparison, .isNotIn)
        case .symbol(let s): return Parser.binaryLevels[s].map { ($0.1, $0.0) }
        default: return nil
        }
    }

    mutating func parseBinary(_ minLevel: Level) throws -> Expr {
        let first = peek()
        try enter(first, cost: 1)
        defer { depth -= 1 }
        var lhs: Expr
        if first.kind == .keyword(.not) {
            advance()
            let operand = try parseBinary(.not)
            lhs = Expr(kind: .unary(.not, operand), start: first.start, end: operand.end)
        } else {
            lhs = try parseUnary()
        }
        var chain = 0
        var lastWasComparison = false
        defer { depth -= chain }
        while true {
            let t = peek()
            guard let (level, op) = operatorLevel(t), level >= minLevel else { break }
            advance()
            if op == .isNotIn { advance() }  // the `in` of `not in`
            chain += 1
            try enter(t, cost: 1)
            // An operator at the end of a line continues the expression on the next.
            skipNewlines()
            if peek().kind == .end { throw error("expected an expression after '\(t.display.dropFirst().dropLast())'", at: peek()) }
            let rhs = try parseBinary(Level(rawValue: level.rawValue + 1) ?? .prefix)
            if level == .comparison && lastWasComparison {
                throw error("comparisons do not chain: write 'a < b and b < c'", t)
            }
            lastWasComparison = level == .comparison
            switch (level, op) {
            case (.or, _): lhs = Expr(kind: .or(lhs, rhs), start: lhs.start, end: rhs.end)
            case (.and, _): lhs = Expr(kind: .and(lhs, rhs), start: lhs.start, end: rhs.end)
            case (_, .some(let op)): lhs = Expr(kind: .binary(op, lhs, rhs), start: lhs.start, end: rhs.end)
            default: break
            }
        }
        return lhs
    }

    func error(_ message: String, _ t: Token) -> ScriptError { error(message, at: t) }

    /// Unary minus binds looser than `^`: `-2^2` is -4.
    mutating func parseUnary() throws -> Expr {
        let t = peek()
        if t.kind == .symbol(.minus) || t.kind == .symbol(.plus) {
            advance()
            try enter(t)
            defer { depth -= Parser.nestingCost }
            let operand = try parseUnary()
            return Expr(kind: .unary(t.kind == .symbol(.minus) ? .negate : .plus, operand), start: t.start, end: operand.end)
        }
        if t.kind == .keyword(.not) {
            advance()
            try enter(t)
            defer { depth -= Parser.nestingCost }
            let operand = try parseUnary()
            return Expr(kind: .unary(.not, operand), start: t.start, end: operand.end)
        }
        return try parsePower()
    }

    /// `^` is right-associative: `2^3^2` is 2^9.
    mutating func parsePower() throws -> Expr {
        let base = try parsePostfix()
        let t = peek()
        guard t.kind == .symbol(.caret) else { return base }
        advance()
        try enter(t)
        defer { depth -= Parser.nestingCost }
        skipNewlines()
        let exponent = try parseUnary()
        return Expr(kind: .binary(.power, base, exponent), start: base.start, end: exponent.end)
    }

    mutating func parsePostfix() throws -> Expr {
        var e = try parsePrimary()
        var chain = 0
        defer { depth -= chain }
        while true {
            let t = peek()
            switch t.kind {
            case .symbol(.leftParen):
                chain += 1
                try enter(t, cost: 1)
                advance()
                let args = try withNewlines(skipped: true) { p in try p.parseArguments(openedAt: t.start) }
                e = Expr(kind: .call(e, args), start: e.start, end: previousEnd)
            case .symbol(.leftBracket):
                chain += 1
                try enter(t, cost: 1)
                advance()
                let items = try withNewlines(skipped: true) { p in try p.parseIndexItems(openedAt: t.start) }
                e = Expr(kind: .index(e, items), start: e.start, end: previousEnd)
            case .symbol(.dot):
                chain += 1
                try enter(t, cost: 1)
                advance()
                let n = peek()
                guard case .identifier(let name) = n.kind else {
                    throw error("expected a field name after '.', found \(n.display)", at: n)
                }
                advance()
                e = Expr(kind: .member(e, name: name, nameStart: n.start), start: e.start, end: n.end)
            default:
                return e
            }
        }
    }

    mutating func parseArguments(openedAt open: Int) throws -> [CallArgument] {
        var args: [CallArgument] = []
        var seenKeyword = false
        while !check(.rightParen) {
            let t = peek()
            if t.kind == .end { break }
            if case .identifier(let label) = t.kind, peek(ahead: 1).kind == .symbol(.colon) {
                advance(); advance()
                if args.contains(where: { $0.label == label }) {
                    throw error("keyword argument '\(label)' is given twice", at: t)
                }
                let value = try parseExpression()
                args.append(CallArgument(label: label, value: value, start: t.start))
                seenKeyword = true
            } else {
                let value = try parseExpression()
                if seenKeyword {
                    throw error("a positional argument cannot follow keyword arguments", value.start, value.end)
                }
                args.append(CallArgument(label: nil, value: value, start: value.start))
            }
            if !match(.comma) { break }
        }
        _ = try close(.rightParen, opening: .leftParen, at: open)
        return args
    }

    mutating func parseIndexItems(openedAt open: Int) throws -> [IndexItem] {
        var items: [IndexItem] = []
        repeat {
            if check(.rightBracket) && !items.isEmpty { break }
            let start = peek().start
            var lower: Expr? = nil
            if !check(.colon) {
                if check(.rightBracket) { throw error("expected an index inside '[]'", at: peek()) }
                lower = try parseExpression()
            }
            if match(.colon) {
                var upper: Expr? = nil, step: Expr? = nil
                if !check(.colon) && !check(.comma) && !check(.rightBracket) { upper = try parseExpression() }
                if match(.colon) {
                    if !check(.comma) && !check(.rightBracket) { step = try parseExpression() }
                }
                items.append(.slice(lower, upper, step, start: start, end: previousEnd))
            } else if let lower {
                items.append(.single(lower))
            }
        } while match(.comma)
        _ = try close(.rightBracket, opening: .leftBracket, at: open)
        return items
    }

    mutating func parsePrimary() throws -> Expr {
        let t = peek()
        switch t.kind {
        case .number(let v):
            advance()
            return Expr(kind: .number(v), start: t.start, end: t.end)
        case .string(let pieces):
            advance()
            return try stringExpression(pieces, t)
        case .keyword(.true):
            advance()
            return Expr(kind: .bool(true), start: t.start, end: t.end)
        case .keyword(.false):
            advance()
            return Expr(kind: .bool(false), start: t.start, end: t.end)
        case .keyword(.none):
            advance()
            return Expr(kind: .none, start: t.start, end: t.end)
        case .identifier(let name):
            advance()
            return Expr(kind: .name(name), start: t.start, end: t.end)
        case .keyword(.fn):
            let decl = try parseFunction(named: false)
            return Expr(kind: .function(decl), start: decl.start, end: decl.end)
        case .symbol(.leftParen):
            advance()
            try enter(t)
            defer { depth -= Parser.nestingCost }
            return try withNewlines(skipped: true) { p in
                if p.check(.rightParen) { throw p.error("expected an expression inside '()'", at: p.peek()) }
                var inner = try p.parseExpression()
                _ = try p.close(.rightParen, opening: .leftParen, at: t.start)
                inner.start = t.start
                inner.end = p.previousEnd
                return inner
            }
        case .symbol(.leftBracket):
            advance()
            try enter(t)
            defer { depth -= Parser.nestingCost }
            return try withNewlines(skipped: true) { p in
                var items: [Expr] = []
                while !p.check(.rightBracket) && p.peek().kind != .end {
                    items.append(try p.parseExpression())
                    if !p.match(.comma) { break }
                }
                _ = try p.close(.rightBracket, opening: .leftBracket, at: t.start)
                return Expr(kind: .list(items), start: t.start, end: p.previousEnd)
            }
        case .symbol(.leftBrace):
            advance()
            try enter(t)
            defer { depth -= Parser.nestingCost }
            return try withNewlines(skipped: true) { p in try p.parseRecord(openedAt: t.start) }
        default:
            throw error("expected an expression, found \(t.display)", at: t)
        }
    }

    mutating func parseRecord(openedAt open: Int) throws -> Expr {
        var fields: [RecordField] = []
        while !check(.rightBrace) && peek().kind != .end {
            let k = advance()
            let key: String
            switch k.kind {
            case .identifier(let name): key = name
            case .keyword(let word): key = word.rawValue
            case .string(let pieces):
                guard pieces.allSatisfy({ if case .text = $0 { return true } else { return false } }) else {
                    throw error("a record key cannot contain {...}", at: k)
                }
                key = pieces.map { if case .text(let s) = $0 { return s } else { return "" } }.joined()
            default:
                throw error("expected a field name in the record, found \(k.display)", at: k)
            }
            if fields.contains(where: { $0.key == key }) { throw error("field '\(key)' appears twice in the record", at: k) }
            let colon = peek()
            guard colon.kind == .symbol(.colon) else {
                throw error("expected ':' after the field name '\(key)', found \(colon.display)", at: colon)
            }
            advance()
            let value = try parseExpression()
            fields.append(RecordField(key: key, keyStart: k.start, value: value))
            if !match(.comma) { break }
        }
        _ = try close(.rightBrace, opening: .leftBrace, at: open)
        return Expr(kind: .record(fields), start: open, end: previousEnd)
    }

    mutating func stringExpression(_ pieces: [StringPiece], _ t: Token) throws -> Expr {
        var parts: [InterpolationPart] = []
        var plain = true
        for piece in pieces {
            switch piece {
            case .text(let s): parts.append(.text(s))
            case .code(let start, let end):
                plain = false
                let tokens = try Scanner.tokenize(file, start: start, end: end)
                var sub = Parser(file: file, tokens: tokens, depth: depth + Parser.nestingCost, isFragment: true)
                if sub.depth > Parser.maxDepth { throw error("strings nested too deeply", at: t) }
                let e = try sub.withNewlines(skipped: true) { p in try p.parseExpression() }
                let rest = sub.peek()
                guard rest.kind == .end else { throw sub.error("unexpected \(rest.display) inside {...} in a string", at: rest) }
                parts.append(.expr(e))
            }
        }
        if plain {
            let text = parts.map { if case .text(let s) = $0 { return s } else { return "" } }.joined()
            return Expr(kind: .string(text), start: t.start, end: t.end)
        }
        return Expr(kind: .interpolation(parts), start: t.start, end: t.end)
    }
}
