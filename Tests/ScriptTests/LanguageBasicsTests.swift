import XCTest
import Script

/// What a researcher reaches for in the first hour (issue 20, item 11): membership, list and
/// string helpers, pairwise min/max, elementwise == on tensors, masks, and `a, b` at the prompt.
final class LanguageBasicsTests: XCTestCase {
    func testMembership() throws {
        XCTAssertEqual(try show("[2 in [1, 2, 3], 5 in [1, 2], \"b\" in [\"a\", \"b\"], [1] in [[1], 2]]"), "[true, false, true, true]")
        XCTAssertEqual(try show("[\"red\" in \"a red square\", \"blue\" in \"a red square\", \"\" in \"x\"]"), "[true, false, true]")
        XCTAssertEqual(try show("[\"x\" in {x: 1}, \"y\" in {x: 1}]"), "[true, false]")
        XCTAssertEqual(try show("[4 in range(0, 10, 2), 5 in range(0, 10, 2), 10 in range(0, 10, 2), 2 in range(10, 0, -2), 0 in range(10, 0, -2)]"),
                       "[true, false, false, true, false]")
        XCTAssertEqual(try show("[2 in tensor([1, 2]), 0.1 in tensor([0.1]), 3 in tensor([[1, 2], [4, 5]])]"), "[true, true, false]")
        XCTAssertEqual(try show("[3 not in [1, 2], \"a\" not in \"abc\"]"), "[true, false]")
        // `not x in xs` reads as not (x in xs), as in Python.
        XCTAssertEqual(try show("not 3 in [3]"), "false")
        XCTAssertEqual(scriptError("1 in \"abc\"")?.message, "'in' on a string looks for a string, got a number")
        XCTAssertEqual(scriptError("1 in 5")?.message, "'in' needs a list, string, record, range or tensor on its right, got a number")
        let e = scriptError("x = 1\ny = x in {a: 2} + 1")
        XCTAssertEqual(e?.span?.location.line, 2)
    }

    func testListHelpers() throws {
        XCTAssertEqual(try show("sorted([3, 1, 2])"), "[1, 2, 3]")
        XCTAssertEqual(try show("sorted([\"b\", \"a\", \"c\"], reverse: true)"), "[\"c\", \"b\", \"a\"]")
        // Stable in both directions: equal keys keep their order.
        XCTAssertEqual(try show("sorted([\"bb\", \"a\", \"cc\", \"d\"], key: len)"), "[\"a\", \"d\", \"bb\", \"cc\"]")
        XCTAssertEqual(try show("sorted([\"bb\", \"a\", \"cc\", \"d\"], key: len, reverse: true)"), "[\"bb\", \"cc\", \"a\", \"d\"]")
        XCTAssertEqual(try show("sorted([[2, \"b\"], [1, \"z\"], [2, \"a\"]])"), "[[1, \"z\"], [2, \"a\"], [2, \"b\"]]")
        XCTAssertEqual(try show("sorted(tensor([0.5, -1, 2]))"), "[-1, 0.5, 2]")
        XCTAssertEqual(scriptError("sorted([1, \"a\"])")?.message, "sorted: cannot order a number and a string")
        XCTAssertEqual(try show("map(fn(x) = x * 2, [1, 2, 3])"), "[2, 4, 6]")
        XCTAssertEqual(try show("map(str, range(3))"), "[\"0\", \"1\", \"2\"]")
        XCTAssertEqual(try show("filter(fn(c) = \"red\" in c, [\"a red square\", \"a blue circle\", \"red\"])"), "[\"a red square\", \"red\"]")
        XCTAssertEqual(try show("zip([1, 2, 3], [\"a\", \"b\"])"), "[[1, \"a\"], [2, \"b\"]]")
        XCTAssertEqual(try show("zip()"), "[]")
        XCTAssertEqual(try show("enumerate([\"a\", \"b\"])"), "[[0, \"a\"], [1, \"b\"]]")
        XCTAssertEqual(try show("enumerate(\"ab\", start: 1)"), "[[1, \"a\"], [2, \"b\"]]")
        XCTAssertEqual(try show("list(range(3))"), "[0, 1, 2]")
        XCTAssertEqual(try show("reversed([1, 2, 3])"), "[3, 2, 1]")
        XCTAssertEqual(try show("[all([1, true, \"x\"]), all([1, 0]), all([]), any([0, none, 2]), any([])]"), "[true, false, true, true, false]")
        XCTAssertEqual(try show("[int(2.7), int(-2.7), int(\"12\"), int(true), int(tensor([3.9]))]"), "[2, -2, 12, 1, 3]")
        XCTAssertEqual(scriptError("int(\"3.5\")")?.message, "int: \"3.5\" is not a whole number (int(num(\"3.5\")) reads it and drops the fraction)")
        XCTAssertEqual(scriptError("map(1, [1])")?.message, "map: 'f' must be a function, got number (1)")
        let bad = scriptError("map(fn(x) = x + \"a\", [1])")
        XCTAssertEqual(bad?.message, "cannot add a string and a number: write \"...{x}...\" or str(x)")
        XCTAssertEqual(bad?.trace.count, 1)
    }

