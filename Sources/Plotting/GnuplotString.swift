/// Quoting for every string that reaches a gnuplot command.
///
/// gnuplot runs shell commands written in backquotes even inside double-quoted strings
/// (checked with gnuplot 5.4: `set title "`echo X`"` titles the plot "X"), and a newline
/// ends a command. So user text goes out as a double-quoted literal in which backslash,
/// double quote, backquote and every control character are escapes: the title shows
/// exactly the characters it was given, and no text can start a new command. Text is
/// drawn with `noenhanced` so `^ _ { } @ ~ &` are not markup either.
enum GnuplotString {
    /// `text` as a gnuplot double-quoted string literal, quotes included.
    static func quoted(_ text: String) -> String { "\"" + escaped(text) + "\"" }

    /// The inside of `quoted(text)`.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "`": out += "\\140"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": continue  // a line break is "\n"; a carriage return alone draws nothing
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    // Other control characters are not valid in SVG's XML: show the
                    // replacement character rather than write a broken file.
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A number as gnuplot reads it back exactly (shortest round-trip form).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "1e308" : "-1e308" }
        return "\(value)"
    }
}
