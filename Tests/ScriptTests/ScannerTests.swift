import XCTest
import Script

final class ScannerTests: XCTestCase {
    func kinds(_ s: String) throws -> [TokenKind] {
        try Scanner.tokenize(SourceFile(name: "t", text: s)).map(\.kind)
    }

    func testTokensOfAnExpressionStatement() throws {
        XCTAssertEqual(try kinds("x = 1.5e3 + foo(y, z: 2)"), [
            .identifier("x"), .symbol(.assign), .number(1500), .symbol(.plus), .identifier("foo"), .symbol(.leftParen),
            .identifier("y"), .symbol(.comma), .identifier("z"), .symbol(.colon), .number(2), .symbol(.rightParen), .end,
        ])
    }

    func testNumbers() throws {
        XCTAssertEqual(try kinds("0 42 2.5 1e-4 3E+2 1_000 7."), [
            .number(0), .number(42), .number(2.5), .number(1e-4), .number(300), .number(1000), .number(7), .symbol(.dot), .end,
        ])
    }

    func testKeywordsSymbolsAndTwoCharacterOperators() throws {
        XCTAssertEqual(try kinds("fn if else for in while break continue return and or not true false none"),
                       Keyword.allCases.map { .keyword($0) } + [.end])
        XCTAssertEqual(try kinds("== != <= >= += -= *= /= < > @ ^ %"), [
            .symbol(.equalEqual), .symbol(.bangEqual), .symbol(.lessEqual), .symbol(.greaterEqual), .symbol(.plusAssign),
            .symbol(.minusAssign), .symbol(.starAssign), .symbol(.slashAssign), .symbol(.less), .symbol(.greater),
            .symbol(.at), .symbol(.caret), .symbol(.percent), .end,
        ])
    }

    func testCommentsAndNewlinesCollapse() throws {
        XCTAssertEqual(try kinds("a # comment\n\n\n b\\\n c"), [.identifier("a"), .newline, .identifier("b"), .identifier("c"), .end])
    }

    func testStringEscapesAndInterpolationPieces() throws {
        let file = SourceFile(name: "t", text: #""a\tb\n\"q\" \{x\} \u{e9} {name} end""#)
        let tokens = try Scanner.tokenize(file)
        guard case .string(let pieces) = tokens[0].kind else { return XCTFail("not a string") }
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces[0], .text("a\tb\n\"q\" {x} é "))
        guard case .code(let s, let e) = pieces[1] else { return XCTFail("no code piece") }
        XCTAssertEqual(file.slice(s, e), "name")
        XCTAssertEqual(pieces[2], .text(" end"))
        XCTAssertEqual(try kinds("'single {1}'").count, 2)
    }

    func testInterpolationMayContainStringsAndBraces() throws {
        let file = SourceFile(name: "t", text: #""x{ {a: "}"}.a }y""#)
        guard case .string(let pieces) = try Scanner.tokenize(file)[0].kind, case .code(let s, let e) = pieces[1] else {
            return XCTFail("no code piece")
        }
        XCTAssertEqual(file.slice(s, e), #" {a: "}"}.a "#)
    }

    /// Every scanner error: message and the 1-based line:column of its caret.
    func testErrorPositions() {
        let cases: [(String, Int, Int, String)] = [
            ("x = \"abc\ny", 1, 5, "unterminated string"),
            ("a && b", 1, 3, "use 'and'"),
            ("a || b", 1, 3, "use 'or'"),
            ("2 ** 3", 1, 3, "use '^' for powers"),
            ("!x", 1, 1, "use 'not'"),
            ("x = 1\ny = $", 2, 5, "unexpected character '$'"),
            ("z = é", 1, 5, "unexpected character 'é'"),
            ("12abc", 1, 1, "malformed number"),
            (#""a\qb""#, 1, 3, "unknown escape"),
            (#""\u{zz}""#, 1, 2, "bad unicode escape"),
            (#""a {} b""#, 1, 4, "empty {}"),
            (#""a } b""#, 1, 4, "unmatched '}'"),
            (#""a {b""#, 1, 4, "unterminated {...}"),
        ]
        for (source, line, column, message) in cases {
            guard let e = scriptError(source) else { XCTFail("no error for \(source)"); continue }
            XCTAssertEqual(e.kind, .syntax, source)
            XCTAssertTrue(e.message.contains(message), "\(source): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.line }, line, "\(source): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.column }, column, "\(source): \(e.message)")
        }
    }
}
