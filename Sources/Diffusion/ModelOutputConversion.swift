import Tensors

/// What a UNet's output means, converted to the x0 and noise estimates the schedulers step with.
/// Two parameterisations of the same forward process, in float32 as diffusers computes them:
/// - alpha space (DDIM, DDPM, DPM-Solver): x_t = a x0 + s e, with a = sqrt(abar_t), s = sqrt(1 - abar_t);
/// - sigma space (Euler, LMS; Karras et al. 2022): x = x0 + sigma e, sigma = sqrt((1 - abar) / abar),
///   i.e. x = x_t / a.
extension SchedulerConfig.Prediction {
    /// x0 = (x_t - s e) / a for epsilon; a x_t - s v for v (Salimans & Ho 2022); the output itself
    /// for sample.
    func originalSample(_ output: [Float], sample x: [Float], alpha a: Float, sigma s: Float) -> [Float] {
        switch self {
        case .epsilon: return zip(x, output).map { ($0 - s * $1) / a }
        case .vPrediction: return zip(x, output).map { a * $0 - s * $1 }
        case .sample: return output
        }
    }

    /// e = the output for epsilon; (x_t - a x0) / s for sample; a v + s x_t for v.
    func noise(_ output: [Float], sample x: [Float], alpha a: Float, sigma s: Float) -> [Float] {
        switch self {
        case .epsilon: return output
        case .sample: return zip(x, output).map { ($0 - a * $1) / s }
        case .vPrediction: return zip(output, x).map { a * $0 + s * $1 }
        }
    }

    /// `noise` on tensors, differentiable (training takes gradients through a v-model's noise);
    /// `a` and `s` hold one value per batch row, shaped to broadcast ([B,1,1,1]).
    func noise(_ output: Tensor, sample x: Tensor, alpha a: Tensor, sigma s: Tensor) throws -> Tensor {
        switch self {
        case .epsilon: return output
        case .sample: return try (x - a * output) / s
        case .vPrediction: return try a * output + s * x
        }
    }

    /// Sigma space: x0 = x - sigma e for epsilon; v (-sigma / sqrt(sigma^2 + 1)) + x / (sigma^2 + 1)
    /// for v; the output for sample.
    func originalSample(_ output: [Float], sample x: [Float], sigma: Float) -> [Float] {
        switch self {
        case .epsilon:
            return zip(x, output).map { $0 - sigma * $1 }
        case .vPrediction:
            let c = -sigma / (sigma * sigma + 1).squareRoot(), d = sigma * sigma + 1
            return zip(output, x).map { $0 * c + $1 / d }
        case .sample:
            return output
        }
    }
}
