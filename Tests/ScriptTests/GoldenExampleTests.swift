import Foundation
import XCTest
import Script

/// Every `examples/NAME.sn` with a committed `examples/expected/NAME.out` must print exactly that.
final class GoldenExampleTests: XCTestCase {
    func testExamplesMatchTheirExpectedOutput() throws {
        let examples = packageRoot.appendingPathComponent("examples")
        let expectedDir = examples.appendingPathComponent("expected")
        let names = try FileManager.default.contentsOfDirectory(atPath: expectedDir.path).filter { $0.hasSuffix(".out") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3)
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(packageRoot.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        for name in names {
            let stem = String(name.dropLast(4))
            let script = "examples/\(stem).sn"
            let expected = try String(contentsOf: expectedDir.appendingPathComponent(name), encoding: .utf8)
            let source = try String(contentsOfFile: script, encoding: .utf8)
            let run = Run()
            run.interpreter.width = 80
            do {
                try run(source, file: script)
            } catch let e as ScriptError {
                XCTFail("\(script) failed:\n\(e.rendered())")
                continue
            }
            XCTAssertEqual(run.printed, expected, script)
        }
    }
}
