import XCTest
import Script
import Tensors
import Foundation

final class InterpreterTests: XCTestCase {
    func testArithmeticAndNumberPrinting() throws {
        XCTAssertEqual(try show("1 + 2 * 3"), "7")
        XCTAssertEqual(try show("5 / 2"), "2.5")
        XCTAssertEqual(try show("2 ^ 0.5"), "1.4142135623730951")
        XCTAssertEqual(try show("-7 % 3"), "2")      // Python's floored remainder
        XCTAssertEqual(try show("7 % -3"), "-2")
        XCTAssertEqual(try show("0.1 + 0.2"), "0.30000000000000004")
        XCTAssertEqual(try show("1 / 0"), "inf")
        XCTAssertEqual(try show("1e300 * 1e10"), "inf")
        XCTAssertEqual(try show("\"ab\" * 3"), "\"ababab\"")
        XCTAssertEqual(try show("[1] + [2, 3]"), "[1, 2, 3]")
    }

    func testAssignmentUpdatesTheNearestEnclosingVariable() throws {
        XCTAssertEqual(try printed("""
            total = 0
            fn add(x) { total = total + x }
            add(2); add(3)
            print(total)
            fn fresh() { local = 1; return local }
            fresh()
            print(type(fresh()))
            """), "5\nnumber\n")
        // A variable first assigned inside a function stays local to that call.
        XCTAssertTrue(scriptError("fn f() { inner = 1 }\nf()\nprint(inner)")?.message.contains("no variable or function named 'inner'") ?? false)
    }

    func testClosuresKeepStateAndAreIndependent() throws {
        XCTAssertEqual(try printed("""
            fn counter(start: 0) {
                n = start
                return fn() { n += 1; return n }
            }
            a = counter(); b = counter(start: 10)
            a(); a()
            print(a(), b(), a())
            """), "3 11 4\n")
    }

    func testListsAndRecordsAreValues() throws {
        XCTAssertEqual(try printed("""
            a = [1, 2]; b = a; b[0] = 9
            r = {x: {y: [1, 2]}}; s = r; s.x.y[1] = 7
            print(a, b, r.x.y, s.x.y)
            """), "[1, 2] [9, 2] [1, 2] [1, 7]\n")
    }

    func testDefaultsKeywordsAndRecursion() throws {
        XCTAssertEqual(try printed("""
            fn f(a, b: 10, c: a + 1) = [a, b, c]
            print(f(1), f(1, 2), f(1, c: 0), f(a: 5))
            fn fact2(n) { if n <= 1 { return 1 } else { return n * fact2(n - 1) } }
            print(fact2(10))
            """), "[1, 10, 2] [1, 2, 2] [1, 10, 0] [5, 10, 6]\n3628800\n")
    }

    func testControlFlowValues() throws {
        XCTAssertEqual(try printed("""
            out = []
            for i in range(2, 12, 3) { out = out + [i] }
            for ch in "ab" { out = out + [ch] }
            for k in {p: 1, q: 2} { out = out + [k] }
            for row in tensor([[1, 2], [3, 4]]) { out = out + [sum(row)] }
            i = 0
            while true { i += 1; if i >= 4 { break } }
            print(out, i)
            """), "[2, 5, 8, 11, \"a\", \"b\", \"p\", \"q\", 3, 7] 4\n")
        XCTAssertEqual(try show("fn sign(x) { if x > 0 { 1 } else if x < 0 { -1 } else { 0 } }\n[sign(3), sign(-2), sign(0)]"), "[1, -1, 0]")
    }

    func testInterpolationUsesPrintForms() throws {
        XCTAssertEqual(try show("x = 2.5; s = \"x\"; \"{x} {s} {[s]} {x > 2} {none}\""), "\"2.5 x [\\\"x\\\"] true none\"")
    }

