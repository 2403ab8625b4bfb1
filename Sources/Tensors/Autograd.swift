import Foundation

/// Reverse-mode autodiff. Each result of an op on values that need gradients carries a
/// `GradNode`: the nodes of its inputs and a closure mapping the result's gradient to
/// theirs. `backward()` walks the graph once in reverse topological order and frees each
/// closure (and the activations it captured) as soon as it has run.
final class GradNode: @unchecked Sendable {
    let inputs: [GradNode?]
    /// (gradient of the result, which inputs need one) -> one gradient per input.
    var backward: ((Tensor, [Bool]) throws -> [Tensor?])?
    /// Set on leaves: where the gradient ends up.
    let parameter: Parameter?
    var grad: Tensor?

    init(inputs: [GradNode?], backward: @escaping (Tensor, [Bool]) throws -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
        self.parameter = nil
    }

    init(leaf parameter: Parameter) {
        self.inputs = []
        self.backward = nil
        self.parameter = parameter
    }
}

/// A trainable value. Gradients accumulate in `grad` until `zeroGrad()`.
public final class Parameter: @unchecked Sendable {
    public var value: Tensor
    public var grad: Tensor?
    /// Off by default, so inference never builds a graph; training switches on what it trains.
    public var requiresGrad: Bool

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value.detached()
        self.requiresGrad = requiresGrad
    }

    /// The value as an input to ops: linked to this parameter while gradients are recorded.
    public var tensor: Tensor {
        guard requiresGrad, GradMode.isEnabled else { return value }
        return Tensor(uncheckedShape: value.shape, scalars: value.scalars, node: GradNode(leaf: self))
    }

    public var shape: [Int] { value.shape }

    public func zeroGrad() { grad = nil }
}

/// Whether ops record the graph. Scoped with `noGrad`, per thread: forEachIndependent's workers
/// run forward and backward passes side by side, and one worker's `noGrad` (every backward
/// runs in one) must not stop another from recording. The workers start with their caller's mode.
public enum GradMode {
    private static let depthKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// How many `noGrad` scopes the calling thread is in.
    static var disabledDepth: Int {
        get { Int(bitPattern: pthread_getspecific(depthKey)) }
        set { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue)) }
    }

    public static var isEnabled: Bool { disabledDepth == 0 }
}

/// Runs `body` without recording gradients (inference, evaluation inside training).
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    GradMode.disabledDepth += 1
    defer { GradMode.disabledDepth -= 1 }
    return try body()
}

extension Tensor {
    /// Builds an op's result, recording `backward` only when an input needs gradients.
    static func result(
        shape: [Int], scalars: [Float], inputs: [Tensor],
        backward: @escaping (Tensor, [Bool]) throws -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else {
            return Tensor(uncheckedShape: shape, scalars: scalars)
        }
        let node = GradNode(inputs: inputs.map(\.node), backward: backward)
        return Tensor(uncheckedShape: shape, scalars: scalars, node: node)
    }

    /// Accumulates d(self)/d(parameter) into every parameter this value depends on.
    /// `self` must hold one element unless `gradient` is given.
    public func backward(_ gradient: Tensor? = nil) throws {
        guard let root = node else { return }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: gradient.shape)
            }
            seed = gradient.detached()
        } else {
            guard count == 1 else {
                throw TensorError.badShape(op: "backward", expected: "a single element (or an explicit gradient)", got: shape)
            }
            seed = Tensor(repeating: 1, shape: shape)
        }
        root.grad = seed
        for node in GradNode.reverseTopologicalOrder(from: root) {
            guard let grad = node.grad else { continue }
            node.grad = nil
            if let parameter = node.parameter {
                parameter.grad = try parameter.grad.map { try $0 + grad } ?? grad
                continue
            }
            guard let backward = node.backward else {
                // Its closure already ran in an earlier backward(): continuing would silently
                // drop this gradient (PyTorch refuses the same way).
                throw TensorError.invalidArgument(
                    op: "backward", message: "the graph was already used by an earlier backward(); run the forward pass again")
            }
            node.backward = nil  // frees the activations it captured
            let needs = node.inputs.map { $0 != nil }
            let grads = try noGrad { try backward(grad, needs) }
            for (input, g) in zip(node.inputs, grads) {
                guard let input, let g else { continue }
                input.grad = try input.grad.map { try $0 + g } ?? g
            }
        }
    }
}

extension GradNode {
    /// Nodes ordered so that each comes before all of its inputs (iterative: graphs are deep).
    static func reverseTopologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order.reversed()
    }
}
