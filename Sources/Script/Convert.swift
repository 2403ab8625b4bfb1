import Tensors

/// Conversions between language values and tensors.
public enum Convert {
    /// A tensor from a tensor, number, bool, range or nested list of numbers (rectangular).
    public static func tensor(_ v: Value) throws -> Tensor {
        switch v {
        case .tensor(let t): return t
        case .number(let d): return Tensor(Float(d))
        case .bool(let b): return Tensor(b ? 1 : 0)
        case .range(let r): return Tensor((0..<r.count).map { Float(r.element($0)) })
        case .list:
            let shape = try shapeOf(v, depth: 0)
            var scalars: [Float] = []
            scalars.reserveCapacity(shape.reduce(1, *))
            try flatten(v, shape[...], into: &scalars)
            return try Tensor(shape: shape, scalars: scalars)
        default:
            throw BuiltinError("cannot make a tensor from a \(v.typeName)")
        }
    }

    /// The shape a nested list claims, read along its first elements.
    static func shapeOf(_ v: Value, depth: Int) throws -> [Int] {
        guard depth < 32 else { throw BuiltinError("lists nested too deeply for a tensor") }
        switch v {
        case .list(let items):
            guard let first = items.first else { return [0] }
            return [items.count] + (try shapeOf(first, depth: depth + 1))
        case .tensor(let t): return t.shape
        case .range(let r): return [r.count]
        case .number, .bool: return []
        default: throw BuiltinError("a tensor holds numbers, found a \(v.typeName) in the list")
        }
    }

    static func flatten(_ v: Value, _ shape: ArraySlice<Int>, into scalars: inout [Float]) throws {
        switch v {
        case .number(let d) where shape.isEmpty: scalars.append(Float(d))
        case .bool(let b) where shape.isEmpty: scalars.append(b ? 1 : 0)
        case .tensor(let t) where Array(shape) == t.shape: scalars.append(contentsOf: t.scalars)
        case .range(let r) where Array(shape) == [r.count]: scalars.append(contentsOf: (0..<r.count).map { Float(r.element($0)) })
        case .list(let items) where shape.first == items.count:
            for item in items { try flatten(item, shape.dropFirst(), into: &scalars) }
        case .number, .bool, .tensor, .list, .range:
            throw BuiltinError("the nested lists are not rectangular (expected every element to have shape \(formatShape(Array(shape))))")
        default:
            throw BuiltinError("a tensor holds numbers, found a \(v.typeName) in the list")
        }
    }

    /// The first-axis rows of a tensor as values (numbers for a vector).
    static func rows(_ t: Tensor) -> [Value] {
        guard t.rank >= 1 else { return [.number(Double(t.scalars.first ?? 0))] }
        if t.rank == 1 { return t.scalars.map { .number(number($0)) } }
        return (0..<t.shape[0]).compactMap { try? Indexing.tensorRow(t, $0) }
    }

    /// A number for a rank-0 tensor, else the tensor (what reductions over everything return).
    public static func value(_ t: Tensor) -> Value {
        if t.rank == 0, let x = t.scalars.first { return .number(number(x)) }
        return .tensor(t)
    }

    /// The Double that prints like the Float does: 0.1f becomes 0.1, not 0.10000000149011612.
    public static func number(_ x: Float) -> Double {
        if x == x.rounded() || !x.isFinite { return Double(x) }
        return Double(x.description) ?? Double(x)
    }
}
