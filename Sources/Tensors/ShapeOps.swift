/// Reshaping, reordering, cutting and joining.
extension Tensor {
    /// The same scalars under a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        let unknown = newShape.filter { $0 == -1 }.count
        guard unknown <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", message: "bad target shape \(formatShape(newShape))")
        }
        if unknown == 1, let i = newShape.firstIndex(of: -1) {
            guard known > 0, count % known == 0 else { throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape) }
            target[i] = count / known
        }
        guard target.reduce(1, *) == count else { throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape) }
        let inShape = shape
        return Tensor.result(shape: target, scalars: scalars, inputs: [self]) { g, _ in [try g.reshaped(inShape)] }
    }

    /// Inserts size-1 dimensions at `axes` (positions in the result).
    public func unsqueezed(_ axes: Int...) throws -> Tensor {
        var s = shape
        for a in axes.sorted() {
            let p = a < 0 ? a + s.count + 1 : a
            guard p >= 0 && p <= s.count else { throw TensorError.invalidArgument(op: "unsqueeze", message: "axis \(a) out of range for \(formatShape(shape))") }
            s.insert(1, at: p)
        }
        return try reshaped(s)
    }

    /// Drops size-1 dimensions (all of them, or the ones listed).
    public func squeezed(_ axes: [Int]? = nil) throws -> Tensor {
        let drop = try axes.map { try normalizedAxes($0, op: "squeeze") } ?? shape.indices.filter { shape[$0] == 1 }
        for a in drop where shape[a] != 1 {
            throw TensorError.invalidArgument(op: "squeeze", message: "axis \(a) has size \(shape[a]), not 1")
        }
        return try reshaped(shape.indices.filter { !drop.contains($0) }.map { shape[$0] })
    }

    /// Reorders dimensions: result dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        let order = try order.map { try normalizedAxes([$0], op: "permute")[0] }
        guard order.count == rank, Set(order).count == rank else {
            throw TensorError.invalidArgument(op: "permute", message: "\(order) is not a permutation of the \(rank) axes of \(formatShape(shape))")
        }
        let outShape = order.map { shape[$0] }
        let inStrides = Tensor.strides(of: shape)
        let gathered = order.map { inStrides[$0] }
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                forEachBroadcast(outShape, gathered, gathered) { o, i, _ in po[o] = px[i] }
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.result(shape: outShape, scalars: out, inputs: [self]) { g, _ in [try g.permuted(inverse)] }
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        var order = Array(0..<rank)
        let x = try normalizedAxes([a], op: "transpose")[0], y = try normalizedAxes([b], op: "transpose")[0]
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// Elements `start, start+step, ...` below `end` along `axis` (step > 0).
    public func sliced(axis: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        let a = try normalizedAxes([axis], op: "slice")[0]
        let n = shape[a]
        guard step > 0, start >= 0, end <= n, start <= end else {
            throw TensorError.invalidArgument(op: "slice", message: "range \(start)..<\(end) step \(step) does not fit axis \(a) of \(formatShape(shape))")
        }
        let len = (end - start + step - 1) / step
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = len
        var out = [Float](repeating: 0, count: outer * len * inner)
        scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for o in 0..<outer {
                    for k in 0..<len {
                        let src = (o * n + start + k * step) * inner, dst = (o * len + k) * inner
                        for i in 0..<inner { po[dst + i] = px[src + i] }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.result(shape: outShape, scalars: out, inputs: [self]) { g, _ in
            var back = [Float](repeating: 0, count: inShape.reduce(1, *))
            for o in 0..<outer {
                for k in 0..<len {
                    let dst = (o * n + start + k * step) * inner, src = (o * len + k) * inner
                    for i in 0..<inner { back[dst + i] += g.scalars[src + i] }
                }
            }
            return [Tensor(uncheckedShape: inShape, scalars: back)]
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func cat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "cat", message: "nothing to concatenate") }
        let a = try first.normalizedAxes([axis], op: "cat")[0]
        for p in parts where p.rank != first.rank || zip(p.shape, first.shape).enumerated().contains(where: { $0.offset != a && $0.element.0 != $0.element.1 }) {
            throw TensorError.shapeMismatch(op: "cat along axis \(a)", lhs: first.shape, rhs: p.shape)
        }
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let sizes = parts.map { $0.shape[a] }
        let total = sizes.reduce(0, +)
        var outShape = first.shape
        outShape[a] = total
        var out = [Float]()
        out.reserveCapacity(outer * total * inner)
        for o in 0..<outer {
            for (p, n) in zip(parts, sizes) {
                out.append(contentsOf: p.scalars[(o * n * inner)..<((o + 1) * n * inner)])
            }
        }
        return result(shape: outShape, scalars: out, inputs: parts) { g, needs in
            var offset = 0
            return try zip(sizes, needs).map { n, need in
                defer { offset += n }
                return need ? try g.sliced(axis: a, start: offset, end: offset + n) : nil
            }
        }
    }

    /// Stacks equal-shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "stack", message: "nothing to stack") }
        for p in parts where p.shape != first.shape { throw TensorError.shapeMismatch(op: "stack", lhs: first.shape, rhs: p.shape) }
        let a = axis < 0 ? axis + first.rank + 1 : axis
        guard a >= 0 && a <= first.rank else { throw TensorError.invalidArgument(op: "stack", message: "axis \(axis) out of range") }
        return try cat(parts.map { try $0.unsqueezed(a) }, axis: a)
    }

    /// Cuts along `axis` into pieces of the given sizes.
    public func split(sizes: [Int], axis: Int) throws -> [Tensor] {
        let a = try normalizedAxes([axis], op: "split")[0]
        guard sizes.reduce(0, +) == shape[a], sizes.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "split", message: "sizes \(sizes) do not add up to \(shape[a]) along axis \(a) of \(formatShape(shape))")
        }
        var offset = 0
        return try sizes.map { n in
            defer { offset += n }
            return try sliced(axis: a, start: offset, end: offset + n)
        }
    }

    /// Cuts along `axis` into `chunks` equal pieces (the size must divide).
    public func chunked(_ chunks: Int, axis: Int) throws -> [Tensor] {
        let a = try normalizedAxes([axis], op: "chunk")[0]
        guard chunks > 0, shape[a] % chunks == 0 else {
            throw TensorError.invalidArgument(op: "chunk", message: "axis \(a) of \(formatShape(shape)) does not split into \(chunks) equal chunks")
        }
        return try split(sizes: Array(repeating: shape[a] / chunks, count: chunks), axis: a)
    }

    /// Rows of a [V, D] table picked by integer ids of any shape: result ids.shape + [D].
    public static func embedding(_ table: Tensor, ids: [Int], idsShape: [Int]) throws -> Tensor {
        guard table.rank == 2 else { throw TensorError.badShape(op: "embedding", expected: "a table [V,D]", got: table.shape) }
        guard idsShape.allSatisfy({ $0 >= 0 }), idsShape.reduce(1, *) == ids.count else {
            throw TensorError.invalidArgument(op: "embedding", message: "\(ids.count) ids do not fill the shape \(formatShape(idsShape))")
        }
        let (v, d) = (table.shape[0], table.shape[1])
        var out = [Float](repeating: 0, count: ids.count * d)
        for (k, id) in ids.enumerated() {
            guard id >= 0 && id < v else { throw TensorError.invalidArgument(op: "embedding", message: "id \(id) outside the table's \(v) rows") }
            for j in 0..<d { out[k * d + j] = table.scalars[id * d + j] }
        }
        return result(shape: idsShape + [d], scalars: out, inputs: [table]) { g, _ in
            var back = [Float](repeating: 0, count: v * d)
            for (k, id) in ids.enumerated() { for j in 0..<d { back[id * d + j] += g.scalars[k * d + j] } }
            return [Tensor(uncheckedShape: [v, d], scalars: back)]
        }
    }

    /// Nearest-neighbour 2x upsampling of [N,C,H,W].
    public func upsampleNearest2x() throws -> Tensor {
        guard rank == 4 else { throw TensorError.badShape(op: "upsample", expected: "[N,C,H,W]", got: shape) }
        let (nc, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        var out = [Float](repeating: 0, count: nc * 4 * h * w)
        scalars.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                for c in 0..<nc {
                    for y in 0..<(2 * h) {
                        let src = c * h * w + (y / 2) * w, dst = (c * 2 * h + y) * 2 * w
                        for x in 0..<(2 * w) { po[dst + x] = px[src + x / 2] }
                    }
                }
            }
        }
        let inShape = shape
        return Tensor.result(shape: [shape[0], shape[1], 2 * h, 2 * w], scalars: out, inputs: [self]) { g, _ in
            var back = [Float](repeating: 0, count: nc * h * w)
            for c in 0..<nc {
                for y in 0..<(2 * h) { for x in 0..<(2 * w) { back[c * h * w + (y / 2) * w + x / 2] += g.scalars[(c * 2 * h + y) * 2 * w + x] } }
            }
            return [Tensor(uncheckedShape: inShape, scalars: back)]
        }
    }
}
