/// A dense Float32 array, row-major, with an optional link into the autodiff graph.
///
/// Value semantics: the scalars are a copy-on-write array, so passing a tensor around
/// never aliases memory a caller could mutate. Image tensors are NCHW.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public internal(set) var scalars: [Float]
    /// Where this value came from, when gradients are being recorded; nil for constants.
    var node: GradNode?

    /// A tensor from its shape and row-major scalars; the count must match.
    public init(shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "tensor", message: "negative size in shape \(formatShape(shape))")
        }
        let n = shape.reduce(1, *)
        guard n == scalars.count else {
            throw TensorError.invalidArgument(
                op: "tensor", message: "shape \(formatShape(shape)) holds \(n) values, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// For callers that built `scalars` to fit `shape` themselves.
    init(uncheckedShape shape: [Int], scalars: [Float], node: GradNode? = nil) {
        self.shape = shape
        self.scalars = scalars
        self.node = node
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(uncheckedShape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A rank-0 tensor holding one number.
    public init(_ value: Float) { self.init(uncheckedShape: [], scalars: [value]) }

    /// A rank-1 tensor.
    public init(_ values: [Float]) { self.init(uncheckedShape: [values.count], scalars: values) }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The single value of a one-element tensor.
    public func item() throws -> Float {
        guard scalars.count == 1 else {
            throw TensorError.badShape(op: "item", expected: "a single element", got: shape)
        }
        return scalars[0]
    }

    /// Whether gradients flow back through this value.
    public var requiresGrad: Bool { node != nil }

    /// The same values, cut from the graph.
    public func detached() -> Tensor { Tensor(uncheckedShape: shape, scalars: scalars) }

    /// Row-major strides of `shape`.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= shape[i]
        }
        return strides
    }
}

extension Tensor {
    /// For other modules that assemble results whose size they have already checked.
    public init(uncheckedScalars scalars: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == scalars.count, "internal: tensor shape and scalar count disagree")
        self.init(uncheckedShape: shape, scalars: scalars)
    }
}
