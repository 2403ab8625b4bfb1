import Foundation
import Tensors

/// The language's own builtins: printing, sizes, conversions, running other scripts, help.
public enum CoreBuiltins {
    public static let builtins: [Builtin] = [
        Builtin("print", [.init("values", variadic: true), .init("sep", .string, default: .string(" ")), .init("end", .string, default: .string("\n"))],
                doc: "Writes the values, separated by sep, then end. Strings appear without quotes.") { args, ctx in
            let p = ctx.interpreter.printer
            let separator = try args.string("sep")
            var text = ""
            for (i, value) in try args.list("values").enumerated() {
                if i > 0 { text += separator }
                if let show = ctx.interpreter.richDisplay, case .host = value {
                    // What was printed so far goes first, so the order on the page is the call's.
                    if !text.isEmpty { ctx.print(text) }
                    text = ""
                    if show(value) { continue }
                }
                text += p.str(value)
            }
            ctx.print(text + (try args.string("end")))
            return .none
        },
        Builtin("len", [.init("x")], returns: "number",
                doc: "Number of elements of a list, characters of a string, fields of a record, rows of a tensor, items of a dataset.") { args, _ in
            switch args["x"] {
            case .list(let l): return .number(Double(l.count))
            case .string(let s): return .number(Double(s.count))
            case .record(let r): return .number(Double(r.count))
            case .range(let r): return .number(Double(r.count))
            case .host(let h as SequenceHost): return .number(Double(h.count))
            case .tensor(let t):
                guard let first = t.shape.first else { throw ArgumentError(parameter: "x", "len: a tensor of shape [] has no length") }
                return .number(Double(first))
            case let other: throw ArgumentError(parameter: "x", "len: a \(other.typeName) has no length")
            }
        },
        Builtin("range", [.init("start", .int), .init("end", .optional(.int), default: .noValue), .init("step", .int, default: .number(1))],
                returns: "range", doc: "range(n) is 0, 1, ..., n-1; range(a, b, step) counts from a up to (not including) b.") { args, _ in
            var start = try args.int("start")
            var end = 0
            if let e = try args.optionalInt("end") { end = e } else { end = start; start = 0 }
            let step = try args.int("step")
            guard step != 0 else { throw ArgumentError(parameter: "step", "range: step cannot be 0") }
            return .range(IntRange(start: start, end: end, step: step))
        },
        Builtin("str", [.init("x")], returns: "string", doc: "The text print would show for x.") { args, ctx in
            .string(ctx.interpreter.printer.str(args["x"]))
        },
        Builtin("num", [.init("x", .oneOf([.string, .number, .bool, .tensor]))], returns: "number",
                doc: "A number from a string (\"2.5\"), a bool or a one-element tensor.") { args, _ in
            switch args["x"] {
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else { throw ArgumentError(parameter: "x", "num: \"\(s)\" is not a number") }
                return .number(d)
            default: return .number(try args.number("x"))
            }
        },
        Builtin("type", [.init("x")], returns: "string", doc: "The type of x: number, string, bool, none, list, record, tensor, function...") { args, _ in
            .string(args["x"].typeName)
        },
        Builtin("keys", [.init("x", .oneOf([.record, .anyHost]))], returns: "list",
                doc: "The field names of a record (or the members of a model, dataset or result), in order.") { args, _ in
            switch args["x"] {
            case .record(let r): return .list(r.keys.map { .string($0) })
            case .host(let h): return .list(h.memberNames.map { .string($0) })
            default: throw ArgumentError(parameter: "x", "keys: needs a record")
            }
        },
        Builtin("append", [.init("list", .list), .init("value")], returns: "list",
                doc: "A copy of the list with value added at the end (xs = append(xs, v)).") { args, ctx in
            let l = try args.list("list")
            try ctx.checkSize(l.count + 1, "the list")
            return .list(l + [args["value"]])
        },
        Builtin("round", [.init("x", .tensor), .init("digits", .int, default: .number(0))], returns: "number | tensor",
                doc: "Rounds to the given number of decimals (halves away from zero).") { args, _ in
            let scale = Foundation.pow(10, Double(try args.int("digits")))
            if case .number(let d) = args["x"] { return .number((d * scale).rounded() / scale) }
            let t = try args.tensor("x")
            return .tensor(try Tensor(shape: t.shape, scalars: t.scalars.map { Float((Double($0) * scale).rounded() / scale) }))
        },
        Builtin("run", [.init("path", .string)], doc: "Runs another .sn script in this session (its variables stay defined).") { args, ctx in
            _ = try ctx.interpreter.runFile(try args.string("path"), span: ctx.span)
            return .none
        },
        Builtin("help", [.init("name", .optional(.oneOf([.string, .callable, .anyHost])), default: .noValue)],
                doc: "Shows a builtin's signature and doc line; help() lists every builtin; help(m) for a model, dataset, result or table lists its members and the builtins that take it.") { args, ctx in
            ctx.print(try helpText(args["name"], ctx.interpreter) + "\n")
            return .none
        },
    ]

