import Foundation
import XCTest
import Script

/// Feeds the scanner, parser and interpreter 100,000 generated and mutated inputs: truncated
/// scripts, spliced scripts, random bytes and tokens, deep nesting. Nothing may crash or hang;
/// every failure must be a ScriptError pointing inside its input.
final class RobustnessTests: XCTestCase {
    /// SplitMix64: a fixed seed makes every run feed the same inputs.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
        mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
    }

    static let vocabulary = [
        "fn", "if", "else", "for", "in", "while", "break", "continue", "return", "and", "or", "not", "true", "false", "none",
        "x", "y", "f", "t", "r", "xs", "sum", "tensor", "zeros", "reshape", "print", "len", "range", "softmax", "max", "cat",
        "+", "-", "*", "/", "%", "^", "@", "==", "!=", "<", "<=", ">", ">=", "=", "+=", "(", ")", "[", "]", "{", "}", ",",
        ":", ".", ";", "\n", " ", "0", "1", "-1", "2.5", "1e9", "1e-9", "\"s\"", "\"a{x}b\"", "\"{\"", "#", "\\", "'", "\"",
        "é", "\u{0}", "fn(a) = a", "[1, 2]", "{a: 1}", "t[0, 1:2]", "x[::-1]", "r.a", "f(1, b: 2)",
    ]

    static let snippets = [
        "x = 1\ny = x + 2 * 3\nprint(y)",
        "fn f(a, b: 2) { if a > b { return a } else { return b } }\nprint(f(1), f(5, b: 3))",
        "t = reshape(arange(12), 3, 4)\nprint(t[1:, ::2], sum(t, axis: 0), t @ transpose(t))",
        "xs = [1, 2, 3]\nfor x in xs { if x == 2 { continue }; print(x) }",
        "r = {a: {b: [1, 2]}}\nr.a.b[0] = 5\nr[\"c\"] = \"{r.a}\"\nprint(r)",
        "fn counter() { n = 0; return fn() { n += 1; return n } }\nc = counter()\nc(); print(c())",
        "i = 0\nwhile i < 10 { i += 1; if i > 5 { break } }",
        "p = softmax(tensor([[1, 2], [3, 4]]), axis: 0)\nprint(max(p), argmax(p, axis: 1), std(p))",
        "s = \"abc\"\nprint(s[1:], s[-1], len(s), str(3.5) + s, s * 2)",
        "fn fib(n) = n < 2 and n or fib(n - 1) + fib(n - 2)\nfib(5)",
        "a = ones(2, 3) * 2 - zeros(2, 3) / 3\nb = cat([a, a], axis: 1)\nprint(stack([b, b]).shape, exp(a), log(a), sqrt(a), abs(-a))",
    ]

    func testHundredThousandGeneratedAndMutatedInputsNeitherCrashNorHang() throws {
        var corpus = Self.snippets
        let examples = packageRoot.appendingPathComponent("examples")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? [] where name.hasSuffix(".sn") {
            if let text = try? String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8) {
                // run() would read files; the fuzzer only mutates the text.
                corpus.append(text.replacingOccurrences(of: "run(", with: "len("))
            }
        }
        var limits = Limits()
        limits.maxSteps = 3_000
        limits.maxElements = 50_000
        limits.maxCallDepth = 150
        // Pure builtins only: no files read or written, whatever the mutation produces.
        let safe = BuiltinRegistry.areas.filter { $0.name == "core" || $0.name == "tensors" }.flatMap(\.builtins).filter { $0.name != "run" }

        var g = Generator(state: 0x5EED_0F_5EED)
        var counts = (ok: 0, syntax: 0, runtime: 0)
        let total = 100_000
        let started = Date()
        try LargeStack.run {
            for i in 0..<total {
                let input = Self.input(number: i, corpus: corpus, &g)
                let interpreter = Interpreter(builtins: safe, output: { _ in })
                interpreter.limits = limits
                let t0 = Date()
                do {
                    try interpreter.run(input, file: "fuzz.sn")
                    counts.ok += 1
                } catch let e as ScriptError {
                    if e.kind == .syntax { counts.syntax += 1 } else { counts.runtime += 1 }
                    if let span = e.span {
                        XCTAssertLessThanOrEqual(span.end, span.file.bytes.count + 1, "span outside input #\(i)")
                        if span.file.name == "fuzz.sn" { _ = e.rendered() }
                    }
                } catch {
                    XCTFail("input #\(i) threw a non-script error \(error): \(input.debugDescription.prefix(300))")
                }
                let elapsed = Date().timeIntervalSince(t0)
                if elapsed > 2 { XCTFail("input #\(i) took \(elapsed) s: \(input.debugDescription.prefix(300))") }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("robustness: \(total) inputs in \(String(format: "%.1f", seconds)) s: \(counts.ok) ran, \(counts.syntax) syntax errors, \(counts.runtime) runtime errors")
        // The mix must exercise all three outcomes, or the generator has gone stale.
        XCTAssertGreaterThan(counts.ok, total / 50)
        XCTAssertGreaterThan(counts.syntax, total / 10)
        XCTAssertGreaterThan(counts.runtime, total / 50)
    }

    static func input(number i: Int, corpus: [String], _ g: inout Generator) -> String {
        let base = Array(g.pick(corpus).utf8)
        func span() -> Range<Int> {
            let a = g.below(base.count + 1), b = g.below(base.count + 1)
            return min(a, b)..<max(a, b)
        }
        switch i % 10 {
        case 0: // truncated
            return String(decoding: base.prefix(g.below(base.count + 1)), as: UTF8.self)
        case 1: // a piece cut out
            var b = base; b.removeSubrange(span()); return String(decoding: b, as: UTF8.self)
        case 2, 3: // tokens inserted
            var text = String(decoding: base, as: UTF8.self)
            for _ in 0..<(1 + g.below(4)) {
                let pos = text.utf8.index(text.utf8.startIndex, offsetBy: g.below(text.utf8.count + 1))
                let at = pos.samePosition(in: text) ?? text.endIndex
                text.insert(contentsOf: " " + g.pick(vocabulary) + " ", at: at)
            }
            return text
        case 4: // a piece duplicated
            var b = base; let s = span(); b.insert(contentsOf: base[s], at: g.below(b.count + 1)); return String(decoding: b, as: UTF8.self)
        case 5: // bytes replaced, any value
            var b = base
            for _ in 0..<(1 + g.below(5)) where !b.isEmpty { b[g.below(b.count)] = UInt8(truncatingIfNeeded: g.next()) }
            return String(decoding: b, as: UTF8.self)
        case 6: // random bytes
            return String(decoding: (0..<g.below(120)).map { _ in UInt8(truncatingIfNeeded: g.next()) }, as: UTF8.self)
        case 7: // random token soup
            return (0..<g.below(60)).map { _ in g.pick(vocabulary) }.joined(separator: g.below(2) == 0 ? " " : "")
        case 8: // deep nesting of every bracket kind, sometimes closed
            let depth = 1 + g.below(i % 100 == 8 ? 20_000 : 600)
            let (open, close) = g.pick([("(", ")"), ("[", "]"), ("{a: ", "}"), ("f(", ")"), ("-", ""), ("not ", ""), ("\"{", "}\""),
                                        ("if x { ", " }"), ("fn g() { ", " }"), ("2 ^ ", ""), ("x.y", ""), ("1 + ", "")])
            return "x = 1\n" + String(repeating: open, count: depth) + "1" + (g.below(2) == 0 ? String(repeating: close, count: depth) : "")
        default: // two scripts spliced
            let other = Array(g.pick(corpus).utf8)
            return String(decoding: base.prefix(g.below(base.count + 1)) + other.suffix(g.below(other.count + 1)), as: UTF8.self)
        }
    }
}
