@preconcurrency import CDNNL
import Synchronization

/// Convolutions through oneDNN's direct kernels (jit:avx512_core here), forward and backward,
/// with NCHW fp32 at the Swift level: each call reorders activations into the kernel's blocked
/// layout and back inside the op.
///
/// How the work is split, and why results do not depend on the thread count: every primitive
/// runs on one thread, over a piece of the work fixed by the shape alone, so the bits are the
/// same on any thread count by construction (a multi-threaded oneDNN call may split one output's
/// sum between threads on some CPUs, which made batch-1 results differ between 1 and 2 threads).
/// - forward: one task per image and output-channel group (the group's weight rows, bias and
///   output planes are contiguous slices); data gradient: per image and input-channel group
///   (the weights' columns of the group gathered once). A batch of 4 or more images is one group
///   per image (an image's blocked copy stays in L2 between reorder and kernel: at batch 32 this
///   ran 3-5x faster than one call on the whole batch); a smaller batch (batch 1 inference) is
///   cut into channel groups so that the tasks still fill the threads.
/// - weight gradient: oneDNN splits its sum over the images between threads. Here the batch is
///   cut into groups fixed by the shape alone, each summed by a one-thread primitive, and the
///   groups' partial gradients are added in group order.
enum OneDNNConvolution {
    enum Pass: Sendable { case forward, backwardData, backwardWeights }

    struct Key: Hashable, Sendable {
        let pass: Pass
        let images: Int, inChannels: Int, height: Int, width: Int
        let outChannels: Int, kernelH: Int, kernelW: Int, stride: Int, padding: Int
        let bias: Bool
    }

    /// A primitive and the bridges between its layouts and NCHW / OIHW.
    struct Plan: Sendable {
        let primitive: OneDNNPrimitive
        /// Activations by argument (DNNL_ARG_SRC, _DST, _DIFF_SRC, _DIFF_DST).
        let activations: [Int32: LayoutBridge]
        /// DNNL_ARG_WEIGHTS (forward, data gradient) or DNNL_ARG_DIFF_WEIGHTS.
        let weights: LayoutBridge
        /// DNNL_ARG_BIAS or DNNL_ARG_DIFF_BIAS, when the key has a bias.
        let bias: LayoutBridge?
        let scratchpadBytes: Int
        let scratchpad: dnnl_memory_desc_t
    }

    /// nil for shapes oneDNN declined (those stay on im2col + sgemm).
    private static let plans = OneDNNCache<Key, Plan?>()

    static func plan(_ key: Key) -> Plan? {
        (try? plans.value(key) { try? makePlan(key) }) ?? nil
    }

