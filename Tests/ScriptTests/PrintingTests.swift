import XCTest
import Script
import Tensors

final class PrintingTests: XCTestCase {
    func testNumbersAreShortestRoundTrip() {
        let cases: [(Double, String)] = [
            (7, "7"), (-3, "-3"), (2.5, "2.5"), (0.1, "0.1"), (1.0 / 3, "0.3333333333333333"), (1e-5, "1e-5"),
            (1.5e20, "1.5e20"), (1e16, "1e16"), (123456789012, "123456789012"), (.infinity, "inf"), (-.infinity, "-inf"), (.nan, "nan"),
        ]
        for (d, text) in cases {
            XCTAssertEqual(Printer.formatNumber(d), text)
            if d.isFinite { XCTAssertEqual(Double(text), d, "\(text) must read back exactly") }
        }
    }

    func testNumbersFromFloatTensorsReadLikeTheFloat() {
        XCTAssertEqual(Convert.number(Float(0.1)), 0.1)
        XCTAssertEqual(Printer.formatNumber(Convert.number(Float(1) / 3)), "0.33333334")
    }

    func testTensorFormats() throws {
        let p = Printer(width: 80)
        XCTAssertEqual(p.display(.tensor(Tensor(3.5))), "tensor [] 3.5")
        XCTAssertEqual(p.display(.tensor(Tensor([1, 2, 3]))), "tensor [3] [1, 2, 3]")
        XCTAssertEqual(p.display(.tensor(Tensor([0.5, 1.25, -2]))), "tensor [3] [ 0.50,  1.25, -2.00]")
        XCTAssertEqual(p.display(.tensor(Tensor([1e-6, 1]))), "tensor [2] [1.0000e-06, 1.0000e+00]")
        XCTAssertEqual(p.display(.tensor(try Tensor(shape: [0, 2], scalars: []))), "tensor [0,2] [[]]")
        XCTAssertEqual(p.display(.tensor(Tensor([.nan, 1.5]))), "tensor [2] [nan, 1.5]")
        let cube = try Tensor(shape: [2, 2, 2], scalars: (0..<8).map(Float.init))
        XCTAssertEqual(p.display(.tensor(cube)), "tensor [2,2,2]\n[[[0, 1],\n  [2, 3]],\n\n [[4, 5],\n  [6, 7]]]")
    }

