import Tensors

/// AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW computes it:
/// p <- p (1 - lr wd); m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
/// p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
public final class AdamW {
    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 1e-2
        public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 1e-2) {
            self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        }
    }

    public let parameters: [(name: String, parameter: Parameter)]
    public let hyper: Hyperparameters
    /// First and second moments by parameter name (what a checkpoint stores to resume).
    public private(set) var firstMoments: [String: [Float]] = [:]
    public private(set) var secondMoments: [String: [Float]] = [:]
    public private(set) var stepCount = 0

    public init(_ parameters: [(name: String, parameter: Parameter)], hyper: Hyperparameters = .init()) {
        self.parameters = parameters
        self.hyper = hyper
    }

    /// One update with learning rate `lr`; parameters without a gradient are left alone.
    public func step(lr: Float) {
        stepCount += 1
        // Bias corrections in Double, as PyTorch computes them on Python floats.
        let t = Double(stepCount)
        let bias1 = 1 - Foundation.pow(Double(hyper.beta1), t), bias2 = 1 - Foundation.pow(Double(hyper.beta2), t)
        let stepSize = Float(Double(lr) / bias1), bias2Root = Float(bias2.squareRoot())
        for (name, p) in parameters {
            guard let grad = p.grad else { continue }
            // Taken out of the dictionaries, so the updates below do not copy them first.
            var m = firstMoments.removeValue(forKey: name) ?? [Float](repeating: 0, count: p.value.count)
            var v = secondMoments.removeValue(forKey: name) ?? [Float](repeating: 0, count: p.value.count)
            var w = p.value.scalars
            let g = grad.scalars
            for i in 0..<w.count {
                w[i] *= 1 - lr * hyper.weightDecay
                m[i] += (1 - hyper.beta1) * (g[i] - m[i])  // torch's lerp
                v[i] = hyper.beta2 * v[i] + (1 - hyper.beta2) * g[i] * g[i]
                w[i] -= stepSize * m[i] / (v[i].squareRoot() / bias2Root + hyper.eps)
            }
            p.value = Tensor(uncheckedScalars: w, shape: p.value.shape)
            firstMoments[name] = m
            secondMoments[name] = v
        }
    }

    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }

    /// Restores the moments and step count saved from an earlier run.
    public func restore(step: Int, first: [String: [Float]], second: [String: [Float]]) {
        stepCount = step
        firstMoments = first
        secondMoments = second
    }
}

/// Scales all gradients down so their global L2 norm is at most `maxNorm`
/// (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters { for g in p.grad?.scalars ?? [] { total += Double(g) * Double(g) } }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters { if let g = p.grad { p.grad = g * scale } }
    }
    return norm
}

/// Learning rate over training: constant, linear warm-up, or warm-up then cosine decay to 0.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
    case constant, warmup, cosine

    public func rate(base: Float, step: Int, totalSteps: Int, warmupSteps: Int) -> Float {
        let warm = warmupSteps > 0 ? Swift.min(1, Float(step + 1) / Float(warmupSteps)) : 1
        switch self {
        case .constant: return base
        case .warmup: return base * warm
        case .cosine:
            guard step >= warmupSteps else { return base * warm }
            let progress = Float(step - warmupSteps) / Float(Swift.max(1, totalSteps - warmupSteps))
            return base * 0.5 * (1 + Foundation_cos(Float.pi * Swift.min(1, progress)))
        }
    }
}

import Foundation
@inline(__always) func Foundation_cos(_ a: Float) -> Float { Foundation.cos(a) }
