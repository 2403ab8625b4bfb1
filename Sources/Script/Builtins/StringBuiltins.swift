import Foundation

/// Text helpers, enough to write a caption perturbation by hand: split, join, replace, lower,
/// upper, strip, startswith, endswith (and `x in s` for a substring), with Python's meanings.
public enum StringBuiltins {
    public static let builtins: [Builtin] = [
        Builtin("split", [.init("s", .string), .init("sep", .optional(.string), default: .noValue)], returns: "list",
                doc: "The pieces of s between each sep: split(\"a,b\", \",\") is [\"a\", \"b\"]; without sep, the words (runs of spaces, tabs and newlines separate them).") { args, _ in
            let s = try args.string("s")
            guard let sep = try args.optionalString("sep") else {
                return .list(s.split(whereSeparator: { $0.isWhitespace }).map { .string(String($0)) })
            }
            guard !sep.isEmpty else { throw ArgumentError(parameter: "sep", "split: sep cannot be empty (list(s) gives the characters)") }
            return .list(s.components(separatedBy: sep).map { .string($0) })
        },
        Builtin("join", [.init("xs"), .init("sep", .string, default: .string(" "))], returns: "string",
                doc: "The elements as one string with sep between them: join([\"a\", \"b\"], \"-\") is \"a-b\"; numbers appear as print shows them.") { args, ctx in
            let xs = try ListBuiltins.elements(args, "xs")
            let printer = ctx.interpreter.printer
            let text = xs.map { printer.str($0) }.joined(separator: try args.string("sep"))
            try ctx.checkSize(text.utf8.count, "the joined string")
            return .string(text)
        },
        Builtin("replace", [.init("s", .string), .init("old", .string), .init("new", .string)], returns: "string",
                doc: "s with every occurrence of old replaced by new: replace(\"a red square\", \"red\", \"blue\").") { args, ctx in
            let old = try args.string("old")
            guard !old.isEmpty else { throw ArgumentError(parameter: "old", "replace: 'old' cannot be empty") }
            let text = try args.string("s").replacingOccurrences(of: old, with: try args.string("new"))
            try ctx.checkSize(text.utf8.count, "the replaced string")
            return .string(text)
        },
        Builtin("lower", [.init("s", .string)], returns: "string", doc: "s in lower case.") { args, _ in
            .string(try args.string("s").lowercased())
        },
        Builtin("upper", [.init("s", .string)], returns: "string", doc: "s in upper case.") { args, _ in
            .string(try args.string("s").uppercased())
        },
        Builtin("strip", [.init("s", .string)], returns: "string", doc: "s without spaces, tabs and newlines at either end.") { args, _ in
            .string(try args.string("s").trimmingCharacters(in: .whitespacesAndNewlines))
        },
        Builtin("startswith", [.init("s", .string), .init("prefix", .string)], returns: "bool", doc: "Whether s begins with prefix.") { args, _ in
            .bool(try args.string("s").hasPrefix(try args.string("prefix")))
        },
        Builtin("endswith", [.init("s", .string), .init("suffix", .string)], returns: "bool", doc: "Whether s ends with suffix.") { args, _ in
            .bool(try args.string("s").hasSuffix(try args.string("suffix")))
        },
    ]
}