    func testTensorSemantics() throws {
        XCTAssertEqual(try show("sum(tensor([[1, 2], [3, 4]]))"), "10")
        XCTAssertEqual(try show("type(max(abs(tensor([1, -5]) - 1)))"), "\"number\"")
        XCTAssertEqual(try show("t = arange(12); t = reshape(t, 3, 4); t[1:, ::2]"), "tensor [2,2]\n[[ 4,  6],\n [ 8, 10]]")
        XCTAssertEqual(try show("t = reshape(arange(6), 2, 3); t[-1, -1]"), "5")
        XCTAssertEqual(try show("t = reshape(arange(6), 2, 3); t[:, ::-1]"), "tensor [2,3]\n[[2, 1, 0],\n [5, 4, 3]]")
        XCTAssertEqual(try show("tensor([1, 2, 3]) + tensor([[10], [20]])"), "tensor [2,3]\n[[11, 12, 13],\n [21, 22, 23]]")
        XCTAssertEqual(try show("tensor([1, 2]) < 2"), "tensor [2] [1, 0]")
        // == on tensors is elementwise, as < is; all(...) asks whether every element matches.
        XCTAssertEqual(try show("tensor([1, 2]) == tensor([1, 3])"), "tensor [2] [1, 0]")
        XCTAssertEqual(try show("all(tensor([1, 2]) == tensor([1, 2]))"), "true")
        XCTAssertEqual(try show("mean(tensor([[1, 2], [3, 5]]), axis: 0)"), "tensor [2] [2.0, 3.5]")
        XCTAssertEqual(try show("sum(tensor([[1, 2], [3, 5]]), axis: [0, 1], keepdims: true)"), "tensor [1,1] [[11]]")
        XCTAssertEqual(try show("argmax(tensor([[1, 9], [7, 3]]), axis: 1)"), "tensor [2] [1, 0]")
        XCTAssertEqual(try show("sum(tensor([0.1, 0.2]))"), "0.3")  // Float sum, shown as the Float reads
        XCTAssertEqual(try show("sum([0.1, 0.2])"), "0.30000000000000004")  // lists of numbers reduce in Double
    }

