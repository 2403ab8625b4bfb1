import Foundation
import Tensors

/// Python's list helpers: sorted, map, filter, zip, enumerate, list, reversed, all, any, int.
/// Each walks its argument as `for` does (`Iteration`), so a range, a string, a tensor's rows
/// or a dataset's items work wherever a list does.
public enum ListBuiltins {
    static func elements(_ args: Arguments, _ name: String) throws -> [Value] {
        do {
            return try Iteration(args[name]).all()
        } catch let e as BuiltinError {
            throw ArgumentError(parameter: name, "\(args.builtin): '\(name)': \(e.message)")
        }
    }

    /// Python's ordering: numbers (and bools) by value, strings by character, lists and tuples
    /// element by element; other pairs cannot be ordered. NaN sorts after every number.
    static func order(_ a: Value, _ b: Value) throws -> Int {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.list, .list), (.list, .host(_ as TupleValue)), (.host(_ as TupleValue), .list), (.host(_ as TupleValue), .host(_ as TupleValue)):
            let xs = try Iteration(a).all(), ys = try Iteration(b).all()
            for (x, y) in zip(xs, ys) {
                let c = try order(x, y)
                if c != 0 { return c }
            }
            return xs.count < ys.count ? -1 : (xs.count == ys.count ? 0 : 1)
        default:
            guard let x = Operators.numberValue(a), let y = Operators.numberValue(b) else {
                throw BuiltinError("cannot order a \(a.typeName) and a \(b.typeName)")
            }
            if x.isNaN || y.isNaN { return x.isNaN == y.isNaN ? 0 : (x.isNaN ? 1 : -1) }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
    }

    public static let builtins: [Builtin] = [
        Builtin("sorted", [.init("xs"), .init("key", .optional(.callable), default: .noValue), .init("reverse", .bool, default: .bool(false))],
                returns: "list",
                doc: "The elements in increasing order (stable: equal ones keep their order); key: a function giving what to compare, e.g. sorted(caps, key: len); reverse: true for decreasing.") { args, ctx in
            let xs = try elements(args, "xs")
            let keys = args.isNone("key") ? xs : try xs.map { try ctx.call(args["key"], [$0]) }
            let reverse = try args.bool("reverse")
            var positions = Array(xs.indices)
            do {
                // Neighbours first, so a mixed list is reported in its own order.
                for i in keys.indices.dropFirst() { _ = try order(keys[i - 1], keys[i]) }
                // Ties broken by position keep the sort stable in both directions, as Python's.
                try positions.sort { i, j in
                    let c = try order(keys[i], keys[j])
                    return c != 0 ? (reverse ? c > 0 : c < 0) : i < j
                }
            } catch let e as BuiltinError {
                throw ArgumentError(parameter: args.isNone("key") ? "xs" : "key", "sorted: \(e.message)")
            }
            return .list(positions.map { xs[$0] })
        },
        Builtin("map", [.init("f", .callable), .init("xs")], returns: "list",
                doc: "f applied to each element: map(fn(x) = x * 2, [1, 2]) is [2, 4].") { args, ctx in
            .list(try elements(args, "xs").map { try ctx.call(args["f"], [$0]) })
        },
        Builtin("filter", [.init("f", .callable), .init("xs")], returns: "list",
                doc: "The elements for which f is true: filter(fn(c) = \"red\" in c, caps).") { args, ctx in
            var kept: [Value] = []
            for x in try elements(args, "xs") {
                let keep = try ctx.call(args["f"], [x])
                do {
                    if try keep.truth() { kept.append(x) }
                } catch let e as BuiltinError {
                    throw ArgumentError(parameter: "f", "filter: f must give true or false, got \(keep.typeName): \(e.message)")
                }
            }
            return .list(kept)
        },
        Builtin("zip", [.init("lists", variadic: true)], returns: "list",
                doc: "Pairs up elements: zip([1, 2], [\"a\", \"b\"]) is [[1, \"a\"], [2, \"b\"]]; stops at the shortest.") { args, ctx in
            let walks = try args.list("lists").enumerated().map { i, v in
                do { return try Iteration(v) } catch let e as BuiltinError {
                    throw ArgumentError(parameter: "lists", "zip: argument \(i + 1): \(e.message)")
                }
            }
            guard let n = walks.map(\.count).min() else { return .list([]) }
            try ctx.checkSize(n * walks.count, "the zipped list")
            return .list(try (0..<n).map { i in .list(try walks.map { try $0.element(i) }) })
        },
        Builtin("enumerate", [.init("xs"), .init("start", .int, default: .number(0))], returns: "list",
                doc: "Each element with its position: enumerate([\"a\", \"b\"]) is [[0, \"a\"], [1, \"b\"]].") { args, _ in
            let start = try args.int("start")
            return .list(try elements(args, "xs").enumerated().map { .list([.number(Double(start + $0.offset)), $0.element]) })
        },
        Builtin("list", [.init("xs")], returns: "list",
                doc: "The elements as a list: list(range(3)) is [0, 1, 2]; a string gives its characters, a dataset its items.") { args, _ in
            .list(try elements(args, "xs"))
        },
        Builtin("reversed", [.init("xs")], returns: "list", doc: "The elements in reverse order, as a list.") { args, _ in
            .list(try elements(args, "xs").reversed())
        },
        Builtin("all", [.init("xs")], returns: "bool",
                doc: "True when every element is true (every element of a tensor nonzero): all(t == u); true for an empty list.") { args, _ in
            if case .tensor(let t) = args["xs"] { return .bool(t.scalars.allSatisfy { $0 != 0 }) }
            return .bool(try elements(args, "xs").allSatisfy { try $0.truth() })
        },
        Builtin("any", [.init("xs")], returns: "bool",
                doc: "True when some element is true (some element of a tensor nonzero): any(scores > 0); false for an empty list.") { args, _ in
            if case .tensor(let t) = args["xs"] { return .bool(t.scalars.contains { $0 != 0 }) }
            return .bool(try elements(args, "xs").contains { try $0.truth() })
        },
        Builtin("int", [.init("x", .oneOf([.number, .string, .bool]))], returns: "number",
                doc: "A whole number: int(2.7) is 2 (towards zero, as Python), int(\"12\") is 12, int(true) is 1.") { args, _ in
            if case .string(let s) = args["x"] {
                guard let n = Int(s.trimmingCharacters(in: .whitespaces)) else {
                    throw ArgumentError(parameter: "x", "int: \"\(s)\" is not a whole number" + (Double(s) != nil ? " (int(num(\"\(s)\")) reads it and drops the fraction)" : ""))
                }
                return .number(Double(n))
            }
            let d = try args.number("x")
            guard d.isFinite, Swift.abs(d) < 9e15 else { throw ArgumentError(parameter: "x", "int: \(Printer.formatNumber(d)) has no whole-number value") }
            return .number(d.rounded(.towardZero))
        },
    ]
}
