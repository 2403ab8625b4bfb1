import Foundation
import XCTest
import Script

/// The documentation runs as written (issue 20, items 6 and 7): every `sn>` session and every
/// ```sn block of README.md and docs/language.md runs, and where the output is shown (the lines
/// after an input, or a ```text block right after a ```sn block) it must be what is printed.
/// Reports under examples/ are checked by regenerating them (ExampleScriptTests).
///
/// A block that would take too long may be preceded by a visible comment naming substitutions
/// for CI, e.g. `<!-- quick: "steps: 100" -> "steps: 2", "count: 2000" -> "count: 8" -->`; each
/// must change the block, and an input changed by one cannot have its output shown.
final class MarkdownDocTests: XCTestCase {
    struct Block {
        let info: String
        let lines: [String]
        /// 1-based line of the opening fence.
        let line: Int
        let quick: [(String, String)]
    }

    /// Fenced blocks in order, with the quick-mode substitutions of the comment just above each.
    static func blocks(_ text: String) -> [Block] {
        let lines = text.components(separatedBy: "\n")
        var out: [Block] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard line.hasPrefix("```") else { i += 1; continue }
            let info = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
            var body: [String] = []
            var j = i + 1
            while j < lines.count && !lines[j].hasPrefix("```") { body.append(lines[j]); j += 1 }
            let above = lines[..<i].last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            var quick: [(String, String)] = []
            if above.hasPrefix("<!-- quick:"), let pattern = try? NSRegularExpression(pattern: #""([^"]*)"\s*->\s*"([^"]*)""#) {
                let ns = above as NSString
                for m in pattern.matches(in: above, range: NSRange(location: 0, length: ns.length)) {
                    quick.append((ns.substring(with: m.range(at: 1)), ns.substring(with: m.range(at: 2))))
                }
            }
            out.append(Block(info: info, lines: body, line: i + 1, quick: quick))
            i = j + 1
        }
        return out
    }

    /// One prompt input and the output shown under it.
    struct Input {
        var code: String
        var line: Int
        var shown: [String] = []
    }

    /// `sn> ` starts an input, `... ` continues it, other lines are its output; a leading `$ sn`
    /// line is the shell command that opened the prompt.
    static func session(_ block: Block) -> [Input] {
        var inputs: [Input] = []
        for (k, line) in block.lines.enumerated() {
            if line.hasPrefix("sn> ") {
                inputs.append(Input(code: String(line.dropFirst(4)), line: block.line + 1 + k))
            } else if line.hasPrefix("... "), !inputs.isEmpty {
                inputs[inputs.count - 1].code += "\n" + line.dropFirst(4)
            } else if line.hasPrefix("$ ") && inputs.isEmpty {
                continue
            } else if !inputs.isEmpty {
                inputs[inputs.count - 1].shown.append(line)
            }
        }
        // Blank lines at the end of a block are layout, not output.
        for k in inputs.indices { while inputs[k].shown.last?.isEmpty == true { inputs[k].shown.removeLast() } }
        return inputs
    }

    /// Applies a block's substitutions to one piece of code; says which ones matched.
    static func substitute(_ code: String, _ quick: [(String, String)], used: inout Set<Int>) -> String {
        var out = code
        for (k, (from, to)) in quick.enumerated() where out.contains(from) {
            out = out.replacingOccurrences(of: from, with: to)
            used.insert(k)
        }
        return out
    }

    /// Runs in a scratch folder where `examples` leads to the repository's examples, so the
    /// documents' relative paths work and the files they write land outside the repository.
    func inScratchFolder(_ body: () throws -> Void) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sn-doctest-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.appendingPathComponent("examples"),
                                                   withDestinationURL: packageRoot.appendingPathComponent("examples"))
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(scratch.path)
        defer {
            FileManager.default.changeCurrentDirectoryPath(previous)
            try? FileManager.default.removeItem(at: scratch)
        }
        try body()
    }

    /// Runs every prompt session and ```sn block of one Markdown file; returns how many inputs ran.
    @discardableResult
    func check(_ document: String) throws -> Int {
        let text = try String(contentsOf: packageRoot.appendingPathComponent(document), encoding: .utf8)
        let blocks = Self.blocks(text)
        var ran = 0
        try inScratchFolder {
            for (n, block) in blocks.enumerated() {
                var used = Set<Int>()
                let isSession = block.lines.contains { $0.hasPrefix("sn> ") }
                if isSession {
                    let run = Run()
                    run.interpreter.width = 80
                    for input in Self.session(block) {
                        let code = Self.substitute(input.code, block.quick, used: &used)
                        let before = run.printed.count
                        let where_ = "\(document):\(input.line)"
                        do {
                            if let value = try run(code, file: document), !isNone(value) {
                                run.interpreter.setVariable("ans", value)
                                run.interpreter.output(run.interpreter.printer.display(value) + "\n")
                            }
                        } catch let e as ScriptError {
                            XCTFail("\(where_): `\(input.code)` failed:\n\(e.rendered())")
                            break
                        }
                        ran += 1
                        guard !input.shown.isEmpty else { continue }
                        XCTAssertEqual(code, input.code, "\(where_): output is shown for an input changed for quick mode")
                        let printed = String(run.printed.dropFirst(before))
                        XCTAssertEqual(printed, input.shown.joined(separator: "\n") + "\n", "\(where_): `\(input.code)` printed something else")
                    }
                } else if block.info == "sn" {
                    let run = Run()
                    run.interpreter.width = 80
                    let code = Self.substitute(block.lines.joined(separator: "\n"), block.quick, used: &used)
                    do {
                        try run(code, file: document)
                        ran += 1
                    } catch let e as ScriptError {
                        XCTFail("\(document):\(block.line): the sn block failed:\n\(e.rendered())")
                        continue
                    }
                    // A ```text block right after shows what it prints.
                    if n + 1 < blocks.count, blocks[n + 1].info == "text", blocks[n + 1].line == block.line + block.lines.count + 3 {
                        XCTAssertEqual(code, block.lines.joined(separator: "\n"), "\(document):\(block.line): output is shown for a block changed for quick mode")
                        XCTAssertEqual(run.printed, blocks[n + 1].lines.joined(separator: "\n") + "\n", "\(document):\(block.line): the sn block printed something else")
                    }
                }
                for k in block.quick.indices where !used.contains(k) {
                    XCTFail("\(document):\(block.line): the quick substitution \"\(block.quick[k].0)\" changes nothing in the block")
                }
            }
        }
        return ran
    }

    func isNone(_ v: Value) -> Bool { if case .none = v { return true } else { return false } }

    func testReadmeRunsAsWritten() throws {
        let ran = try check("README.md")
        XCTAssertGreaterThanOrEqual(ran, 5, "the README's prompt session")
    }

    func testLanguageReferenceExamplesRun() throws {
        XCTAssertGreaterThanOrEqual(try check("docs/language.md"), 1)
    }

    /// The builtin half of docs/language.md is generated from the registry; a builtin added,
    /// renamed or re-documented without regenerating it fails here.
    func testLanguageReferenceIsCurrent() throws {
        let path = packageRoot.appendingPathComponent("docs/language.md")
        let text = try String(contentsOf: path, encoding: .utf8)
        XCTAssertEqual(try BuiltinReference.updated(text), text, "docs/language.md is stale: run `sn --doc-builtins docs/language.md`")
        let names = BuiltinRegistry.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "builtin names repeat: \(names.filter { n in names.filter { $0 == n }.count > 1 })")
        for name in names { XCTAssertTrue(text.contains("<a id=\"builtin-\(name)\"></a>\n#### \(name)\n"), "\(name) is missing from docs/language.md") }
    }

    func testTheParsersFindInputsOutputsAndSubstitutions() {
        let doc = """
            text
            <!-- quick: "steps: 100" -> "steps: 2", "n: 5" -> "n: 1" -->
            ```
            $ sn
            sn> x = 1
            sn> [x,
            ...  2]
            [1, 2]

            ```

            ```sn
            print(1)
            ```

            ```text
            1
            ```
            """
        let blocks = Self.blocks(doc)
        XCTAssertEqual(blocks.map(\.info), ["", "sn", "text"])
        XCTAssertEqual(blocks.map(\.line), [3, 12, 16])
        XCTAssertEqual(blocks[0].quick.map { "\($0.0)=>\($0.1)" }, ["steps: 100=>steps: 2", "n: 5=>n: 1"])
        let inputs = Self.session(blocks[0])
        XCTAssertEqual(inputs.map(\.code), ["x = 1", "[x,\n 2]"])
        XCTAssertEqual(inputs.map(\.shown), [[], ["[1, 2]"]])
        XCTAssertEqual(inputs.map(\.line), [5, 6])
        var used = Set<Int>()
        XCTAssertEqual(Self.substitute("f(steps: 100)", blocks[0].quick, used: &used), "f(steps: 2)")
        XCTAssertEqual(used, [0])
    }
}
