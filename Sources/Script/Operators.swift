import Foundation
import Tensors

/// Arithmetic, comparison and equality between values; tensors broadcast.
extension Interpreter {
    func unary(_ op: UnaryOperator, _ v: Value, _ at: SourceSpan) throws -> Value {
        switch (op, v) {
        case (.not, _):
            do { return .bool(!(try v.truth())) } catch let e as BuiltinError { throw ScriptError(.runtime, e.message, at: at) }
        case (.negate, .number(let d)): return .number(-d)
        case (.negate, .tensor(let t)): return .tensor(-t)
        case (.plus, .number), (.plus, .tensor): return v
        default:
            throw ScriptError(.runtime, "cannot apply '\(op.rawValue)' to a \(v.typeName)", at: at)
        }
    }

    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, _ at: SourceSpan) throws -> Value {
        do {
            return try Operators.apply(op, a, b, limits: limits)
        } catch let error as BuiltinError {
            throw ScriptError(.runtime, error.message, at: at)
        } catch let error as TensorError {
            throw ScriptError(.runtime, error.description, at: at)
        }
    }
}

public enum Operators {
    public static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value, limits: Limits = Limits()) throws -> Value {
        switch op {
        case .isIn: return .bool(try membership(a, in: b))
        case .isNotIn: return .bool(!(try membership(a, in: b)))
        case .equal, .notEqual:
            // Tensors compare elementwise, as `<` does (a mask for x[x == 2]); every other value
            // structurally, to one true or false.
            if case .tensor = a, let x = try? Convert.tensor(a), let y = try? Convert.tensor(b) { return try tensors(op, x, y, limits: limits) }
            if case .tensor = b, let x = try? Convert.tensor(a), let y = try? Convert.tensor(b) { return try tensors(op, x, y, limits: limits) }
            return equality(a, b, negate: op == .notEqual)
        default: break
        }
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return try numbers(op, x, y)
        case (.tensor, _), (_, .tensor):
            guard let x = try? Convert.tensor(a), let y = try? Convert.tensor(b) else { break }
            return try tensors(op, x, y, limits: limits)
        case (.string(let x), .string(let y)):
            switch op {
            case .add:
                guard x.utf8.count + y.utf8.count <= limits.maxElements else { throw BuiltinError("the joined string would be too long") }
                return .string(x + y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            default: break
            }
        case (.string(let s), .number(let n)) where op == .multiply, (.number(let n), .string(let s)) where op == .multiply:
            let k = try repeatCount(n, s.utf8.count, limits)
            return .string(String(repeating: s, count: k))
        case (.list(let x), .list(let y)) where op == .add:
            guard x.count + y.count <= limits.maxElements else { throw BuiltinError("the joined list would be too long") }
            return .list(x + y)
        case (.list(let l), .number(let n)) where op == .multiply, (.number(let n), .list(let l)) where op == .multiply:
            let k = try repeatCount(n, l.count, limits)
            return .list(Array([[Value]](repeating: l, count: k).joined()))
        case (.string, .number) where op == .add, (.number, .string) where op == .add:
            throw BuiltinError("cannot add a string and a number: write \"...{x}...\" or str(x)")
        default:
            break
        }
        throw BuiltinError("cannot apply '\(op.rawValue)' to a \(a.typeName) and a \(b.typeName)")
    }

    static func repeatCount(_ n: Double, _ size: Int, _ limits: Limits) throws -> Int {
        guard n == n.rounded(), n >= 0, n < 1e12 else { throw BuiltinError("can only repeat a whole, non-negative number of times, got \(Printer.formatNumber(n))") }
        guard Int(n) * Swift.max(size, 1) <= limits.maxElements else { throw BuiltinError("the repeated result would be too long") }
        return Int(n)
    }

    static func numbers(_ op: BinaryOperator, _ x: Double, _ y: Double) throws -> Value {
        switch op {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide: return .number(x / y)
        case .remainder: return .number(floorMod(x, y))
        case .power: return .number(Foundation.pow(x, y))
        case .less: return .bool(x < y)
        case .lessEqual: return .bool(x <= y)
        case .greater: return .bool(x > y)
        case .greaterEqual: return .bool(x >= y)
        case .matmul: throw BuiltinError("'@' multiplies matrices: both sides must be tensors")
        case .equal, .notEqual: return .bool((x == y) == (op == .equal))
        case .isIn, .isNotIn: throw BuiltinError("'\(op.rawValue)' needs a list, string, record, range or tensor on its right, got a number")
        }
    }

    /// Python's `%`: the result has the sign of the divisor.
    static func floorMod(_ x: Double, _ y: Double) -> Double {
        let r = x.truncatingRemainder(dividingBy: y)
        return (r != 0 && (r < 0) != (y < 0)) ? r + y : r
    }

    static func tensors(_ op: BinaryOperator, _ x: Tensor, _ y: Tensor, limits: Limits) throws -> Value {
        if op != .matmul {
            let shape = try broadcastShape(x.shape, y.shape, op: op.rawValue)
            let n = shape.reduce(1, *)
            guard n <= limits.maxElements else { throw BuiltinError("the result of '\(op.rawValue)' would hold \(n) elements, more than the limit") }
        }
        switch op {
        case .add: return .tensor(try x + y)
        case .subtract: return .tensor(try x - y)
        case .multiply: return .tensor(try x * y)
        case .divide: return .tensor(try x / y)
        case .power: return .tensor(try x.pow(y))
        case .remainder:
            let s = try broadcastShape(x.shape, y.shape, op: "%")
            let xs = try x.broadcast(to: s).scalars, ys = try y.broadcast(to: s).scalars
            return .tensor(try Tensor(shape: s, scalars: zip(xs, ys).map { Float(floorMod(Double($0), Double($1))) }))
        case .less: return .tensor(try Tensor.compare(x, y, op: "<") { $0 < $1 })
        case .lessEqual: return .tensor(try Tensor.compare(x, y, op: "<=") { $0 <= $1 })
        case .greater: return .tensor(try Tensor.compare(x, y, op: ">") { $0 > $1 })
        case .greaterEqual: return .tensor(try Tensor.compare(x, y, op: ">=") { $0 >= $1 })
        case .equal: return .tensor(try Tensor.compare(x, y, op: "==") { $0 == $1 })
        case .notEqual: return .tensor(try Tensor.compare(x, y, op: "!=") { $0 != $1 })
        case .matmul: return try matmul(x, y, limits: limits)
        case .isIn, .isNotIn: return .bool(try membership(Convert.value(x), in: .tensor(y)) == (op == .isIn))
        }
    }

    /// NumPy's rules for vectors: a vector on the left is a row, on the right a column,
    /// and the added dimension is removed again; two vectors give their dot product.
    static func matmul(_ x: Tensor, _ y: Tensor, limits: Limits) throws -> Value {
        guard x.rank >= 1, y.rank >= 1 else {
            throw BuiltinError("'@' needs tensors with at least one dimension, got \(formatShape(x.shape)) and \(formatShape(y.shape))")
        }
        let a = x.rank == 1 ? try x.unsqueezed(0) : x
        let b = y.rank == 1 ? try y.unsqueezed(1) : y
        guard a.shape[a.rank - 1] == b.shape[b.rank - 2] else {
            throw BuiltinError("'@' needs the inner sizes to agree: \(formatShape(x.shape)) @ \(formatShape(y.shape))")
        }
        let n = a.shape[a.rank - 2] * b.shape[b.rank - 1] * Swift.max(a.count / Swift.max(1, a.shape[a.rank - 2] * a.shape[a.rank - 1]), b.count / Swift.max(1, b.shape[b.rank - 2] * b.shape[b.rank - 1]))
        guard n <= limits.maxElements else { throw BuiltinError("the result of '@' would hold \(n) elements, more than the limit") }
        var r = try Tensor.matmul(a, b)
        if y.rank == 1 { r = try r.squeezed([r.rank - 1]) }
        if x.rank == 1 { r = try r.squeezed([r.rank - (y.rank == 1 ? 1 : 2)]) }
        if r.rank == 0 { return .number(Double(r.scalars[0])) }
        return .tensor(r)
    }

    /// `x in c`, as Python's: an element of a list, range, tuple or tensor (by `==` of values), a
    /// substring of a string, a field name of a record.
    static func membership(_ x: Value, in container: Value) throws -> Bool {
        switch (x, container) {
        case (.string(let needle), .string(let text)): return needle.isEmpty || text.contains(needle)
        case (_, .string): throw BuiltinError("'in' on a string looks for a string, got a \(x.typeName)")
        case (.string(let key), .record(let r)): return r[key] != nil
        case (_, .record): throw BuiltinError("'in' on a record looks for a field name (a string), got a \(x.typeName)")
        case (.number(let d), .range(let r)):
            guard d == d.rounded(), Swift.abs(d) < 9e15 else { return false }
            let k = Int(d) - r.start
            return k % r.step == 0 && k / r.step >= 0 && k / r.step < r.count
        case (_, .tensor(let t)):
            // Like `(t == x).any()` in NumPy: a number is in a tensor when some element equals it.
            guard let d = numberValue(x) else { throw BuiltinError("'in' on a tensor looks for a number, got a \(x.typeName)") }
            return t.scalars.contains { Double($0) == d || Convert.number($0) == d }
        case (_, .list), (_, .range), (_, .host(_ as SequenceHost)):
            let walk = try Iteration(container)
            for i in 0..<walk.count where equal(x, try walk.element(i)) { return true }
            return false
        default:
            throw BuiltinError("'in' needs a list, string, record, range or tensor on its right, got a \(container.typeName)")
        }
    }

    static func numberValue(_ v: Value) -> Double? {
        switch v {
        case .number(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t) where t.count == 1: return Double(t.scalars[0])
        default: return nil
        }
    }

    /// `==` between values that are not tensors: structural, one true or false (tensors compare
    /// elementwise in `apply`; inside lists and records they count as equal when shape and values are).
    public static func equality(_ a: Value, _ b: Value, negate: Bool) -> Value {
        .bool(equal(a, b) != negate)
    }

    public static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.none, .none): return true
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.record(let x), .record(let y)):
            return x.keys == y.keys && x.fields.allSatisfy { f in y[f.key].map { equal(f.value, $0) } ?? false }
        case (.tensor(let x), .tensor(let y)): return x.shape == y.shape && x.scalars == y.scalars
        case (.range(let x), .range(let y)): return x == y
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x.name == y.name
        case (.host(let x), .host(let y)): return x === y
        default: return false
        }
    }
}