    private static func makePlan(_ k: Key) throws -> Plan {
        let outH = (k.height + 2 * k.padding - k.kernelH) / k.stride + 1
        let outW = (k.width + 2 * k.padding - k.kernelW) / k.stride + 1
        let srcDims = [k.images, k.inChannels, k.height, k.width]
        let weightDims = [k.outChannels, k.inChannels, k.kernelH, k.kernelW]
        let dstDims = [k.images, k.outChannels, outH, outW]
        var src = try OneDNN.any(srcDims), weights = try OneDNN.any(weightDims), dst = try OneDNN.any(dstDims)
        let bias = try OneDNN.plain([k.outChannels])
        let strides: [Int64] = [Int64(k.stride), Int64(k.stride)], padding: [Int64] = [Int64(k.padding), Int64(k.padding)]
        // The forward primitive: the plan itself, or the hint oneDNN needs for a backward one.
        var fwdDesc = dnnl_convolution_desc_t()
        // The bias descriptor by pointer, or none (a C pointer Swift cannot write as `cond ? &x : nil`).
        let biasBox = UnsafeMutablePointer<dnnl_memory_desc_t>.allocate(capacity: 1)
        biasBox.initialize(to: bias)
        defer { biasBox.deallocate() }
        let biasPointer = k.bias ? biasBox : nil
        try OneDNN.check(dnnl_convolution_forward_desc_init(&fwdDesc, dnnl_forward_training, dnnl_convolution_direct,
                                                             &src, &weights, biasPointer, &dst, strides, padding, padding), "convolution")
        let forward = try OneDNNPrimitive(&fwdDesc, threads: 1)
        let primitive: OneDNNPrimitive
        switch k.pass {
        case .forward:
            primitive = forward
        case .backwardData:
            var d = dnnl_convolution_desc_t()
            try OneDNN.check(dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &src, &weights, &dst,
                                                                       strides, padding, padding), "convolution data gradient")
            primitive = try OneDNNPrimitive(&d, hint: forward, threads: 1)
        case .backwardWeights:
            var d = dnnl_convolution_desc_t()
            try OneDNN.check(dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &src, &weights, biasPointer,
                                                                          &dst, strides, padding, padding), "convolution weight gradient")
            primitive = try OneDNNPrimitive(&d, hint: forward, threads: 1)
        }
        func bridge(_ query: dnnl_query_t, _ dims: [Int], toImplementation: Bool) throws -> LayoutBridge {
            try LayoutBridge(user: try OneDNN.plain(dims), implementation: primitive.md(query), toImplementation: toImplementation, threads: 1)
        }
        var activations: [Int32: LayoutBridge] = [:]
        let weightBridge: LayoutBridge
        var biasBridge: LayoutBridge? = nil
        switch k.pass {
        case .forward:
            activations[DNNL_ARG_SRC] = try bridge(dnnl_query_src_md, srcDims, toImplementation: true)
            activations[DNNL_ARG_DST] = try bridge(dnnl_query_dst_md, dstDims, toImplementation: false)
            weightBridge = try bridge(dnnl_query_weights_md, weightDims, toImplementation: true)
            if k.bias {
                // dnnl_query_weights_md with index 1 is the bias.
                let md = dnnl_primitive_desc_query_md(primitive.descriptor, dnnl_query_weights_md, 1)?.pointee ?? bias
                biasBridge = try LayoutBridge(user: bias, implementation: md, toImplementation: true, threads: 1)
            }
        case .backwardData:
            activations[DNNL_ARG_DIFF_DST] = try bridge(dnnl_query_diff_dst_md, dstDims, toImplementation: true)
            activations[DNNL_ARG_DIFF_SRC] = try bridge(dnnl_query_diff_src_md, srcDims, toImplementation: false)
            weightBridge = try bridge(dnnl_query_weights_md, weightDims, toImplementation: true)
        case .backwardWeights:
            activations[DNNL_ARG_SRC] = try bridge(dnnl_query_src_md, srcDims, toImplementation: true)
            activations[DNNL_ARG_DIFF_DST] = try bridge(dnnl_query_diff_dst_md, dstDims, toImplementation: true)
            weightBridge = try bridge(dnnl_query_diff_weights_md, weightDims, toImplementation: false)
            if k.bias {
                let md = dnnl_primitive_desc_query_md(primitive.descriptor, dnnl_query_diff_weights_md, 1)?.pointee ?? bias
                biasBridge = try LayoutBridge(user: bias, implementation: md, toImplementation: false, threads: 1)
            }
        }
        // A bias in a layout other than a plain vector would need a reorder per call; none of
        // oneDNN's CPU convolutions asks for one, so such a plan is declined rather than handled.
        if let biasBridge, biasBridge.reorder != nil {
            throw OneDNNError(what: "convolution bias layout", status: dnnl_unimplemented)
        }
        let scratchpad = primitive.md(dnnl_query_scratchpad_md)
        return Plan(primitive: primitive, activations: activations, weights: weightBridge, bias: biasBridge,
                    scratchpadBytes: OneDNN.bytes(scratchpad), scratchpad: scratchpad)
    }

    /// Tasks a small batch is cut into (4: two per core here, and enough for a 4-thread CI
    /// machine); a constant, so the cut never depends on the thread count.
    static let smallBatchTasks = 4

    /// Channel groups per image for `channels` output (forward) or input (data gradient)
    /// channels: enough for `smallBatchTasks` tasks over the batch, each group a multiple of 16
    /// channels (the kernels' channel block), else one group. Fixed by the shape alone.
    static func channelGroups(images: Int, channels: Int) -> Int {
        let wanted = Swift.min((smallBatchTasks + images - 1) / Swift.max(images, 1), channels)
        for g in Swift.stride(from: wanted, to: 1, by: -1) where channels % g == 0 && (channels / g) % 16 == 0 { return g }
        return 1
    }

    /// The geometry of one input-channel group (`channels` of them).
    static func withInChannels(_ geo: Conv2dGeometry, _ channels: Int) -> Conv2dGeometry {
        Conv2dGeometry(inChannels: channels, height: geo.height, width: geo.width, kernelH: geo.kernelH, kernelW: geo.kernelW,
                       stride: geo.stride, padding: geo.padding)
    }

    /// Images per weight-gradient group: at most 8 groups, and at most 64 MB of partial
    /// gradients. Fixed by the shape alone, so the sum's order never depends on the threads.
    static func weightGradientGroup(images: Int, weightCount: Int) -> Int {
        let byMemory = Swift.max(1, (16 << 20) / Swift.max(weightCount, 1))
        let groups = Swift.max(1, Swift.min(images, 8, byMemory))
        return (images + groups - 1) / groups
    }

    static func key(_ pass: Pass, _ geo: Conv2dGeometry, images: Int, outChannels: Int, bias: Bool) -> Key {
        Key(pass: pass, images: images, inChannels: geo.inChannels, height: geo.height, width: geo.width,
            outChannels: outChannels, kernelH: geo.kernelH, kernelW: geo.kernelW, stride: geo.stride, padding: geo.padding,
            bias: bias)
    }

    /// Whether oneDNN takes this convolution (else the caller uses im2col + sgemm).
    static func accepts(_ geo: Conv2dGeometry, images: Int, outChannels: Int, bias: Bool) -> Bool {
        guard OneDNN.isActive, images > 0 else { return false }
        let groups = channelGroups(images: images, channels: outChannels)
        return plan(key(.forward, geo, images: 1, outChannels: outChannels / groups, bias: bias)) != nil
    }

    /// Whether the backward passes are available too (checked before any gradient is computed,
    /// so that a gradient never mixes the two backends).
    static func acceptsBackward(_ geo: Conv2dGeometry, images: Int, outChannels: Int, bias: Bool) -> Bool {
        guard OneDNN.isActive, images > 0 else { return false }
        let groups = channelGroups(images: images, channels: geo.inChannels)
        let group = weightGradientGroup(images: images, weightCount: outChannels * geo.rows)
        let last = images - (images - 1) / group * group
        return plan(key(.backwardData, withInChannels(geo, geo.inChannels / groups), images: 1, outChannels: outChannels, bias: false)) != nil
            && plan(key(.backwardWeights, geo, images: group, outChannels: outChannels, bias: bias)) != nil
            && plan(key(.backwardWeights, geo, images: last, outChannels: outChannels, bias: bias)) != nil
    }

    /// The plan's arguments with their bridges, outputs flagged.
    static func arguments(_ plan: Plan, pass: Pass) -> [(arg: Int32, bridge: LayoutBridge, isOutput: Bool)] {
        var list: [(Int32, LayoutBridge, Bool)] = plan.activations.keys.sorted().compactMap { arg in
            plan.activations[arg].map { (arg, $0, arg == DNNL_ARG_DST || arg == DNNL_ARG_DIFF_SRC) }
        }
        let weightsAreOutput = pass == .backwardWeights
        list.append((weightsAreOutput ? DNNL_ARG_DIFF_WEIGHTS : DNNL_ARG_WEIGHTS, plan.weights, weightsAreOutput))
        if let b = plan.bias { list.append((weightsAreOutput ? DNNL_ARG_DIFF_BIAS : DNNL_ARG_BIAS, b, weightsAreOutput)) }
        return list
    }

    /// Runs `plan` over `tasks` one-thread tasks spread over Tensors' threads. `bind(t)` gives
    /// task t's buffers by argument, in the plain layouts (those in `prepared` are already in the
    /// plan's layout, like weights reordered once for all tasks).
    static func run(_ plan: Plan, pass: Pass, tasks: Int, prepared: Set<Int32> = [],
                    _ bind: (Int) -> [Int32: UnsafeMutableRawPointer]) throws {
        let failure = FirstError()
        let args = arguments(plan, pass: pass)
        Parallel.forEachChunk(tasks, minimumPerChunk: 1) { range in
            OneDNN.useThreads(1)
            let arena = ScratchArena(args.map { prepared.contains($0.arg) ? 0 : $0.bridge.scratchBytes } + [plan.scratchpadBytes])
            do {
                for t in range {
                    let buffers = bind(t)
                    var bound: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)] = []
                    var outputs: [(LayoutBridge, UnsafeMutableRawPointer, UnsafeMutableRawPointer?)] = []
                    for (i, a) in args.enumerated() {
                        guard let data = buffers[a.arg] else { continue }
                        if prepared.contains(a.arg) {
                            bound.append((a.arg, a.bridge.implementation, data))
                        } else if a.isOutput {
                            let scratch = arena.region(i)
                            bound.append((a.arg, a.bridge.implementation, a.bridge.output(data, scratch: scratch)))
                            outputs.append((a.bridge, data, scratch))
                        } else {
                            bound.append((a.arg, a.bridge.implementation, try a.bridge.input(data, scratch: arena.region(i))))
                        }
                    }
                    if let pad = arena.region(args.count) { bound.append((DNNL_ARG_SCRATCHPAD, plan.scratchpad, pad)) }
                    try OneDNN.execute(plan.primitive.primitive, bound)
                    for (bridge, data, scratch) in outputs { try bridge.finish(data, scratch: scratch) }
                }
            } catch {
                failure.record(error)
            }
        }
        try failure.rethrow()
    }

    /// Calls `body` with each group's weights (`weights(g)`, plain) in the plan's layout,
    /// reordered once, on this thread.
    static func withPreparedWeights<R>(_ plan: Plan, groups: Int, _ weights: (Int) -> UnsafeRawPointer,
                                       _ body: ([UnsafeMutableRawPointer]) throws -> R) throws -> R {
        let plain = (0..<groups).map { UnsafeMutableRawPointer(mutating: weights($0)) }
        guard plan.weights.reorder != nil else { return try body(plain) }
        let arena = ScratchArena(Array(repeating: plan.weights.scratchBytes, count: groups))
        OneDNN.useThreads(1)
        return try body(try plain.enumerated().map { g, w in try plan.weights.input(w, scratch: arena.region(g)) })
    }

    static func require(_ key: Key) throws -> Plan {
        guard let plan = plan(key) else { throw OneDNNError(what: "convolution \(key)", status: dnnl_unimplemented) }
        return plan
    }

    /// y = conv(x, w) + b: [n, cout, outH, outW].
    static func forward(_ x: [Float], _ w: [Float], _ bias: [Float]?, _ geo: Conv2dGeometry, images n: Int, outChannels cout: Int) throws -> [Float] {
        let groups = channelGroups(images: n, channels: cout)
        let part = cout / groups
        let plan = try require(key(.forward, geo, images: 1, outChannels: part, bias: bias != nil))
        let outSize = cout * geo.spatial
        var out = scratch(n * outSize)
        try withRawPointers([x, w, bias ?? []]) { p in
            try out.withUnsafeMutableBytes { po in
                guard let po = po.baseAddress else { return }
                try withPreparedWeights(plan, groups: groups, { UnsafeRawPointer(p[1] + 4 * $0 * part * geo.rows) }) { weights in
                    try run(plan, pass: .forward, tasks: n * groups, prepared: [DNNL_ARG_WEIGHTS]) { t in
                        let (image, g) = t.quotientAndRemainder(dividingBy: groups)
                        var b: [Int32: UnsafeMutableRawPointer] = [
                            DNNL_ARG_SRC: p[0] + 4 * image * geo.imageSize,
                            DNNL_ARG_WEIGHTS: weights[g],
                            DNNL_ARG_DST: po + 4 * (image * outSize + g * part * geo.spatial),
                        ]
                        if bias != nil { b[DNNL_ARG_BIAS] = p[2] + 4 * g * part }
                        return b
                    }
                }
            }
        }
        return out
    }

    /// dx = conv^T(g, w): [n, cin, h, w].
    static func backwardData(_ g: [Float], _ w: [Float], _ geo: Conv2dGeometry, images n: Int, outChannels cout: Int) throws -> [Float] {
        let groups = channelGroups(images: n, channels: geo.inChannels)
        let part = geo.inChannels / groups
        let plan = try require(key(.backwardData, withInChannels(geo, part), images: 1, outChannels: cout, bias: false))
        let outSize = cout * geo.spatial
        let plane = geo.height * geo.width
        // Group j's weights [cout, part, kh, kw]: the columns of its input channels, gathered.
        let taps = geo.kernelH * geo.kernelW
        let groupWeights = groups == 1 ? w : (0..<groups * cout).flatMap { i -> ArraySlice<Float> in
            let (j, o) = i.quotientAndRemainder(dividingBy: cout)
            let start = o * geo.rows + j * part * taps
            return w[start..<start + part * taps]
        }
        var dx = scratch(n * geo.imageSize)
        try withRawPointers([g, groupWeights]) { p in
            try dx.withUnsafeMutableBytes { pd in
                guard let pd = pd.baseAddress else { return }
                try withPreparedWeights(plan, groups: groups, { UnsafeRawPointer(p[1] + 4 * $0 * cout * part * taps) }) { weights in
                    try run(plan, pass: .backwardData, tasks: n * groups, prepared: [DNNL_ARG_WEIGHTS]) { t in
                        let (image, j) = t.quotientAndRemainder(dividingBy: groups)
                        return [DNNL_ARG_DIFF_DST: p[0] + 4 * image * outSize,
                                DNNL_ARG_WEIGHTS: weights[j],
                                DNNL_ARG_DIFF_SRC: pd + 4 * (image * geo.imageSize + j * part * plane)]
                    }
                }
            }
        }
        return dx
    }

    /// dw (and db) summed over the batch: group partials on one thread each, added in order.
    static func backwardWeights(_ g: [Float], _ x: [Float], _ geo: Conv2dGeometry, images n: Int, outChannels cout: Int,
                                bias: Bool) throws -> (weights: [Float], bias: [Float]?) {
        let weightCount = cout * geo.rows
        let group = weightGradientGroup(images: n, weightCount: weightCount)
        let groups = (n + group - 1) / group
        let outSize = cout * geo.spatial
        // Each group's dw then db, side by side; group order fixes the sum's order.
        let stride = weightCount + (bias ? cout : 0)
        var partials = scratch(groups * stride)
        let full = try require(key(.backwardWeights, geo, images: group, outChannels: cout, bias: bias))
        let lastCount = n - (groups - 1) * group
        let last = lastCount == group ? full
            : try require(key(.backwardWeights, geo, images: lastCount, outChannels: cout, bias: bias))
        try withRawPointers([g, x]) { p in
            try partials.withUnsafeMutableBytes { pp in
                guard let pp = pp.baseAddress else { return }
                func bind(_ t: Int) -> [Int32: UnsafeMutableRawPointer] {
                    var b: [Int32: UnsafeMutableRawPointer] = [
                        DNNL_ARG_DIFF_DST: p[0] + 4 * t * group * outSize,
                        DNNL_ARG_SRC: p[1] + 4 * t * group * geo.imageSize,
                        DNNL_ARG_DIFF_WEIGHTS: pp + 4 * t * stride,
                    ]
                    if bias { b[DNNL_ARG_DIFF_BIAS] = pp + 4 * (t * stride + weightCount) }
                    return b
                }
                if lastCount == group {
                    try run(full, pass: .backwardWeights, tasks: groups, bind)
                } else {
                    // The full groups in parallel, then the short last one.
                    try run(full, pass: .backwardWeights, tasks: groups - 1, bind)
                    try run(last, pass: .backwardWeights, tasks: 1) { _ in bind(groups - 1) }
                }
            }
        }
        guard groups > 1 else {
            return (Array(partials[0..<weightCount]), bias ? Array(partials[weightCount..<stride]) : nil)
        }
        var sum = scratch(stride)
        partials.withUnsafeBufferPointer { pp in
            sum.withUnsafeMutableBufferPointer { ps in
                guard let pp = pp.baseAddress, let ps = ps.baseAddress else { return }
                Parallel.forEachChunk(stride, minimumPerChunk: 4096) { range in
                    for j in range {
                        var s = pp[j]
                        for k in 1..<groups { s += pp[k * stride + j] }
                        ps[j] = s
                    }
                }
            }
        }
        return (Array(sum[0..<weightCount]), bias ? Array(sum[weightCount..<stride]) : nil)
    }
}

/// Calls `body` with a raw pointer to each array's storage (arrays stay unmodified; an empty one
/// gets a valid pointer that must not be read).
func withRawPointers<R>(_ arrays: [[Float]], _ body: ([UnsafeMutableRawPointer]) throws -> R) throws -> R {
    var pointers: [UnsafeMutableRawPointer] = []
    func nest(_ i: Int) throws -> R {
        guard i < arrays.count else { return try body(pointers) }
        return try arrays[i].withUnsafeBytes { b in
            pointers.append(UnsafeMutableRawPointer(mutating: b.baseAddress ?? UnsafeRawPointer(emptyStorage)))
            defer { pointers.removeLast() }
            return try nest(i + 1)
        }
    }
    return try nest(0)
}

/// Where an empty array's pointer points: valid, never dereferenced.
nonisolated(unsafe) private let emptyStorage = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
