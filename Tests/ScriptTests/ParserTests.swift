import XCTest
import Script

/// The tree as an s-expression, to check shape and precedence.
func sexpr(_ e: Expr) -> String {
    switch e.kind {
    case .number(let d): return Printer.formatNumber(d)
    case .string(let s): return "\"\(s)\""
    case .interpolation(let parts):
        return "(str " + parts.map { if case .expr(let x) = $0 { return sexpr(x) } else if case .text(let t) = $0 { return "\"\(t)\"" } else { return "" } }.joined(separator: " ") + ")"
    case .bool(let b): return "\(b)"
    case .none: return "none"
    case .name(let n): return n
    case .list(let items): return "[" + items.map(sexpr).joined(separator: " ") + "]"
    case .record(let fields): return "{" + fields.map { "\($0.key): \(sexpr($0.value))" }.joined(separator: " ") + "}"
    case .unary(let op, let x): return "(\(op.rawValue) \(sexpr(x)))"
    case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
    case .and(let a, let b): return "(and \(sexpr(a)) \(sexpr(b)))"
    case .or(let a, let b): return "(or \(sexpr(a)) \(sexpr(b)))"
    case .call(let f, let args):
        return "(call \(sexpr(f))" + args.map { " " + ($0.label.map { "\($0):" } ?? "") + sexpr($0.value) }.joined() + ")"
    case .index(let x, let items):
        return "(index \(sexpr(x))" + items.map { item -> String in
            switch item {
            case .single(let i): return " " + sexpr(i)
            case .slice(let a, let b, let c, _, _): return " " + [a, b, c].map { $0.map(sexpr) ?? "_" }.joined(separator: ":")
            }
        }.joined() + ")"
    case .member(let x, let name, _): return "(. \(sexpr(x)) \(name))"
    case .function(let d): return "(fn \(d.parameters.map(\.name).joined(separator: " ")))"
    case .tuple(let items): return "(tuple " + items.map(sexpr).joined(separator: " ") + ")"
    }
}

func parseExpression(_ s: String) throws -> String {
    let program = try Parser.parse(SourceFile(name: "t", text: s))
    guard program.statements.count == 1, case .expression(let e) = program.statements[0].kind else { return "<not one expression>" }
    return sexpr(e)
}

final class ParserTests: XCTestCase {
    func testPrecedenceAndAssociativity() throws {
        let cases: [(String, String)] = [
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("1 - 2 - 3", "(- (- 1 2) 3)"),
            ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
            ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
            ("-2 ^ 2", "(- (^ 2 2))"),
            ("2 ^ -1", "(^ 2 (- 1))"),
            ("a @ b + c", "(+ (@ a b) c)"),
            ("a % b * c", "(* (% a b) c)"),
            ("a + b < c * d", "(< (+ a b) (* c d))"),
            ("a == b and c != d", "(and (== a b) (!= c d))"),
            ("a or b and c", "(or a (and b c))"),
            ("not a == b", "(not (== a b))"),
            ("not a and b", "(and (not a) b)"),
            ("a or not b", "(or a (not b))"),
            ("-x.y[0]", "(- (index (. x y) 0))"),
            ("f(x)(y).z", "(. (call (call f x) y) z)"),
            ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
            ("f(1, b: 2)", "(call f 1 b:2)"),
            ("t[0, 1:3]", "(index t 0 1:3:_)"),
            ("t[:, -1]", "(index t _:_:_ (- 1))"),
            ("t[::2]", "(index t _:_:2)"),
            ("r[\"k\"]", "(index r \"k\")"),
            ("[1, [2, 3],]", "[1 [2 3]]"),
            ("{a: 1, \"b c\": 2}", "{a: 1 b c: 2}"),
            ("fn(x, y: 1) = x + y", "(fn x y)"),
            ("\"a {x + 1} b\"", "(str \"a \" (+ x 1) \" b\")"),
            ("a +\n b", "(+ a b)"),
            ("f(1,\n  2\n)", "(call f 1 2)"),
            ("a in b", "(in a b)"),
            ("a + 1 in b or c", "(or (in (+ a 1) b) c)"),
            ("a not in b", "(not in a b)"),
            ("not a in b", "(not (in a b))"),
            ("a.b, c[0]", "(tuple (. a b) (index c 0))"),
            ("a,", "(tuple a)"),
            ("[a, b], c", "(tuple [a b] c)"),
        ]
        for (source, expected) in cases {
            XCTAssertEqual(try parseExpression(source), expected, source)
        }
    }

    func testStatements() throws {
        let p = try Parser.parse(SourceFile(name: "t", text: """
            x = 1; y += 2
            fn f(a, b: 3) = a + b
            fn g(a) {
                for i in range(a) { if i > 2 { break } else { continue } }
                while false { }
                return a
            }
            if x { 1 }
            else if y { 2 }
            else { 3 }
            r.a[0] = 5
            """))
        let kinds = p.statements.map { s -> String in
            switch s.kind {
            case .assign: return "assign"
            case .compoundAssign: return "compound"
            case .function(let d): return "fn \(d.name ?? "")"
            case .ifElse(_, _, let e): return "if/else \(e?.count ?? 0)"
            case .expression: return "expr"
            default: return "other"
            }
        }
        XCTAssertEqual(kinds, ["assign", "compound", "fn f", "fn g", "if/else 1", "assign"])
    }

