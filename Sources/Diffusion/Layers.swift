import Tensors

/// The building blocks every model here is made of, each reading its own weights by key
/// (`<prefix>.weight`, `<prefix>.bias`) with the shape the config implies.

/// nn.Linear: y = x W^T + b, W [out, in]; plus a low-rank update when a LoRA adapter is attached.
/// A class, so that fine-tuning can attach adapters to a model after it is built.
public final class Linear: @unchecked Sendable {
    public let weight: Parameter, bias: Parameter?
    public var lora: LoRAAdapter?

    public init(_ w: WeightStore, _ at: String, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool = true) throws {
        weight = try w.parameter("\(at).weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try w.parameter("\(at).bias", shape: [outFeatures]) : nil
        w.register(self, at: at)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try Tensor.linear(x, weight: weight.tensor, bias: bias?.tensor)
        guard let lora else { return y }
        return try y + lora(x)
    }
}

/// LoRA (Hu et al.): y += scale * B(A x), A [rank, in], B [out, rank]; B starts at zero so an
/// attached adapter leaves the model unchanged until trained. Keys follow PEFT: lora_A, lora_B.
public final class LoRAAdapter: @unchecked Sendable {
    public let down: Parameter, up: Parameter
    public let scale: Float

    public init(down: Tensor, up: Tensor, scale: Float) {
        self.down = Parameter(down, requiresGrad: true)
        self.up = Parameter(up, requiresGrad: true)
        self.scale = scale
    }

    public var rank: Int { down.shape[0] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try Tensor.linear(x, weight: down.tensor, bias: nil)
        return try Tensor.linear(h, weight: up.tensor, bias: nil) * scale
    }

    /// The dense update scale * B A, to merge into the base weight.
    public func delta() throws -> Tensor { try Tensor.matmul(up.value, down.value) * scale }
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
