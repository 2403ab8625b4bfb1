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
        XCTAssertEqual(Printer(width: 80).display(.tensor(t)),
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
}
