import Tensors

/// One evaluated index: a position, a slice or a record key.
public enum IndexValue {
    case at(Int)
    case slice(Int?, Int?, Int?)
    case key(String)
}

/// `x[i]`, `x[a:b:c]`, `t[0, 1:3]`, `r["k"]`, reading and writing, NumPy/Python rules
/// (negative positions count from the end; slices clamp to the bounds).
enum Indexing {
    /// Normalises a position against a length, or says why it does not fit.
    static func position(_ i: Int, _ count: Int, _ what: String) throws -> Int {
        let p = i < 0 ? i + count : i
        guard p >= 0 && p < count else {
            throw BuiltinError("index \(i) is out of range for \(what) of length \(count)")
        }
        return p
    }

    /// Python's slice.indices: start, step and number of elements.
    static func sliceBounds(_ a: Int?, _ b: Int?, _ c: Int?, _ count: Int) -> (start: Int, step: Int, length: Int) {
        let step = c ?? 1
        func clamp(_ x: Int?, _ defaultValue: Int) -> Int {
            guard var x else { return defaultValue }
            if x < 0 { x += count }
            return step > 0 ? Swift.min(Swift.max(x, 0), count) : Swift.min(Swift.max(x, -1), count - 1)
        }
        let start = clamp(a, step > 0 ? 0 : count - 1)
        let end = clamp(b, step > 0 ? count : -1)
        let length = step > 0 ? Swift.max(0, (end - start + step - 1) / step) : Swift.max(0, (start - end + (-step) - 1) / (-step))
        return (start, step, length)
    }

    static func get(_ v: Value, _ indices: [IndexValue], limits: Limits) throws -> Value {
        switch v {
        case .list(let items):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a list takes one index, got \(indices.count)") }
            switch index {
            case .at(let i): return items[try position(i, items.count, "a list")]
            case .slice(let a, let b, let c):
                let (start, step, n) = sliceBounds(a, b, c, items.count)
                return .list((0..<n).map { items[start + $0 * step] })
            case .key(let k): throw BuiltinError("a list is indexed by numbers, not by the string \"\(k)\"")
            }
        case .string(let s):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a string takes one index, got \(indices.count)") }
            let chars = Array(s)
            switch index {
            case .at(let i): return .string(String(chars[try position(i, chars.count, "a string")]))
            case .slice(let a, let b, let c):
                let (start, step, n) = sliceBounds(a, b, c, chars.count)
                return .string(String((0..<n).map { chars[start + $0 * step] }))
            case .key: throw BuiltinError("a string is indexed by numbers")
            }
        case .range(let r):
            guard indices.count == 1, case .at(let i) = indices[0] else { throw BuiltinError("a range takes one whole-number index") }
            return .number(Double(r.element(try position(i, r.count, "a range"))))
        case .record(let r):
            guard indices.count == 1, case .key(let k) = indices[0] else { throw BuiltinError("a record is indexed by a field name, e.g. r[\"x\"]") }
            guard let field = r[k] else {
                throw BuiltinError("the record has no field \"\(k)\"" + Suggestions.hint(for: k, among: r.keys) + " (fields: \(r.keys.joined(separator: ", ")))")
            }
            return field
        case .tensor(let t):
            let (shape, offsets) = try selection(t.shape, indices)
            try limitCheck(offsets.count, limits)
            let scalars = offsets.map { t.scalars[$0] }
            if shape.isEmpty, let only = scalars.first { return .number(Convert.number(only)) }
            return .tensor(try Tensor(shape: shape, scalars: scalars))
        default:
            throw BuiltinError("a \(v.typeName) cannot be indexed")
        }
    }

    static func limitCheck(_ n: Int, _ limits: Limits) throws {
        guard n <= limits.maxElements else { throw BuiltinError("the selection would hold \(n) elements, more than the limit") }
    }

    /// The shape of `t[indices]` and the flat positions it covers, in row-major order.
    static func selection(_ shape: [Int], _ indices: [IndexValue]) throws -> (shape: [Int], offsets: [Int]) {
        guard indices.count <= shape.count else {
            throw BuiltinError("too many indices (\(indices.count)) for a tensor of shape \(formatShape(shape))")
        }
        let strides = Tensor.strides(of: shape)
        var outShape: [Int] = []
        // Per axis: the source positions selected along it.
        var axes: [[Int]] = []
        for (axis, size) in shape.enumerated() {
            let index = axis < indices.count ? indices[axis] : .slice(nil, nil, nil)
            switch index {
            case .at(let i):
                let p = i < 0 ? i + size : i
                guard p >= 0 && p < size else {
                    throw BuiltinError("index \(i) is out of range for axis \(axis) of size \(size) (shape \(formatShape(shape)))")
                }
                axes.append([p])
            case .slice(let a, let b, let c):
                let (start, step, n) = sliceBounds(a, b, c, size)
                axes.append((0..<n).map { start + $0 * step })
                outShape.append(n)
            case .key(let k):
                throw BuiltinError("a tensor is indexed by numbers, not by the string \"\(k)\"")
            }
        }
        var offsets = [0]
        for (axis, picks) in axes.enumerated() {
            var next: [Int] = []
            next.reserveCapacity(offsets.count * picks.count)
            for o in offsets { for p in picks { next.append(o + p * strides[axis]) } }
            offsets = next
        }
        return (outShape, offsets)
    }

    /// Row `i` of a tensor along its first axis: a number for a vector, else a tensor.
    static func tensorRow(_ t: Tensor, _ i: Int) throws -> Value {
        try get(.tensor(t), [.at(i)], limits: Limits())
    }

    /// `container[indices] = value`, in place.
    static func set(_ container: inout Value, _ indices: [IndexValue], _ value: Value) throws {
        switch container {
        case .list(var items):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a list takes one index, got \(indices.count)") }
            container = .none  // let `items` be the only reference, so the update is in place
            defer { container = .list(items) }
            switch index {
            case .at(let i):
                items[try position(i, items.count, "a list")] = value
            case .slice(let a, let b, let c):
                guard case .list(let replacement) = value else { throw BuiltinError("assign a list to a list slice") }
                let (start, step, n) = sliceBounds(a, b, c, items.count)
                if step == 1 {
                    items.replaceSubrange(start..<(start + n), with: replacement)
                } else {
                    guard replacement.count == n else { throw BuiltinError("this slice has \(n) elements, the list assigned has \(replacement.count)") }
                    for k in 0..<n { items[start + k * step] = replacement[k] }
                }
            case .key(let k): throw BuiltinError("a list is indexed by numbers, not by the string \"\(k)\"")
            }
        case .record(var r):
            guard indices.count == 1, case .key(let k) = indices[0] else { throw BuiltinError("a record is indexed by a field name, e.g. r[\"x\"]") }
            container = .none
            r[k] = value
            container = .record(r)
        case .tensor(let t):
            let (shape, offsets) = try selection(t.shape, indices)
            let source = try Convert.tensor(value)
            let filled = try source.broadcast(to: shape)
            var scalars = t.scalars
            container = .none
            for (k, o) in offsets.enumerated() { scalars[o] = filled.scalars[k] }
            container = .tensor(try Tensor(shape: t.shape, scalars: scalars))
        default:
            throw BuiltinError("cannot assign into a \(container.typeName) by index")
        }
    }
}
