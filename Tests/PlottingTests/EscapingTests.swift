import Foundation
import XCTest
@testable import Plotting

/// User text reaches gnuplot only as string literals: it shows as typed and runs nothing.
final class EscapingTests: XCTestCase {
    func testTitleWithQuotesBackslashesAndNewlinesPlotsLiterally() throws {
        let dir = try ScratchDirectory()
        // A backslash before "n" must stay a backslash and an "n"; the real newline breaks the line.
        let title = "He said \"stop\" at C:\\temp\\new 'x'\nsecond line {a}^2_b @macro $var"
        let figure = Figure.plot([Series(y: squares(), label: "it's \"q\" \\ end")], title: title,
                                 xlabel: "x \\\" y", ylabel: "tab\there")
        try Gnuplot().save(figure, to: dir.file("t.svg"))
        let texts = try SVGDocument(path: dir.file("t.svg")).texts
        XCTAssertTrue(texts.contains("He said \"stop\" at C:\\temp\\new 'x'"), "\(texts)")
        XCTAssertTrue(texts.contains("second line {a}^2_b @macro $var"), "\(texts)")
        XCTAssertTrue(texts.contains("it's \"q\" \\ end"), "\(texts)")
        XCTAssertTrue(texts.contains("x \\\" y"), "\(texts)")
    }

    func testTextCannotRunCommandsOrShellCode() throws {
        let dir = try ScratchDirectory()
        let evil = dir.file("evil.txt")
        let pwned = dir.file("pwned")
        // gnuplot runs backquoted shell commands even inside double quotes, and a newline
        // would end the command: both must arrive as plain characters.
        let title = "a `touch \(pwned)` b"
        let label = "x\"\nset output \"\(evil)\"\nplot 1 title \"y"
        let figure = Figure.plot([Series(y: squares(), label: label)], title: title, xlabel: "\(label)`touch \(pwned)`")
        try Gnuplot().save(figure, to: dir.file("t.svg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwned), "backquoted shell command ran")
        XCTAssertFalse(FileManager.default.fileExists(atPath: evil), "a newline started a new gnuplot command")
        let texts = try SVGDocument(path: dir.file("t.svg")).texts
        XCTAssertTrue(texts.contains("a `touch \(pwned)` b"), "\(texts)")
        XCTAssertTrue(texts.contains("set output \"\(evil)\""), "\(texts)")
    }

    func testFileNamesAreQuotedToo() throws {
        let dir = try ScratchDirectory()
        let sub = dir.file("we\"ird `dir` \\ name")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        try Gnuplot().save(Figure.plot([Series(y: squares())]), to: "\(sub)/a \"b\".png")
        _ = try pngSize("\(sub)/a \"b\".png")
    }

    func testQuotedLiteralForm() {
        XCTAssertEqual(GnuplotString.quoted("a\"b\\c`d\ne\tf\r"), #""a\"b\\c\140d\ne\tf""#)
        // Control characters that XML cannot hold become the replacement character.
        XCTAssertEqual(GnuplotString.quoted("bell\u{7}"), "\"bell\u{FFFD}\"")
    }
}
