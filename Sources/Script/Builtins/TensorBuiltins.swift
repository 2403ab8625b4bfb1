import Foundation
import Tensors

/// Making tensors, reductions, elementwise functions, joining.
public enum TensorBuiltins {
    static let axisDoc = "axis: none reduces over everything and gives a number"

    /// The shape from `zeros(2, 3)` or `zeros([2, 3])`.
    static func shape(_ args: Arguments, _ name: String) throws -> [Int] {
        let items = try args.list(name)
        let dims: [Value]
        if items.count == 1, case .list(let inner) = items[0] { dims = inner } else if items.count == 1, case .range = items[0] {
            dims = (try? Arguments(builtin: args.builtin, names: [name], values: items).list(name)) ?? []
        } else { dims = items }
        return try dims.map { v in
            guard case .number(let d) = v, d == d.rounded(), d >= 0, d < 1e12 else {
                throw ArgumentError(parameter: name, "\(args.builtin): a shape is made of whole numbers >= 0, got \(Printer.plain.repr(v))")
            }
            return Int(d)
        }
    }

    static func checkedCount(_ shape: [Int], _ ctx: CallContext) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw BuiltinError("shape \(formatShape(shape)) is too large") }
            n = p
        }
        try ctx.checkSize(n, "a tensor of shape \(formatShape(shape))")
        return n
    }

    /// A reduction: over everything it gives a number; lists of numbers are reduced in Double.
    /// `pairwise`: min and max of two plain numbers, `max(3, 4)`, as Python's; the second
    /// argument is an axis only when the first is a tensor or a list.
    static func reduction(_ name: String, doc: String,
                          pairwise: ((Double, Double) -> Double)? = nil,
                          list: @escaping ([Double]) throws -> Double,
                          tensor: @escaping (Tensor, [Int]?, Bool) throws -> Tensor) -> Builtin {
        Builtin(name, [.init("x", .tensor), .init("axis", .optional(.ints), default: .noValue), .init("keepdims", .bool, default: .bool(false))],
                returns: "number | tensor", doc: doc + " (" + axisDoc + ").") { args, _ in
            if let pairwise, case .number(let a) = args["x"], case .number(let b) = args["axis"] { return .number(pairwise(a, b)) }
            let axes = try args.optionalInts("axis")
            if axes == nil, case .list(let items) = args["x"], !items.isEmpty,
               let numbers = Optional(items.compactMap({ if case .number(let d) = $0 { return d } else { return nil } })), numbers.count == items.count {
                return .number(try list(numbers))
            }
            let t = try args.tensor("x")
            return Convert.value(try tensor(t, axes, try args.bool("keepdims")))
        }
    }

    static func elementwise(_ name: String, doc: String, _ scalar: @escaping (Double) -> Double, _ op: @escaping (Tensor) throws -> Tensor) -> Builtin {
        Builtin(name, [.init("x", .tensor)], returns: "number | tensor", doc: doc) { args, _ in
            if case .number(let d) = args["x"] { return .number(scalar(d)) }
            return .tensor(try op(try args.tensor("x")))
        }
    }

    static func tensors(_ args: Arguments, _ name: String) throws -> [Tensor] {
        let items = try args.list(name)
        guard !items.isEmpty else { throw ArgumentError(parameter: name, "\(args.builtin): needs at least one tensor") }
        return try items.enumerated().map { i, v in
            do { return try Convert.tensor(v) } catch let e as BuiltinError {
                throw ArgumentError(parameter: name, "\(args.builtin): element \(i) of '\(name)': \(e.message)")
            }
        }
    }

    public static let builtins: [Builtin] = [
        Builtin("tensor", [.init("values", .tensor)], returns: "tensor",
                doc: "A tensor from a number or a nested list of numbers, e.g. tensor([[1, 2], [3, 4]]).") { args, ctx in
            let t = try args.tensor("values")
            try ctx.checkSize(t.count, "the tensor")
            return .tensor(t)
        },
        Builtin("zeros", [.init("shape", variadic: true)], returns: "tensor", doc: "A tensor of zeros: zeros(2, 3) or zeros([2, 3]).") { args, ctx in
            let s = try shape(args, "shape")
            _ = try checkedCount(s, ctx)
            return .tensor(Tensor.zeros(s))
        },
        Builtin("ones", [.init("shape", variadic: true)], returns: "tensor", doc: "A tensor of ones: ones(2, 3) or ones([2, 3]).") { args, ctx in
            let s = try shape(args, "shape")
            _ = try checkedCount(s, ctx)
            return .tensor(Tensor.ones(s))
        },
        Builtin("randn", [.init("shape", variadic: true), .init("seed", .optional(.int), default: .noValue)], returns: "tensor",
                doc: "Standard normal samples: randn(2, 3, seed: 0); without a seed, the session's stream (seeded 0 at start).") { args, ctx in
            let s = try shape(args, "shape")
            _ = try checkedCount(s, ctx)
            if let seed = try args.optionalInt("seed") {
                guard seed >= 0 else { throw ArgumentError(parameter: "seed", "randn: seed must be >= 0, got \(seed)") }
                return .tensor(try Tensor.randn(s, seed: UInt64(seed)))
            }
            return .tensor(try Tensor.randn(s, generator: &ctx.interpreter.generator))
        },
        Builtin("arange", [.init("start", .number), .init("end", .optional(.number), default: .noValue), .init("step", .number, default: .number(1))],
                returns: "tensor", doc: "arange(n) is [0, 1, ..., n-1]; arange(a, b, step) counts from a up to (not including) b.") { args, ctx in
            var start = try args.number("start"), end = 0.0
            if let e = try args.optionalNumber("end") { end = e } else { end = start; start = 0 }
            let step = try args.number("step")
            guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
                throw ArgumentError(parameter: "step", "arange: step must be a finite number other than 0")
            }
            let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
            try ctx.checkSize(n, "arange")
            return .tensor(Tensor((0..<n).map { Float(start + Double($0) * step) }))
        },
        Builtin("reshape", [.init("x", .tensor), .init("shape", variadic: true)], returns: "tensor",
                doc: "The same values in a new shape; one size may be -1 (inferred): reshape(t, 2, -1).") { args, _ in
            let items = try args.list("shape")
            let dims: [Value]
            if items.count == 1, case .list(let inner) = items[0] { dims = inner } else { dims = items }
            let s = try dims.map { v -> Int in
                guard case .number(let d) = v, d == d.rounded(), d >= -1, d < 1e12 else {
                    throw ArgumentError(parameter: "shape", "reshape: a shape is made of whole numbers (or -1), got \(Printer.plain.repr(v))")
                }
                return Int(d)
            }
            return .tensor(try args.tensor("x").reshaped(s))
        },
        Builtin("shape", [.init("x", .tensor)], returns: "list", doc: "The sizes of a tensor's axes, as a list.") { args, _ in
            .list(try args.tensor("x").shape.map { .number(Double($0)) })
        },
        reduction("sum", doc: "Sum of the elements", list: { $0.reduce(0, +) }) { t, axes, keep in try t.sum(axes: axes, keepDims: keep) },
        reduction("mean", doc: "Mean of the elements", list: { $0.reduce(0, +) / Double($0.count) }) { t, axes, keep in
            guard t.count > 0 else { throw BuiltinError("the mean of an empty tensor is undefined") }
            return try t.mean(axes: axes, keepDims: keep)
        },
        Builtin("std", [.init("x", .tensor), .init("axis", .optional(.ints), default: .noValue), .init("keepdims", .bool, default: .bool(false)),
                        .init("unbiased", .bool, default: .bool(true))],
                returns: "number | tensor", doc: "Standard deviation; unbiased (n-1) by default like torch.std (" + axisDoc + ").") { args, _ in
            let t = try args.tensor("x")
            let axes = try args.optionalInts("axis")
            let unbiased = try args.bool("unbiased")
            let n = try (axes ?? Array(0..<t.rank)).reduce(1) { n, a in
                let k = a < 0 ? a + t.rank : a
                guard k >= 0 && k < t.rank else { throw ArgumentError(parameter: "axis", "std: axis \(a) is out of range for shape \(formatShape(t.shape))") }
                return n * t.shape[k]
            }
            guard n > (unbiased ? 1 : 0) else { throw BuiltinError("std needs at least \(unbiased ? 2 : 1) elements along the reduced axes") }
            return Convert.value(try t.variance(axes: axes, keepDims: try args.bool("keepdims"), unbiased: unbiased).sqrt())
        },
        reduction("min", doc: "Smallest element; min(a, b) of two numbers is the smaller", pairwise: { Swift.min($0, $1) },
                  list: { $0.min() ?? .nan }) { t, axes, keep in try t.min(axes: axes, keepDims: keep) },
        reduction("max", doc: "Largest element; max(a, b) of two numbers is the larger", pairwise: { Swift.max($0, $1) },
                  list: { $0.max() ?? .nan }) { t, axes, keep in try t.max(axes: axes, keepDims: keep) },
        Builtin("argmax", [.init("x", .tensor), .init("axis", .optional(.int), default: .noValue)], returns: "number | tensor",
                doc: "Index of the largest element (the first on ties); over everything (a number) or along axis.") { args, _ in
            Convert.value(try args.tensor("x").argmax(axis: try args.optionalInt("axis")))
        },
        Builtin("softmax", [.init("x", .tensor), .init("axis", .int, default: .number(-1))], returns: "tensor",
                doc: "exp(x) / sum(exp(x)) along axis (the last by default), computed stably.") { args, _ in
            let t = try args.tensor("x")
            guard t.rank > 0 else { throw ArgumentError(parameter: "x", "softmax: needs a tensor with at least one axis") }
            return .tensor(try t.softmax(axis: try args.int("axis")))
        },
        elementwise("exp", doc: "e to the power x, elementwise.", Foundation.exp) { $0.exp() },
        elementwise("log", doc: "Natural logarithm, elementwise.", Foundation.log) { $0.log() },
        elementwise("sqrt", doc: "Square root, elementwise.", Foundation.sqrt) { $0.sqrt() },
        elementwise("abs", doc: "Absolute value, elementwise.", Swift.abs) { $0.abs() },
        elementwise("tanh", doc: "Hyperbolic tangent, elementwise.", Foundation.tanh) { $0.tanh() },
        elementwise("sigmoid", doc: "1 / (1 + exp(-x)), elementwise.", { 1 / (1 + Foundation.exp(-$0)) }) { $0.sigmoid() },
        elementwise("relu", doc: "max(x, 0), elementwise.", { Swift.max($0, 0) }) { $0.relu() },
        Builtin("cat", [.init("tensors", .list), .init("axis", .int, default: .number(0))], returns: "tensor",
                doc: "Joins a list of tensors along an existing axis; the other sizes must agree.") { args, ctx in
            let parts = try tensors(args, "tensors")
            try ctx.checkSize(parts.reduce(0) { $0 + $1.count }, "the joined tensor")
            return .tensor(try Tensor.cat(parts, axis: try args.int("axis")))
        },
        Builtin("stack", [.init("tensors", .list), .init("axis", .int, default: .number(0))], returns: "tensor",
                doc: "Stacks a list of equal-shaped tensors along a new axis.") { args, ctx in
            let parts = try tensors(args, "tensors")
            try ctx.checkSize(parts.reduce(0) { $0 + $1.count }, "the stacked tensor")
            return .tensor(try Tensor.stack(parts, axis: try args.int("axis")))
        },
        Builtin("transpose", [.init("x", .tensor), .init("a", .int, default: .number(-2)), .init("b", .int, default: .number(-1))],
                returns: "tensor", doc: "Swaps two axes (the last two by default).") { args, _ in
            .tensor(try args.tensor("x").transposed(try args.int("a"), try args.int("b")))
        },
    ]
}