    func testSoftmaxMatchesTheFormula() throws {
        // softmax([1,2,3]) = exp(x - 3) / sum: 0.09003057, 0.24472847, 0.66524096 (hand computed).
        let run = Run()
        guard case .tensor(let p)? = try run("softmax(tensor([1, 2, 3]))") else { return XCTFail("not a tensor") }
        for (a, b) in zip(p.scalars, [0.09003057, 0.24472847, 0.66524096] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testRuntimeErrorsPointAtThePlace() {
        let cases: [(String, Int, Int, String)] = [
            ("img = 1\nprint(imgs)", 2, 7, "no variable or function named 'imgs' — did you mean 'img'?"),
            ("sum(tensor([1]), axs: 0)", 1, 18, "sum has no parameter 'axs' — did you mean 'axis'? (valid: x, axis, keepdims)"),
            ("sum(tensor([1]), axis: \"a\")", 1, 18, "sum: 'axis' must be an int or list of ints or none, got string"),
            ("zeros(2, \"x\")", 1, 7, "zeros: a shape is made of whole numbers"),
            ("reshape(ones(2, 3), 4, 2)", 1, 1, "reshape: shapes [2,3] and [4,2] do not fit together"),
            ("tensor([1, 2]) + tensor([1, 2, 3])", 1, 1, "shapes [2] and [3] do not fit together"),
            ("r = {a: 1}\nr.b", 2, 3, "the record has no field 'b' (fields: a)"),
            ("x = [1, 2]\nx[5]", 2, 1, "index 5 is out of range for a list of length 2"),
            ("t = zeros(2, 3)\nt[0, 3]", 2, 1, "index 3 is out of range for axis 1 of size 3"),
            ("fn f(a) = a\nf(1, 2)", 2, 6, "f takes 1 argument, got 2"),
            ("fn f(a) = a\nf(b: 1)", 2, 3, "f has no parameter 'b'"),
            ("fn f(a) = a\nf()", 2, 1, "f needs a value for 'a'"),
            ("len(3)", 1, 5, "len: a number has no length"),
            ("\"a\" + 1", 1, 1, "cannot add a string and a number"),
            ("if tensor([1, 2]) { }", 1, 4, "neither true nor false"),
            ("3(1)", 1, 1, "a number cannot be called"),
            ("x = 1\nx.y = 2", 2, 3, "cannot set field 'y' of a number"),
            ("help(\"summ\")", 1, 6, "no builtin named 'summ' — did you mean 'sum'?"),
            ("run(\"does-not-exist.sn\")", 1, 1, "cannot read script 'does-not-exist.sn': No such file or directory"),
            ("range(1, 2, 0)", 1, 13, "step cannot be 0"),
        ]
        for (source, line, column, message) in cases {
            guard let e = scriptError(source) else { XCTFail("no error for \(source)"); continue }
            XCTAssertEqual(e.kind, .runtime, source)
            XCTAssertTrue(e.message.contains(message), "\(source): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.line }, line, "\(source): \(e.message)")
            XCTAssertEqual(e.span.map { $0.location.column }, column, "\(source): \(e.message)")
        }
    }

    func testErrorInsideAFunctionShowsTheCall() {
        let e = scriptError("fn inner(x) = x + \"s\"\nfn outer() = inner(1)\nouter()")
        XCTAssertEqual(e?.trace, ["in inner, called at test.sn:2:14", "in outer, called at test.sn:3:1"])
    }

    func testDeepRecursionIsAnErrorNotACrash() {
        let e = scriptError("fn down(n) = down(n + 1)\ndown(0)")
        XCTAssertTrue(e?.message.contains("too many nested calls (more than 2000)") ?? false, e?.message ?? "no error")
        let block = scriptError("fn down(n) { x = [n]; if true { return down(n + 1) } }\ndown(0)")
        XCTAssertTrue(block?.message.contains("too many nested calls") ?? false)
        // Mutual recursion through a builtin boundary (help -> ... ) stays bounded too.
        let mutual = scriptError("fn a(n) = b(n)\nfn b(n) = a(n)\na(1)")
        XCTAssertTrue(mutual?.message.contains("too many nested calls") ?? false)
    }

    func testStepLimitStopsEndlessLoops() {
        var limits = Limits()
        limits.maxSteps = 1000
        XCTAssertTrue(scriptError("while true { }", limits: limits)?.message.contains("step limit") ?? false)
    }

    func testInterruptStopsARunningLoopAndLowersTheFlag() {
        Interrupt.clear()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { Interrupt.request() }
        let run = Run()
        var caught: ScriptError? = nil
        do { try run("i = 0\nwhile true { i += 1 }") } catch let e as ScriptError { caught = e } catch {}
        XCTAssertEqual(caught?.kind, .interrupted)
        XCTAssertEqual(caught?.span?.location.line, 2)
        XCTAssertFalse(Interrupt.isRequested)
        // The loop really ran before the interrupt arrived.
        if case .number(let i)? = run.interpreter.variable("i") { XCTAssertGreaterThan(i, 100) } else { XCTFail("no i") }
    }

    func testRunSharesTheSessionAndResolvesNextToTheScript() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-run-\(getpid())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("lib"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "fn twice(x) = 2 * x\nloaded = true\n".write(to: dir.appendingPathComponent("lib/util.sn"), atomically: true, encoding: .utf8)
        let main = dir.appendingPathComponent("main.sn").path
        let run = Run()
        try run("run(\"lib/util.sn\")\nprint(twice(21), loaded)", file: main)
        XCTAssertEqual(run.printed, "42 true\n")
    }

    func testHelpComesFromTheRegistry() throws {
        let text = try printed("help(sum)")
        XCTAssertTrue(text.hasPrefix("sum(x, axis: none, keepdims: false) -> number | tensor\n    Sum of the elements"), text)
        let index = try printed("help()")
        for name in ["print", "tensor", "softmax", "cat", "run", "help"] { XCTAssertTrue(index.contains(name), name) }
    }

    func testEveryBuiltinHasADocLineAndUniqueName() {
        let all = BuiltinRegistry.all
        XCTAssertEqual(Set(all.map(\.name)).count, all.count)
        for b in all { XCTAssertFalse(b.doc.isEmpty, b.name) }
        let required = ["tensor", "zeros", "ones", "randn", "arange", "load_tensors", "save_tensors", "image", "save_image", "reshape", "shape", "mean", "sum", "std", "min", "max", "argmax",
                        "softmax", "exp", "log", "sqrt", "abs", "cat", "stack", "print", "len", "range", "str", "type", "keys", "run", "help"]
        for name in required { XCTAssertNotNil(all.first { $0.name == name }, name) }
    }

    func testHostValuesAnswerMembers() throws {
        final class Model: HostValue {
            var typeName: String { "model" }
            var memberNames: [String] { ["unet", "config"] }
            func member(_ name: String) throws -> Value? { name == "config" ? .record(Record([("channels", .number(4))])) : nil }
            var description: String { "<model test>" }
        }
        let run = Run()
        run.interpreter.setVariable("m", .host(Model()))
        XCTAssertEqual(try run("m.config.channels").map { run.interpreter.printer.repr($0) }, "4")
        XCTAssertEqual(try run("[type(m), keys(m)]").map { run.interpreter.printer.repr($0) }, "[\"model\", [\"unet\", \"config\"]]")
        XCTAssertThrowsError(try run("m.unt")) { e in
            XCTAssertTrue((e as? ScriptError)?.message.contains("a model has no member 'unt' — did you mean 'unet'?") ?? false)
        }
    }
}