    /// Every parser error: message fragment and the line:column the caret points at.
    func testErrorMessagePositions() {
        let cases: [(String, Int, Int, String)] = [
            ("if x print(1)", 1, 6, "expected '{' to start the body of the if"),
            ("while x {\n  y = 1\n", 2, 8, "expected '}' to close the '{' at 1:9"),
            ("for 1 in x {}", 1, 5, "expected a loop variable name"),
            ("for if in x {}", 1, 5, "'if' is a reserved word"),
            ("for i x {}", 1, 7, "expected 'in' after 'for i'"),
            ("x = 1\nelse { }", 2, 1, "'else' without an 'if'"),
            ("f(x) = 3", 1, 1, "cannot assign to this expression"),
            ("1 + 2 = 3", 1, 1, "cannot assign to this expression"),
            ("fn f(a, a) = 1", 1, 9, "parameter 'a' is listed twice"),
            ("fn f(a, b = 2) = 1", 1, 11, "write a default as 'b: value'"),
            ("fn f(a: 1, b) = 1", 1, 12, "parameter 'b' needs a default"),
            ("fn f(a) 1", 1, 9, "expected '=' or '{' after the parameters of 'f'"),
            ("fn f x = 1", 1, 6, "expected '(' before the parameters"),
            ("fn 3() = 1", 1, 4, "expected a function name after 'fn'"),
            ("f(1, 2", 1, 7, "expected ')' to close the '(' at 1:2"),
            ("x = 1 +", 1, 8, "expected an expression after '+'"),
            ("a < b < c", 1, 7, "comparisons do not chain"),
            ("x.3", 1, 3, "expected a field name after '.'"),
            ("f(a: 1, a: 2)", 1, 9, "keyword argument 'a' is given twice"),
            ("f(a: 1, 2)", 1, 9, "a positional argument cannot follow keyword arguments"),
            ("t[]", 1, 3, "expected an index inside '[]'"),
            ("t[1, 2", 1, 7, "expected ']' to close the '[' at 1:2"),
            ("x = ()", 1, 6, "expected an expression inside '()'"),
            ("x = )", 1, 5, "expected an expression, found ')'"),
            ("[1, 2", 1, 6, "expected ']' to close the '[' at 1:1"),
            ("{\"a{1}\": 2}", 1, 2, "a record key cannot contain {...}"),
            ("{1: 2}", 1, 2, "expected a field name in the record"),
            ("{a: 1, a: 2}", 1, 8, "field 'a' appears twice"),
            ("{a 1}", 1, 4, "expected ':' after the field name 'a'"),
            ("{a: 1", 1, 6, "expected '}' to close the '{' at 1:1"),
            ("\"x {1 2} y\"", 1, 7, "unexpected number inside {...} in a string"),
            ("x = 1 y = 2", 1, 7, "expected a new line or ';' before 'y'"),
            ("break", 1, 1, "'break' outside a loop"),
            ("fn f() { continue }", 1, 10, "'continue' outside a loop"),
            ("for x in y { fn g() = 1; return 2 }", 1, 26, "'return' outside a function"),
            (String(repeating: "(", count: 1000) + "1" + String(repeating: ")", count: 1000), 1, 334, "nested too deeply"),
            ("x = " + Array(repeating: "1", count: 3000).joined(separator: " + "), 1, 8001, "nested too deeply"),
        ]
        for (source, line, column, message) in cases {
            guard let e = scriptError(source) else { XCTFail("no error for \(source)"); continue }
            XCTAssertEqual(e.kind, .syntax, source)
            XCTAssertTrue(e.message.contains(message), "\(source.prefix(60)): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.line }, line, "\(source.prefix(60)): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.column }, column, "\(source.prefix(60)): \(e.message)")
        }
    }

    func testIncompleteInputIsMarkedForTheREPL() {
        for source in ["f(1,", "x = [", "fn f(x) {", "if x {\n y = 1", "x = 1 +", "for i in"] {
            XCTAssertEqual(scriptError(source)?.isIncomplete, true, source)
        }
        for source in ["f(1))", "x = \"abc", "1 +* 2", "\"{1 +\"", "x = )"] {
            XCTAssertEqual(scriptError(source)?.isIncomplete, false, source)
        }
    }

    func testRenderedErrorHasFileLineColumnSourceLineAndCaret() {
        let e = scriptError("x = 1\ny = (x +* 2)", limits: Limits())
        XCTAssertEqual(e?.rendered(), """
            test.sn:2:9: error: expected an expression, found '*'
                y = (x +* 2)
                        ^
            """)
    }
}
