import Diffusion
import Synchronization
import Tensors

/// DiffusionITM (Krojer et al., 2023): how well each caption explains an image, measured by
/// how well the caption helps a diffusion model predict the noise added to the image.
public enum DiffusionITM {
    /// How the per-timestep error is measured over the latent.
    public enum ErrorNorm: String, Sendable, CaseIterable {
        /// ||e - eps||_2, un-squared: the reference implementation's choice.
        case l2
        /// mean (e - eps)^2.
        case mse
    }

    /// The reference grid: t = 10, 10 + r, ... < 990 with r = 1000 / samples.
    public static func gridTimesteps(samples: Int) -> [Int] {
        guard samples > 0 else { return [] }
        return Array(stride(from: 10, to: 990, by: Swift.max(1, 1000 / samples)))
    }

    /// err(e, eps) for every row of a batch [B,C,H,W] -> B numbers.
    static func rowErrors(_ noise: Tensor, _ prediction: Tensor, norm: ErrorNorm) throws -> [Float] {
        let sq = try (noise - prediction).square()
        let axes = Array(1..<sq.rank)
        switch norm {
        case .l2: return try sq.sum(axes: axes).sqrt().scalars
        case .mse: return try sq.mean(axes: axes).scalars
        }
    }

    /// Conditional errors [N,T] of N captions and, optionally, the unconditional errors [T]
    /// for one image latent z0 [1,C,H,W].
    ///
    /// At each timestep t_k every candidate sees the same x_t = sqrt(abar) z0 + sqrt(1-abar) e_k;
    /// all (timestep, caption) pairs, the empty caption counted once per timestep, go through the
    /// model in batches of at most `batchSize`, so the unconditional pass is never repeated per caption.
    /// The batches run side by side, one per thread (`forEachIndependent`); `predict` must be
    /// safe to call from several threads at once, as the UNet is.
    public static func errors(
        latent z0: Tensor, contexts: Tensor, unconditionalContext: Tensor?,
        timesteps: [Int], noise: Tensor, alphasCumprod: [Float],
        norm: ErrorNorm = .l2, batchSize: Int = 8,
        predict: NoisePredictor, progress: ((Int, Int) throws -> Void)? = nil
    ) throws -> (cond: Tensor, uncond: Tensor?) {
        guard z0.rank == 4, z0.shape[0] == 1 else {
            throw TensorError.badShape(op: "errors", expected: "one image latent [1,C,H,W]", got: z0.shape)
        }
        guard contexts.rank == 3 else { throw TensorError.badShape(op: "errors", expected: "caption embeddings [N,L,D]", got: contexts.shape) }
        let latentShape = Array(z0.shape.dropFirst())
        guard noise.shape == [timesteps.count] + latentShape else {
            throw TensorError.shapeMismatch(op: "errors (noise [T,C,H,W] vs latent [1,C,H,W])", lhs: noise.shape, rhs: z0.shape)
        }
        var candidates = contexts
        if let u = unconditionalContext {
            guard u.rank == 3, u.shape[0] == 1, u.shape.dropFirst() == contexts.shape.dropFirst() else {
                throw TensorError.shapeMismatch(op: "errors (captions vs empty caption)", lhs: contexts.shape, rhs: u.shape)
            }
            candidates = try Tensor.cat([contexts, u], axis: 0)
        }
        let n = contexts.shape[0], total = candidates.shape[0], steps = timesteps.count
        var cond = [Float](repeating: 0, count: n * steps), uncond = [Float](repeating: 0, count: steps)
        // Pair p is timestep k = p / total with candidate c = p % total. Batching pairs rather
        // than one timestep's candidates keeps batches full when there are only a few captions;
        // batches differ in size by at most one, so the threads that take them finish together.
        let flatNoise = try noise.reshaped([steps, latentShape.reduce(1, *)])
        let flatContexts = try candidates.reshaped([total, candidates.shape[1] * candidates.shape[2]])
        let pairs = steps * total, batches = (pairs + Swift.max(1, batchSize) - 1) / Swift.max(1, batchSize)
        let errors = Mutex([[Float]](repeating: [], count: batches))
        var finishedPairs = 0
        try forEachIndependent(batches, { b in
            let pairRange = (pairs * b / batches)..<(pairs * (b + 1) / batches)
            let ks = pairRange.map { $0 / total }, cs = pairRange.map { $0 % total }
            let batch = [pairRange.count]
            let e = try Tensor.embedding(flatNoise, ids: ks, idsShape: batch).reshaped(batch + latentShape)
            let xt = try NoiseSchedule.addNoise(try z0.broadcast(to: batch + latentShape), noise: e,
                                                timesteps: ks.map { timesteps[$0] }, alphasCumprod: alphasCumprod)
            let ctx = try Tensor.embedding(flatContexts, ids: cs, idsShape: batch).reshaped(batch + Array(candidates.shape.dropFirst()))
            let eps = try predict(xt, Tensor(ks.map { Float(timesteps[$0]) }), ctx)
            let batchErrors = try rowErrors(e, eps, norm: norm)
            errors.withLock { $0[b] = batchErrors }
        }, done: { b in
            finishedPairs += pairs * (b + 1) / batches - pairs * b / batches
            try progress?(finishedPairs / total, steps)
        })
        errors.withLock { errors in
            for (b, batchErrors) in errors.enumerated() {
                for (j, err) in batchErrors.enumerated() {
                    let p = pairs * b / batches + j, k = p / total, c = p % total
                    if c < n { cond[c * steps + k] = err } else { uncond[k] = err }
                }
            }
        }
        return (Tensor(uncheckedScalars: cond, shape: [n, steps]),
                unconditionalContext == nil ? nil : Tensor(uncheckedScalars: uncond, shape: [steps]))
    }

    /// Text retrieval's score of a caption for an image: -mean_k err_k(w). Higher is better. The
    /// image's unconditional error is the same for every caption, so it is left out.
    public static func textScore(cond: [Float]) throws -> Double {
        guard !cond.isEmpty else { throw DiffusionError.invalidArgument(op: "text score", message: "no timesteps") }
        return -cond.reduce(0.0) { $0 + Double($1) } / Double(cond.count)
    }

    /// Image retrieval's score of an image for a caption: -mean_k (err_k(w) - uncond_k), which
    /// removes how easy the image is to denoise at all. Summed as ((acc + err) - uncond) in
    /// Double, the order results were first computed in, so stored scores keep their bits.
    public static func imageScore(cond: [Float], uncond: [Float]) throws -> Double {
        guard !cond.isEmpty, cond.count == uncond.count else {
            throw DiffusionError.invalidArgument(
                op: "image score", message: "needs the unconditional error at each of the \(cond.count) timesteps, got \(uncond.count) (uncond: true)")
        }
        var diff = 0.0
        for (c, u) in zip(cond, uncond) { diff = diff + Double(c) - Double(u) }
        return -diff / Double(cond.count)
    }
}
