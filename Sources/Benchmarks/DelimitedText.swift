/// Rows of a delimiter-separated file as pandas writes them (`to_csv(sep="\t")`): fields that
/// hold the quote character, the delimiter or a newline are quoted, with quotes doubled.
enum DelimitedText {
    struct Row {
        var line: Int        // 1-based line where the row starts
        var fields: [String]
    }

    struct Unterminated: Error {
        var line: Int
    }

    static func rows(_ text: String, delimiter: Character = "\t") throws -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var atFieldStart = true
        var line = 1, rowLine = 1
        var chars = Array(text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && atFieldStart {
                inQuotes = true
            } else if c == delimiter {
                fields.append(field)
                field = ""
                atFieldStart = true
                i += 1
                continue
            } else if c == "\n" || c == "\r\n" {
                fields.append(field)
                if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(line: rowLine, fields: fields)) }
                fields = []
                field = ""
                line += 1
                rowLine = line
                atFieldStart = true
                i += 1
                continue
            } else if c != "\r" {
                field.append(c)
            }
            atFieldStart = false
            i += 1
        }
        if inQuotes { throw Unterminated(line: rowLine) }
        return rows
    }
}

/// The Python literals NegCLIP's TSV stores with `str(list)`: lists of strings or integers.
enum PythonLiteral: Equatable {
    case string(String)
    case integer(Int)
    case list([PythonLiteral])

    struct ParseError: Error {
        var message: String
    }

    static func parse(_ text: String) throws -> PythonLiteral {
        var p = Parser(chars: Array(text))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.chars.count else { throw ParseError(message: "unexpected '\(p.chars[p.i])' at character \(p.i + 1)") }
        return v
    }

    private struct Parser {
        let chars: [Character]
        var i = 0

        mutating func skipSpace() {
            while i < chars.count, chars[i].isWhitespace { i += 1 }
        }

        mutating func value() throws -> PythonLiteral {
            skipSpace()
            guard i < chars.count else { throw ParseError(message: "unexpected end") }
            let c = chars[i]
            if c == "[" || c == "(" {
                let close: Character = c == "[" ? "]" : ")"
                i += 1
                var items: [PythonLiteral] = []
                skipSpace()
                if i < chars.count, chars[i] == close { i += 1; return .list(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < chars.count else { throw ParseError(message: "unclosed '\(c)'") }
                    if chars[i] == "," {
                        i += 1
                        skipSpace()
                        if i < chars.count, chars[i] == close { i += 1; return .list(items) }
                        continue
                    }
                    if chars[i] == close { i += 1; return .list(items) }
                    throw ParseError(message: "expected ',' or '\(close)' at character \(i + 1)")
                }
            }
            if c == "'" || c == "\"" { return .string(try string(quote: c)) }
            if c == "-" || c.isNumber {
                let start = i
                i += 1
                while i < chars.count, chars[i].isNumber { i += 1 }
                guard let n = Int(String(chars[start..<i])) else { throw ParseError(message: "bad integer at character \(start + 1)") }
                return .integer(n)
            }
            throw ParseError(message: "unexpected '\(c)' at character \(i + 1)")
        }

        mutating func string(quote: Character) throws -> String {
            i += 1
            var s = ""
            while i < chars.count {
                let c = chars[i]
                if c == quote { i += 1; return s }
                if c == "\\" {
                    i += 1
                    guard i < chars.count else { break }
                    let e = chars[i]
                    switch e {
                    case "n": s.append("\n")
                    case "t": s.append("\t")
                    case "r": s.append("\r")
                    case "\\", "'", "\"": s.append(e)
                    case "x", "u":
                        let n = e == "x" ? 2 : 4
                        guard i + n < chars.count, let code = UInt32(String(chars[(i + 1)...(i + n)]), radix: 16),
                              let scalar = Unicode.Scalar(code) else { throw ParseError(message: "bad escape at character \(i)") }
                        s.unicodeScalars.append(scalar)
                        i += n
                    default: s.append("\\"); s.append(e)
                    }
                    i += 1
                    continue
                }
                s.append(c)
                i += 1
            }
            throw ParseError(message: "unterminated string")
        }
    }
}
