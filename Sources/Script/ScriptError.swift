/// Every error the language reports: a message in plain words and the place it points at.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case syntax, runtime, interrupted }

    public var kind: Kind
    public var message: String
    public var span: SourceSpan?
    /// True when the input simply stopped early (an open bracket, a trailing operator):
    /// the REPL then asks for another line instead of reporting.
    public var isIncomplete: Bool
    /// The calls that led here, innermost first: "in f, called at file:3:5".
    public var trace: [String]

    public init(_ kind: Kind, _ message: String, at span: SourceSpan?, incomplete: Bool = false) {
        self.kind = kind
        self.message = message
        self.span = span
        self.isIncomplete = incomplete
        self.trace = []
    }

    public static func interrupted(at span: SourceSpan?) -> ScriptError {
        ScriptError(.interrupted, "interrupted", at: span)
    }

    /// `file:line:col: error: message`, then the source line and a caret under the place.
    public func rendered(color: Bool = false) -> String {
        let red = color ? "\u{1B}[1;31m" : "", bold = color ? "\u{1B}[1m" : "", reset = color ? "\u{1B}[0m" : ""
        guard let span else { return "\(red)error:\(reset) \(bold)\(message)\(reset)" }
        let (line, column) = span.location
        if kind == .interrupted { return "\(message) at \(span.file.name):\(line):\(column)" }
        let text = span.file.line(line)
        var out = "\(span.file.name):\(line):\(column): \(red)error:\(reset) \(bold)\(message)\(reset)\n"
        out += "    " + text + "\n"
        // Keep tabs so the caret lines up under the same place the terminal shows.
        let lead = String(text.prefix(column - 1).map { $0 == "\t" ? "\t" : " " })
        let endLocation = span.file.location(of: span.end)
        let width = endLocation.line == line ? Swift.max(1, endLocation.column - column) : Swift.max(1, text.count - column + 1)
        out += "    " + lead + red + "^" + String(repeating: "~", count: width - 1) + reset
        for entry in trace { out += "\n  " + entry }
        return out
    }

    public var description: String { rendered() }
}

/// What a builtin throws when one of its arguments is wrong; the evaluator points the caret at that argument.
public struct ArgumentError: Error, CustomStringConvertible {
    public let parameter: String
    public let message: String
    public init(parameter: String, _ message: String) {
        self.parameter = parameter
        self.message = message
    }
    public var description: String { message }
}

/// A plain failure inside a builtin; the evaluator points the caret at the call.
public struct BuiltinError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
