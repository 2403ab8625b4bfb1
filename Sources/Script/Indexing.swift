import Tensors

/// One evaluated index: a position, a slice or a record key.
public enum IndexValue {
    case at(Int)
    case slice(Int?, Int?, Int?)
    case key(String)
    /// A tensor used as an index: a mask of 0s and 1s shaped like the leading axes (`x[x > 2]`),
    /// or, holding one whole number, a position.
    case tensor(Tensor)
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

    /// The positions a mask selects, when `m` is one for axes of `shape` (0s and 1s, shaped like
    /// the leading axes); nil when it is not a mask there.
    static func maskPositions(_ m: Tensor, over shape: [Int]) -> [Int]? {
        guard m.rank >= 1, m.rank <= shape.count, Array(shape.prefix(m.rank)) == m.shape,
              m.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else { return nil }
        return m.scalars.indices.filter { m.scalars[$0] == 1 }
    }

    /// A one-element tensor used as a position; anything else is a mask that does not fit.
    static func tensorPosition(_ m: Tensor, _ shape: [Int], _ what: String) throws -> Int {
        guard m.count == 1, let x = m.scalars.first, x == x.rounded(), Swift.abs(x) < 1e9 else {
            throw BuiltinError("a tensor index is a mask of 0s and 1s shaped like \(what)'s leading axes \(formatShape(shape)) (as x > 2 gives), "
                               + "or one whole number; got a tensor of shape \(formatShape(m.shape))")
        }
        return Int(x)
    }

    /// The positions one index selects in a sequence of `count` elements: one (`single`) or several.
    static func sequencePositions(_ index: IndexValue, _ count: Int, _ what: String) throws -> (positions: [Int], single: Bool) {
        switch index {
        case .at(let i): return ([try position(i, count, what)], true)
        case .slice(let a, let b, let c):
            let (start, step, n) = sliceBounds(a, b, c, count)
            return ((0..<n).map { start + $0 * step }, false)
        case .tensor(let m):
            if let picks = maskPositions(m, over: [count]) { return (picks, false) }
            return ([try position(try tensorPosition(m, [count], what), count, what)], true)
        case .key(let k): throw BuiltinError("\(what) is indexed by numbers, not by the string \"\(k)\"")
        }
    }

    static func get(_ v: Value, _ indices: [IndexValue], limits: Limits) throws -> Value {
        switch v {
        case .list(let items):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a list takes one index, got \(indices.count)") }
            let (picks, single) = try sequencePositions(index, items.count, "a list")
            if single, let p = picks.first { return items[p] }
            return .list(picks.map { items[$0] })
        case .host(let h as SequenceHost):
            let what = "a \(h.typeName)"
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("\(what) takes one index, got \(indices.count)") }
            let (picks, single) = try sequencePositions(index, h.count, what)
            if single, let p = picks.first { return try h.element(p) }
            return try h.subsequence(picks)
        case .string(let s):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a string takes one index, got \(indices.count)") }
            let chars = Array(s)
            let (picks, single) = try sequencePositions(index, chars.count, "a string")
            if single, let p = picks.first { return .string(String(chars[p])) }
            return .string(String(picks.map { chars[$0] }))
        case .range(let r):
            guard indices.count == 1, let index = indices.first else { throw BuiltinError("a range takes one index, got \(indices.count)") }
            let (picks, single) = try sequencePositions(index, r.count, "a range")
            if single, let p = picks.first { return .number(Double(r.element(p))) }
            return .list(picks.map { .number(Double(r.element($0))) })
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
        if indices.count == 1, case .tensor(let m) = indices[0], let picks = maskPositions(m, over: shape) {
            // x[mask]: the selected rows of the masked axes, flattened into one axis, as NumPy does.
            let inner = shape[m.rank...].reduce(1, *)
            return ([picks.count] + Array(shape[m.rank...]), picks.flatMap { p in (p * inner)..<(p * inner + inner) })
        }
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
            case .at, .tensor:
                var i = 0
                switch index {
                case .at(let k): i = k
                case .tensor(let m):
                    if maskPositions(m, over: shape) != nil {
                        throw BuiltinError("a mask indexes on its own, x[mask]; it cannot be combined with other indices")
                    }
                    i = try tensorPosition(m, shape, "the tensor")
                default: break
                }
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
            guard indices.count == 1, var index = indices.first else { throw BuiltinError("a list takes one index, got \(indices.count)") }
            if case .tensor(let m) = index {
                guard maskPositions(m, over: [items.count]) == nil else {
                    throw BuiltinError("assigning through a mask works on tensors; for a list, build a new one, e.g. with map")
                }
                index = .at(try tensorPosition(m, [items.count], "a list"))
            }
            container = .none  // let `items` be the only reference, so the update is in place
            defer { container = .list(items) }
            switch index {
            case .at(let i):
                items[try position(i, items.count, "a list")] = value
            case .tensor: break
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