    func testStringHelpers() throws {
        XCTAssertEqual(try show("split(\"a red  square\")"), "[\"a\", \"red\", \"square\"]")
        XCTAssertEqual(try show("split(\"a,b,,c\", \",\")"), "[\"a\", \"b\", \"\", \"c\"]")
        XCTAssertEqual(try show("join([\"a\", \"b\", 3], \"-\")"), "\"a-b-3\"")
        XCTAssertEqual(try show("join(split(\"x y\"))"), "\"x y\"")
        XCTAssertEqual(try show("replace(\"a red square left of a red circle\", \"red\", \"blue\")"), "\"a blue square left of a blue circle\"")
        XCTAssertEqual(try show("[lower(\"A Red\"), upper(\"a\"), strip(\"  x \\n\")]"), "[\"a red\", \"A\", \"x\"]")
        XCTAssertEqual(try show("[startswith(\"abc\", \"ab\"), endswith(\"abc\", \"b\")]"), "[true, false]")
        XCTAssertEqual(scriptError("split(\"ab\", \"\")")?.message, "split: sep cannot be empty (list(s) gives the characters)")
        // A caption perturbation written by hand: swap the two colour words.
        XCTAssertEqual(try show("""
            fn swap(c, a, b) = join(map(fn(w) { if w == a { return b } else if w == b { return a } else { return w } }, split(c)))
            swap("a red square left of a blue circle", "red", "blue")
            """), "\"a blue square left of a red circle\"")
    }

    func testMinMaxOfTwoNumbers() throws {
        XCTAssertEqual(try show("[max(3, 4), min(3, 4), max(-1, -2), min(2.5, 1)]"), "[4, 3, -1, 1]")
        // On a tensor or a list the second argument is still the axis.
        XCTAssertEqual(try show("max(tensor([[1, 5], [7, 2]]), 0)"), "tensor [2] [7, 5]")
        XCTAssertEqual(try show("max([1, 5, 2])"), "5")
    }

    func testElementwiseEqualityAndMasks() throws {
        XCTAssertEqual(try show("tensor([1, 2, 3]) == 2"), "tensor [3] [0, 1, 0]")
        XCTAssertEqual(try show("tensor([1, 2]) != tensor([1, 5])"), "tensor [2] [0, 1]")
        XCTAssertEqual(try show("all(tensor([1, 2]) == [1, 2])"), "true")
        XCTAssertEqual(try show("[1, 2] == [1, 2]"), "true")
        XCTAssertEqual(try show("x = tensor([1, 5, 2, 7]); x[x > 2]"), "tensor [2] [5, 7]")
        XCTAssertEqual(try show("x = tensor([[1, 5], [2, 7]]); x[x > 2]"), "tensor [2] [5, 7]")
        // A mask over the leading axis picks rows.
        XCTAssertEqual(try show("x = tensor([[1, 5], [2, 7], [3, 3]]); x[x[:, 0] != 2]"), "tensor [2,2]\n[[1, 5],\n [3, 3]]")
        XCTAssertEqual(try show("x = tensor([1, 5, 2]); x[x > 9]"), "tensor [0] []")
        XCTAssertEqual(try show("x = tensor([1, 5, 2, 7]); x[x > 2] = 0; x"), "tensor [4] [1, 0, 2, 0]")
        XCTAssertEqual(try show("caps = [\"a\", \"b\", \"c\"]; caps[tensor([1, 0, 1])]"), "[\"a\", \"c\"]")
        // A one-element tensor is still a position.
        XCTAssertEqual(try show("[10, 20, 30][argmax(tensor([0, 9, 1]), axis: 0)]"), "20")
        XCTAssertEqual(scriptError("x = tensor([1, 2]); x[tensor([1, 0, 1])]")?.message,
                       "a tensor index is a mask of 0s and 1s shaped like the tensor's leading axes [2] (as x > 2 gives), or one whole number; got a tensor of shape [3]")
        XCTAssertEqual(scriptError("x = ones(2, 2); x[x > 0, 0]")?.message, "a mask indexes on its own, x[mask]; it cannot be combined with other indices")
    }

    func testTupleAtThePrompt() throws {
        XCTAssertEqual(try show("s = {scores: [-5.853, -5.811], best: 1}\ns.scores, s.best"), "([-5.853, -5.811], 1)")
        XCTAssertEqual(try show("1,"), "(1,)")
        XCTAssertEqual(try show("t = tensor([1, 2]); t, len(t)"), "(tensor [2] [1, 2], 2)")
        XCTAssertEqual(try show("x = 1\nx, \"a\"\n"), "(1, \"a\")")
        let run = Run()
        try run("s = {a: 1}\ns.a, 2")
        XCTAssertEqual(try show("p = 3\np, p + 1"), "(3, 4)")
        XCTAssertEqual(try printed("for i in range(2) { i, i * 10 }\nprint(\"done\")"), "done\n")
        XCTAssertEqual(scriptError("a, b = 1, 2")?.message, "cannot assign to 'a, b': there is no unpacking; assign each name on its own line, or build a list [a, b]")
        XCTAssertEqual(scriptError("x = 1, 2")?.message, "'=' takes one value: to keep several, make a list [a, b]")
    }

    func testTupleIndexesLikeAList() throws {
        let run = Run()
        guard let t = try run("3, \"a\", [1]") else { return XCTFail("no value") }
        run.interpreter.setVariable("ans", t)
        XCTAssertEqual(run.interpreter.printer.display(try XCTUnwrap(try run("ans[1]"))), "\"a\"")
        XCTAssertEqual(run.interpreter.printer.display(try XCTUnwrap(try run("ans[-1]"))), "[1]")
        XCTAssertEqual(run.interpreter.printer.display(try XCTUnwrap(try run("len(ans)"))), "3")
        XCTAssertEqual(run.interpreter.printer.display(try XCTUnwrap(try run("ans[0:2]"))), "(3, \"a\")")
        XCTAssertEqual(run.interpreter.printer.display(try XCTUnwrap(try run("list(ans)"))), "[3, \"a\", [1]]")
    }
}
