import XCTest
@testable import Plotting

/// Pictures in the terminal keep their colours: ▀ half blocks with 24-bit or 256-colour escape
/// sequences, grey characters only without colour. The sequences are checked byte for byte on
/// images whose pixels are known.
final class TerminalColourTests: XCTestCase {
    let esc = "\u{1B}["

    /// 1 pixel wide, 2 tall: pure red over pure blue, one character.
    func redOverBlue() throws -> ImagePanel {
        try ImagePanel(width: 1, height: 2, rgb: [1, 0, 0, 0, 0, 1])
    }

    func testTrueColourHalfBlock() throws {
        XCTAssertEqual(TextImage.picture(try redOverBlue(), columns: 1, rows: 1, colours: .trueColour),
                       ["\(esc)38;2;255;0;0;48;2;0;0;255m▀\(esc)0m"])
    }

    func testPalette256HalfBlock() throws {
        // Red is cube entry 16 + 36*5 = 196, blue 16 + 5 = 21.
        XCTAssertEqual(TextImage.picture(try redOverBlue(), columns: 1, rows: 1, colours: .palette256),
                       ["\(esc)38;5;196;48;5;21m▀\(esc)0m"])
        XCTAssertEqual(TerminalColours.paletteIndex(RGB8(r: 0, g: 255, b: 0)), 46)
        XCTAssertEqual(TerminalColours.paletteIndex(RGB8(r: 128, g: 128, b: 128)), 244, "grey ramp: 8 + 10*12 = 128")
        XCTAssertEqual(TerminalColours.paletteIndex(RGB8(r: 255, g: 255, b: 255)), 231)
        XCTAssertEqual(TerminalColours.paletteIndex(RGB8(r: 0, g: 0, b: 0)), 16)
    }

    /// A green circle's pixel on the grey of a ShapesWorld background: the same brightness,
    /// so grey characters lose it; colour keeps it.
    func testGreenOnGreyStaysVisibleInColour() throws {
        let green = [0.0, 0.5, 0.0], grey = [0.293, 0.293, 0.293]
        let panel = try ImagePanel(width: 2, height: 2, rgb: grey + green + grey + green)
        let grey1 = TextImage.picture(panel, columns: 2, rows: 1, colours: .none)
        XCTAssertEqual(Set(grey1[0]).count, 1, "grey characters cannot tell them apart: \(grey1)")
        XCTAssertEqual(TextImage.picture(panel, columns: 2, rows: 1, colours: .trueColour),
                       ["\(esc)38;2;75;75;75;48;2;75;75;75m▀\(esc)38;2;0;128;0;48;2;0;128;0m▀\(esc)0m"],
                       "a new escape sequence only where the colour changes")
    }

    /// A 2x4 image shrunk to 1x1 character: each half block is the mean of the pixels it covers.
    func testDownscalingAveragesPixels() throws {
        let white = [1.0, 1, 1], black = [0.0, 0, 0]
        let rows: [[Double]] = [white + black, white + white, black + black, black + black]
        let panel = try ImagePanel(width: 2, height: 4, rgb: rows.flatMap { $0 })
        // Top half: 3 of 4 pixels white (191), bottom half black.
        XCTAssertEqual(TextImage.picture(panel, columns: 1, rows: 1, colours: .trueColour),
                       ["\(esc)38;2;191;191;191;48;2;0;0;0m▀\(esc)0m"])
    }

    func testGridInColourKeepsCaptionsPlain() throws {
        let grid = try ImageGrid(panels: [try redOverBlue()].map { p in var q = p; q.label = "red over blue"; return q }, cols: 1)
        let text = TextImage.render(grid, title: nil, columns: 20, rows: 5, colours: .trueColour)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "red over blue")
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasSuffix("\(esc)0m") }, text)
        XCTAssertTrue(lines[1].hasPrefix("\(esc)38;2;255;0;0;48;2;255;0;0m▀"), "the top rows are red: \(lines[1].debugDescription)")
    }

    func testLongCaptionsWrapInsteadOfBeingCut() throws {
        var panel = try redOverBlue()
        panel.label = "a red square left of a blue circle and more words"
        let grid = try ImageGrid(panels: [panel, panel], cols: 2)
        let lines = TextImage.render(grid, title: nil, columns: 30, rows: 10).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "a red square    a red square")
        XCTAssertEqual(lines[1], "left of a blu…  left of a blu…", "at most two lines per caption, the cut marked")
        XCTAssertFalse(lines[2].contains("circle"))
    }

    func testDetection() {
        XCTAssertEqual(TerminalColours.detect(environment: ["COLORTERM": "truecolor"], isTerminal: true), .trueColour)
        XCTAssertEqual(TerminalColours.detect(environment: ["COLORTERM": "24bit", "TERM": "xterm"], isTerminal: true), .trueColour)
        XCTAssertEqual(TerminalColours.detect(environment: ["TERM": "xterm-256color"], isTerminal: true), .palette256)
        XCTAssertEqual(TerminalColours.detect(environment: ["COLORTERM": "truecolor"], isTerminal: false), .none, "piped output")
        XCTAssertEqual(TerminalColours.detect(environment: ["COLORTERM": "truecolor", "NO_COLOR": "1"], isTerminal: true), .none)
        XCTAssertEqual(TerminalColours.detect(environment: ["TERM": "dumb"], isTerminal: true), .none)
        XCTAssertEqual(TerminalColours.detect(environment: ["NO_COLOR": ""], isTerminal: true), .palette256, "NO_COLOR must be non-empty")
    }

    /// Curves in a text plot take the figure's colours (matplotlib's tab10, #1f77b4 first).
    func testTextPlotsUseTheSeriesColours() throws {
        let figure = Figure.plot([Series(y: squares(), label: "squares")], title: "colour")
        let rgb = try Gnuplot().text(figure, columns: 60, rows: 16, colours: .trueColour)
        XCTAssertTrue(rgb.contains("\(esc)38;2;31;119;180m"), rgb.debugDescription)
        let mono = try Gnuplot().text(figure, columns: 60, rows: 16, colours: .none)
        XCTAssertFalse(mono.contains("\u{1B}"), "no escapes without colour")
    }

    /// Legend entries below a text plot keep a gap between one sample and the next title.
    func testTextLegendEntriesDoNotRunTogether() throws {
        let figure = Figure.plot(["caption0", "caption1", "c2", "c3"].enumerated().map { i, name in
            Series(y: squares().map { $0 + Double(i) * 10 }, label: name)
        })
        let text = try Gnuplot().text(figure, columns: 70, rows: 16)
        let key = text.split(separator: "\n").filter { $0.contains("caption0") || $0.contains("caption1") }
        XCTAssertFalse(key.isEmpty, text)
        for line in key {
            XCTAssertNil(line.range(of: #"[*#$%@&=+]{3}[A-Za-z]"#, options: .regularExpression), "entries run together: \(line)")
        }
    }
}
