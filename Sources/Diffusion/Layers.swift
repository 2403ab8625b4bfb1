import Tensors

/// The building blocks every model here is made of, each reading its own weights by key
/// (`<prefix>.weight`, `<prefix>.bias`) with the shape the config implies.

/// nn.Linear: y = x W^T + b, W [out, in].
public struct Linear: Sendable {
    public let weight: Parameter, bias: Parameter?

    public init(_ w: WeightStore, _ at: String, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true) throws {
        weight = try w.parameter("\(at).weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try w.parameter("\(at).bias", shape: [outFeatures]) : nil
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.linear(x, weight: weight.tensor, bias: bias?.tensor)
    }
}

/// nn.Conv2d (groups 1), square kernel.
public struct Conv2d: Sendable {
    public let weight: Parameter, bias: Parameter?
    public let stride: Int, padding: Int

    public init(_ w: WeightStore, _ at: String, in inChannels: Int, out outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, bias hasBias: Bool = true) throws {
        weight = try w.parameter("\(at).weight", shape: [outChannels, inChannels, kernel, kernel])
        bias = hasBias ? try w.parameter("\(at).bias", shape: [outChannels]) : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(x, weight: weight.tensor, bias: bias?.tensor, stride: stride, padding: padding)
    }
}

/// nn.GroupNorm with affine weight and bias.
public struct GroupNorm: Sendable {
    public let weight: Parameter, bias: Parameter
    public let groups: Int, eps: Float

    public init(_ w: WeightStore, _ at: String, channels: Int, groups: Int, eps: Float) throws {
        weight = try w.parameter("\(at).weight", shape: [channels])
        bias = try w.parameter("\(at).bias", shape: [channels])
        self.groups = groups
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.groupNorm(groups: groups, weight: weight.tensor, bias: bias.tensor, eps: eps)
    }
}

/// nn.LayerNorm over the last dimension, with affine weight and bias.
public struct LayerNorm: Sendable {
    public let weight: Parameter, bias: Parameter
    public let eps: Float

    public init(_ w: WeightStore, _ at: String, dim: Int, eps: Float) throws {
        weight = try w.parameter("\(at).weight", shape: [dim])
        bias = try w.parameter("\(at).bias", shape: [dim])
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.layerNorm(weight: weight.tensor, bias: bias.tensor, eps: eps)
    }
}

/// nn.Embedding: rows of a [count, dim] table.
public struct Embedding: Sendable {
    public let weight: Parameter

    public init(_ w: WeightStore, _ at: String, count: Int, dim: Int) throws {
        weight = try w.parameter("\(at).weight", shape: [count, dim])
    }

    /// ids [B, L] (as a flat list plus its shape) -> [B, L, dim].
    public func callAsFunction(_ ids: [Int], shape: [Int]) throws -> Tensor {
        try Tensor.embedding(weight.tensor, ids: ids, idsShape: shape)
    }
}