    /// The text `help(x)` and `:help x` print, wrapped to the interpreter's width.
    public static func helpText(_ v: Value, _ interpreter: Interpreter) throws -> String {
        let width = interpreter.width
        switch v {
        case .none:
            // "  training: loss finetune": continuation lines start under the first name.
            return BuiltinRegistry.index(for: interpreter.builtins).split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let text = String(line)
                let leading = text.prefix { $0 == " " }.count
                let label = text.range(of: ": ").map { text.distance(from: text.startIndex, to: $0.upperBound) }
                let hanging = leading > 0 && (label ?? 99) <= 24 ? label ?? leading + 2 : leading + 2
                return Printer.wrap(text, width: width, hanging: hanging)
            }.joined(separator: "\n")
        case .builtin(let b): return wrappedHelp(b, width: width)
        case .function(let f):
            return Printer.plain.repr(.function(f)).dropFirst(4).dropLast() + "    (a function defined at \(f.file.name):\(f.file.location(of: f.decl.start).line))"
        case .string(let name):
            if let b = interpreter.builtin(named: name) { return wrappedHelp(b, width: width) }
            if let v = interpreter.variable(name), case .function = v { return try helpText(v, interpreter) }
            throw ArgumentError(parameter: "name", "help: no builtin named '\(name)'" + Suggestions.hint(for: name, among: interpreter.builtinNames))
        case .host(let h): return hostHelp(h, interpreter)
        default:
            throw ArgumentError(parameter: "name", "help: give a builtin or its name, e.g. help(sum) or help(\"sum\")")
        }
    }

    /// help(m) for a model, dataset, result...: what it is, the members `m.` reaches, and the
    /// builtins whose signatures take that type (read from the registry, so it cannot drift).
    static func hostHelp(_ h: HostValue, _ interpreter: Interpreter) -> String {
        let width = interpreter.width
        var lines = [Printer.wrap("\(h.typeName): \(h.description)", width: width, hanging: 2)]
        if !h.memberNames.isEmpty {
            lines.append(Printer.wrap("  members: " + h.memberNames.joined(separator: " "), width: width, hanging: 11))
        }
        let takers = interpreter.builtins.values.filter { b in b.parameters.contains { $0.type.names(host: h.typeName) } }
            .map(\.name).sorted()
        if !takers.isEmpty {
            lines.append(Printer.wrap("  taken by: " + takers.joined(separator: " "), width: width, hanging: 12))
        }
        return lines.joined(separator: "\n")
    }

    /// A builtin's help with long lines broken at spaces: the signature's continuation lines
    /// start under its first parameter, the doc's under the doc.
    static func wrappedHelp(_ b: Builtin, width: Int) -> String {
        b.help.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line in
            let text = String(line)
            let hanging = i == 0 ? (b.name.count + 1 <= 16 ? b.name.count + 1 : 4) : text.prefix { $0 == " " }.count
            return Printer.wrap(text, width: width, hanging: hanging)
        }.joined(separator: "\n")
    }
}
