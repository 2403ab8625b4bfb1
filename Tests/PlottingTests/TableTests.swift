import XCTest
@testable import Plotting

/// One table value, three forms: aligned text for the prompt, Markdown and HTML for reports.
final class TableTests: XCTestCase {
    let results = Table.numeric(header: ["method", "winoground text (n=100)", "order accuracy (n=50)"],
                                rows: [["shapes-base", "25.0 [17.0, 34.0]", "8.0 [2.0, 16.0]"],
                                       ["shapes-base+noneg", "31.0 [22.0, 40.0]", "–"]],
                                note: "Percent, 95% intervals.")

    func testTextAlignsColumnsAndWrapsLongHeaders() {
        // Headers wider than their numbers wrap at spaces, bottom-aligned; numbers are right-aligned.
        XCTAssertEqual(results.text, """
                                 winoground text   order accuracy
            method                       (n=100)           (n=50)
            -----------------  -----------------  ---------------
            shapes-base        25.0 [17.0, 34.0]  8.0 [2.0, 16.0]
            shapes-base+noneg  31.0 [22.0, 40.0]                –

            Percent, 95% intervals.
            """)
        let short = Table(header: ["a", "b"], rows: [["x", "1"], ["yy", "22"]])
        XCTAssertEqual(short.text, "a   b\n--  --\nx   1\nyy  22")
        XCTAssertEqual(Caption.wrap("one verylongword two", width: 5, breakingWords: false), ["one", "verylongword", "two"])
        XCTAssertEqual(Caption.wrap("one verylongword two", width: 5), ["one", "veryl", "ongwo", "rd", "two"])
        XCTAssertEqual(Caption.wrap("a b c d e f", width: 3, continuationWidth: 5), ["a b", "c d e", "f"])
        XCTAssertEqual(Caption.fit("the red square left of the circle", width: 10, lines: 2), ["the red", "square…"])
    }

    func testMarkdownEscapesPipesAndRightAlignsNumbers() {
        var t = results
        t.rows[1][0] = "soft|neg"
        XCTAssertEqual(t.markdown, """
            | method | winoground text (n=100) | order accuracy (n=50) |
            | --- | ---: | ---: |
            | shapes-base | 25.0 [17.0, 34.0] | 8.0 [2.0, 16.0] |
            | soft\\|neg | 31.0 [22.0, 40.0] | – |

            Percent, 95% intervals.

            """)
    }

    func testHTMLIsATableWithEscapedCells() {
        var t = results
        t.rows[0][0] = "<base> & co"
        let html = t.html
        XCTAssertTrue(html.hasPrefix("<table>\n<thead>\n<tr><th>method</th><th style=\"text-align: right\">winoground text (n=100)</th>"), html)
        XCTAssertTrue(html.contains("<tr><td>&lt;base&gt; &amp; co</td><td style=\"text-align: right\">25.0 [17.0, 34.0]</td>"), html)
        XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 3, "a header row and two rows")
        XCTAssertTrue(html.hasSuffix("</table>\n<p class=\"note\">Percent, 95% intervals.</p>"), html)
    }
}