    func testWideRowsAreCutToTheTerminalWidth() throws {
        let row = Tensor((0..<100).map(Float.init))
        let narrow = Printer(width: 40).display(.tensor(row))
        XCTAssertEqual(narrow, "tensor [100]\n[ 0,  1,  2,  3, ..., 96, 97, 98, 99]")
        for line in narrow.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 40) }
        let wide = Printer(width: 500).display(.tensor(row))
        XCTAssertFalse(wide.contains("..."))
    }

    func testLargeTensorsShowTheirEdges() throws {
        let t = try Tensor(shape: [1000, 3], scalars: (0..<3000).map(Float.init))
        XCTAssertEqual(Printer(width: 80).str(.tensor(t)),
                       "tensor [1000,3]\n[[   0,    1,    2],\n [   3,    4,    5],\n [   6,    7,    8],\n ...,\n [2991, 2992, 2993],\n [2994, 2995, 2996],\n [2997, 2998, 2999]]")
    }

    func testContainers() {
        let p = Printer(width: 30)
        let r = Value.record(Record([("a", .number(1)), ("b c", .string("x\"y")), ("t", .tensor(Tensor([1, 2])))]))
        XCTAssertEqual(Printer(width: 80).repr(r), "{a: 1, \"b c\": \"x\\\"y\", t: tensor [2] [1, 2]}")
        XCTAssertEqual(p.repr(r), "{\n  a: 1,\n  \"b c\": \"x\\\"y\",\n  t: tensor [2] [1, 2],\n}")
        XCTAssertEqual(p.repr(.list([.tensor(Tensor.zeros([2, 3])), .none, .bool(true)])), "[<tensor [2,3]>, none, true]")
        XCTAssertEqual(p.str(.string("plain {x}")), "plain {x}")
        XCTAssertEqual(p.repr(.string("brace {x}\n")), "\"brace \\{x\\}\\n\"")
        XCTAssertEqual(p.repr(.range(IntRange(start: 0, end: 5, step: 1))), "range(0, 5)")
    }

    /// A long list of numbers or short strings flows across lines (as NumPy prints a long row),
    /// continuation lines under the first item; other items keep one per line.
    func testLongListsOfScalarsFlowAcrossLines() {
        let p = Printer(width: 30)
        let numbers = Value.list((0..<16).map { .number(Double($0 * 7)) })
        XCTAssertEqual(p.repr(numbers), """
            [0, 7, 14, 21, 28, 35, 42, 49,
             56, 63, 70, 77, 84, 91, 98,
             105]
            """)
        let nested = Value.record(Record([("ids", .list((0..<12).map { .string("n\($0)") }))]))
        XCTAssertEqual(p.repr(nested), """
            {
              ids: ["n0", "n1", "n2",
                    "n3", "n4", "n5",
                    "n6", "n7", "n8",
                    "n9", "n10", "n11"],
            }
            """)
        XCTAssertEqual(p.repr(.list([.number(1), .string("a")])), "[1, \"a\"]", "fits: one line")
        let records = Value.list((0..<2).map { _ in .record(Record([("alpha", .number(1)), ("beta", .number(2))])) })
        XCTAssertEqual(p.repr(records), "[\n  {alpha: 1, beta: 2},\n  {alpha: 1, beta: 2},\n]", "records: one per line")
    }

    /// Enough digits that two different values never read the same (NumPy shows each value's
    /// shortest round trip; here one format per tensor, at least 4 decimals, more when needed).
    func testDifferentValuesShowDifferentDigits() throws {
        let p = Printer(width: 80)
        XCTAssertEqual(p.display(.tensor(Tensor([-5.85312, -5.85314]))), "tensor [2] [-5.85312, -5.85314]")
        XCTAssertEqual(p.display(.tensor(Tensor([1, 1.0000001]))), "tensor [2] [1.0000000, 1.0000001]")
        XCTAssertEqual(p.display(.tensor(Tensor([0.25, 0.5]))), "tensor [2] [0.25, 0.50]", "no more digits than needed")
        XCTAssertEqual(p.display(.tensor(Tensor([1e-6, 1.00001e-6]))), "tensor [2] [1.00000e-06, 1.00001e-06]")
        XCTAssertEqual(p.repr(.record(Record([("scores", .tensor(Tensor([-5.85312, -5.85314])))]))), "{scores: tensor [2] [-5.85312, -5.85314]}")
    }

    /// Past a thousand values the echo is one line: shape, type, range and mean; print shows values.
    func testLargeTensorsEchoAsASummary() throws {
        let image = try Tensor(shape: [1, 3, 32, 32], scalars: (0..<3072).map { Float($0 % 4) / 4 })
        let p = Printer(width: 80)
        XCTAssertEqual(p.display(.tensor(image)), "tensor [1,3,32,32] float32  min 0  max 0.75  mean 0.375  (3072 values; print shows them)")
        XCTAssertTrue(p.str(.tensor(image)).hasPrefix("tensor [1,3,32,32]\n[[[[0.00, 0.25, 0.50, ..., 0.25, 0.50, 0.75],"), p.str(.tensor(image)))
        var holes = image.scalars
        holes[5] = .nan
        XCTAssertEqual(p.display(.tensor(try Tensor(shape: image.shape, scalars: holes))),
                       "tensor [1,3,32,32] float32  min 0  max 0.75  mean 0.3750407  1 nan  (3072 values; print shows them)")
        XCTAssertFalse(p.display(.tensor(Tensor.zeros([1000]))).contains("float32"), "a thousand values still show")
    }

    /// Help is wrapped to the width at spaces: no word is cut, continuation lines are indented.
    func testHelpWrapsAtWordsToTheWidth() throws {
        let interpreter = Interpreter()
        interpreter.width = 50
        for name in ["finetune", "itm", "evaluate", "imshow"] {
            let text = try CoreBuiltins.helpText(.string(name), interpreter)
            let original = try XCTUnwrap(interpreter.builtin(named: name)).help
            XCTAssertEqual(text.split(whereSeparator: { $0 == " " || $0 == "\n" }), original.split(whereSeparator: { $0 == " " || $0 == "\n" }),
                           "\(name): the same words in the same order")
            for line in text.split(separator: "\n") where line.contains(" ") && line.trimmingCharacters(in: .whitespaces).contains(" ") {
                XCTAssertLessThanOrEqual(line.count, 50, "\(name): \(line)")
            }
        }
        let signature = try CoreBuiltins.helpText(.string("finetune"), interpreter).split(separator: "\n")
        XCTAssertTrue(signature[0].hasPrefix("finetune(m, data, loss: \"softneg\","), String(signature[0]))
        XCTAssertTrue(signature[1].hasPrefix("         "), "continuation under the first parameter: \(signature[1])")
        let index = try CoreBuiltins.helpText(.none, interpreter)
        for line in index.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 50, String(line)) }
        XCTAssertTrue(index.contains("sigmoid"), "names are never cut")
    }

    func testWrap() {
        XCTAssertEqual(Printer.wrap("    one two three four", width: 14, hanging: 6), "    one two\n      three\n      four")
        XCTAssertEqual(Printer.wrap("short", width: 14, hanging: 6), "short")
        XCTAssertEqual(Printer.wrap("f(averyveryverylongword, b)", width: 10, hanging: 2), "f(averyveryverylongword,\n  b)")
    }
}
