import Foundation
import Plotting
import Tensors

/// How values read on screen: `print` shows strings bare, the REPL and containers show them quoted.
public struct Printer: Sendable {
    public var width: Int

    public init(width: Int) { self.width = Swift.max(20, width) }

    public static let plain = Printer(width: 80)

    /// The shortest text that reads back as the same Double: `7`, `2.5`, `1e-5`.
    public static func formatNumber(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == d.rounded() && Swift.abs(d) < 1e16 { return String(Int64(d)) }
        var s = "\(d)"
        // Swift writes 1e-05 and 1e+16; the shorter forms read back the same.
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(s[..<e]), exponent = String(s[s.index(after: e)...])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            let negative = exponent.hasPrefix("-")
            exponent = String(exponent.drop { $0 == "+" || $0 == "-" })
            while exponent.count > 1 && exponent.hasPrefix("0") { exponent.removeFirst() }
            s = mantissa + "e" + (negative ? "-" : "") + exponent
        }
        return s
    }

    /// The form `print` and `str` use: strings without quotes, tensors with their values
    /// (edges and `...` past NumPy's threshold).
    public func str(_ v: Value) -> String {
        switch v {
        case .string(let s): return s
        case .tensor(let t): return TensorFormatter(tensor: t, width: width).full()
        default: return display(v)
        }
    }

    /// The REPL's echo: like `repr`, but a tensor shows its values over several lines, and a
    /// tensor of more than a thousand values (an image, a batch) one line of shape and range,
    /// as a glance at it needs; `print` shows the values.
    public func display(_ v: Value) -> String {
        switch v {
        case .tensor(let t) where t.count > TensorFormatter.threshold: return TensorFormatter(tensor: t, width: width).summary()
        case .tensor(let t): return TensorFormatter(tensor: t, width: width).full()
        case .host(let h): return h.display(width: width)
        default: return repr(v, indent: 0)
        }
    }

    /// One value as it reads inside a list or record.
    public func repr(_ v: Value) -> String { repr(v, indent: 0) }

    /// `indent`: the indentation of the line the value starts on; `lead`: how many characters
    /// stand before the value on that line past the indentation (a record's `key: `).
    func repr(_ v: Value, indent: Int, lead: Int = 0) -> String {
        switch v {
        case .number(let d): return Printer.formatNumber(d)
        case .string(let s): return quote(s)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "none"
        case .range(let r): return r.step == 1 ? "range(\(r.start), \(r.end))" : "range(\(r.start), \(r.end), \(r.step))"
        case .tensor(let t): return TensorFormatter(tensor: t, width: width).compact()
        case .function(let f):
            let ps = f.decl.parameters.map { p in p.defaultValue.map { "\(p.name): \(f.file.slice($0.start, $0.end))" } ?? p.name }
            return "<fn \(f.name)(\(ps.joined(separator: ", ")))>"
        case .builtin(let b): return "<builtin \(b.signature)>"
        case .host(let h): return h.description
        case .list(let items):
            let shown: [String]
            if items.count > 1000 {
                shown = items.prefix(3).map { repr($0, indent: indent + 2) } + ["..."] + items.suffix(3).map { repr($0, indent: indent + 2) }
            } else {
                shown = items.map { repr($0, indent: indent + 2) }
            }
            if items.allSatisfy(Printer.isScalar) { return fill(open: "[", close: "]", shown, column: indent + lead) }
            return layout(open: "[", close: "]", shown, indent: indent)
        case .record(let r):
            let shown = r.fields.map { field -> String in
                let key = (Printer.isIdentifier(field.key) ? field.key : quote(field.key)) + ": "
                return key + repr(field.value, indent: indent + 2, lead: key.count)
            }
            return layout(open: "{", close: "}", shown, indent: indent)
        }
    }

    /// `line` broken at spaces into lines of at most `width` characters, continuation lines
    /// indented by `hanging` spaces. Words are never split: one longer than a line overflows it.
    public static func wrap(_ line: String, width: Int, hanging: Int) -> String {
        guard line.count > width else { return line }
        let leading = String(line.prefix { $0 == " " })
        let indent = String(repeating: " ", count: Swift.min(hanging, width / 2))
        let lines = Caption.wrap(String(line.dropFirst(leading.count)), width: width - leading.count,
                                 continuationWidth: width - indent.count, breakingWords: false)
        return lines.enumerated().map { ($0 == 0 ? leading : indent) + $1 }.joined(separator: "\n")
    }

    /// One line when it fits, else one item per line.
    func layout(open: String, close: String, _ items: [String], indent: Int) -> String {
        let line = open + items.joined(separator: ", ") + close
        if indent + line.count <= width && !line.contains("\n") { return line }
        let pad = String(repeating: " ", count: indent + 2)
        return open + "\n" + items.map { pad + $0 + ",\n" }.joined() + String(repeating: " ", count: indent) + close
    }

    /// Numbers, strings, truth values: short items a long list flows across lines, as NumPy
    /// prints a long row, rather than one per line.
    static func isScalar(_ v: Value) -> Bool {
        switch v {
        case .number, .bool, .none: return true
        case .string(let s): return s.count <= 40
        default: return false
        }
    }

    /// One line when it fits, else as many items per line as the width takes, continuation
    /// lines under the first item. `column`: where the opening bracket stands.
    func fill(open: String, close: String, _ items: [String], column: Int) -> String {
        let line = open + items.joined(separator: ", ") + close
        if column + line.count <= width { return line }
        let pad = String(repeating: " ", count: column + open.count)
        var lines: [String] = []
        var current = open, used = column + open.count, empty = true
        for (i, item) in items.enumerated() {
            let piece = item + (i == items.count - 1 ? close : ",")
            if !empty && used + 1 + piece.count > width {
                lines.append(current)
                (current, used, empty) = (pad, pad.count, true)
            }
            current += (empty ? "" : " ") + piece
            used += (empty ? 0 : 1) + piece.count
            empty = false
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && Keyword(rawValue: s) == nil
    }

    public func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "{": out += "\\{"
            case "}": out += "\\}"
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out += "\\u{\(String(c.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// A few words about a value for error messages: ` (3)`, ` of shape [2,3]`.
    public func shortSummary(_ v: Value) -> String {
        switch v {
        case .number(let d): return " (\(Printer.formatNumber(d)))"
        case .string(let s): return " (" + quote(s.count > 24 ? String(s.prefix(24)) + "..." : s) + ")"
        case .tensor(let t): return " of shape \(formatShape(t.shape))"
        case .list(let l): return " of length \(l.count)"
        case .bool(let b): return " (\(b))"
        default: return ""
        }
    }
}
