import Synchronization
import XCTest
@testable import Tensors

/// conv2d through oneDNN against the im2col + OpenBLAS path (itself checked against PyTorch's
/// fixtures in OpValueTests / OpGradientTests): values and all three gradients, over the shape
/// classes the models use, and the same bits whatever the thread count.
final class OneDNNConvolutionTests: XCTestCase {
    func filled(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let scalars = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
        return Tensor(uncheckedShape: shape, scalars: scalars)
    }

    /// Forward value and the gradients of x, weight and bias for a fixed upstream gradient.
    func run(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int, seed: UInt64) throws -> [Tensor] {
        let (px, pw) = (Parameter(x, requiresGrad: true), Parameter(w, requiresGrad: true))
        let pb = b.map { Parameter($0, requiresGrad: true) }
        let y = try Tensor.conv2d(px.tensor, weight: pw.tensor, bias: pb?.tensor, stride: stride, padding: padding)
        try y.backward(filled(y.shape, seed: seed))
        var out = [y.detached(), try XCTUnwrap(px.grad), try XCTUnwrap(pw.grad)]
        if let pb { out.append(try XCTUnwrap(pb.grad)) }
        return out
    }

    /// (batch, in, size, out, kernel, stride, padding, bias): the bundled model's convolutions
    /// (conv_in 3->32, 32->3 conv_out, stride-2 downsampling, 1x1 shortcuts, concatenated skips),
    /// SD-sized channel counts, odd sizes, a batch of one and a batch that leaves a short
    /// weight-gradient group.
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Bool)] = [
        (4, 3, 16, 32, 3, 1, 1, true), (3, 32, 16, 3, 3, 1, 1, true), (2, 32, 16, 32, 3, 2, 1, true),
        (2, 32, 8, 64, 1, 1, 0, true), (2, 96, 8, 64, 3, 1, 1, true), (1, 64, 9, 48, 3, 1, 1, true),
        (11, 16, 6, 16, 3, 1, 1, false), (1, 320, 8, 320, 3, 1, 1, true), (2, 5, 7, 7, 3, 2, 0, true),
    ]

    func testMatchesOpenBLASPath() throws {
        for (i, s) in Self.shapes.enumerated() {
            let (n, c, size, o, k, stride, padding, hasBias) = s
            let x = filled([n, c, size, size], seed: UInt64(3 * i + 1)), w = filled([o, c, k, k], seed: UInt64(3 * i + 2))
            let b = hasBias ? filled([o], seed: UInt64(3 * i + 3)) : nil
            let geo = Conv2dGeometry(inChannels: c, height: size, width: size, kernelH: k, kernelW: k, stride: stride, padding: padding)
            XCTAssertTrue(OneDNNConvolution.accepts(geo, images: n, outChannels: o, bias: hasBias), "oneDNN takes \(s)")
            XCTAssertTrue(OneDNNConvolution.acceptsBackward(geo, images: n, outChannels: o, bias: hasBias), "oneDNN backward takes \(s)")
            let viaDNNL = try run(x, w, b, stride: stride, padding: padding, seed: UInt64(100 + i))
            OneDNN.enabled = false
            defer { OneDNN.enabled = true }
            let viaBLAS = try run(x, w, b, stride: stride, padding: padding, seed: UInt64(100 + i))
            for (name, (a, e)) in zip(["y", "dx", "dw", "db"], zip(viaDNNL, viaBLAS)) {
                XCTAssertEqual(a.shape, e.shape, "\(s) \(name)")
                XCTAssertLessThanOrEqual(relativeError(a.scalars, e.scalars.map(Double.init)), 2e-6, "\(s) \(name)")
            }
        }
    }

    /// Batch 1 in channel groups, larger batches one image per task, weight gradients in groups
    /// of images, all fixed by the shape and each on a one-thread primitive: the same bits on 1,
    /// 2 and 3 threads, and inside forEachIndependent's one-thread workers.
    func testSameBitsOnAnyThreadCount() throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (i, s) in [(1, 64, 12, 64), (5, 32, 10, 48), (11, 16, 6, 16)].enumerated() {
            let (n, c, size, o) = s
            let x = filled([n, c, size, size], seed: UInt64(50 + i)), w = filled([o, c, 3, 3], seed: UInt64(60 + i)), b = filled([o], seed: 7)
            Parallel.threads = 1
            let reference = try run(x, w, b, stride: 1, padding: 1, seed: 9)
            for threads in [2, 3] {
                Parallel.threads = threads
                let r = try run(x, w, b, stride: 1, padding: 1, seed: 9)
                for (a, e) in zip(r, reference) {
                    XCTAssertTrue(a.scalars.elementsEqual(e.scalars) { $0.bitPattern == $1.bitPattern }, "\(s), \(threads) threads")
                }
            }
            let inWorkers = Mutex<[[Tensor]]>([])
            try forEachIndependent(2, { _ in
                let r = try self.run(x, w, b, stride: 1, padding: 1, seed: 9)
                inWorkers.withLock { $0.append(r) }
            })
            let collected = inWorkers.withLock { $0 }
            XCTAssertEqual(collected.count, 2)
            for r in collected {
                for (a, e) in zip(r, reference) {
                    XCTAssertTrue(a.scalars.elementsEqual(e.scalars) { $0.bitPattern == $1.bitPattern }, "\(s), in a worker")
                }
            }
        }
    }

    /// Small batches are cut into channel groups of whole 16-channel blocks, by the shape alone.
    func testChannelGroups() {
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 1, channels: 64), 4)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 1, channels: 48), 3)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 1, channels: 320), 4)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 2, channels: 64), 2)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 3, channels: 64), 2)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 4, channels: 64), 1)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 1, channels: 4), 1)
        XCTAssertEqual(OneDNNConvolution.channelGroups(images: 1, channels: 40), 1)
    }

    /// The weight-gradient groups depend on the batch and the weight size only, cover the batch,
    /// and keep partial gradients within their memory bound.
    func testWeightGradientGroups() {
        XCTAssertEqual(OneDNNConvolution.weightGradientGroup(images: 1, weightCount: 100), 1)
        XCTAssertEqual(OneDNNConvolution.weightGradientGroup(images: 32, weightCount: 9216), 4)
        XCTAssertEqual(OneDNNConvolution.weightGradientGroup(images: 11, weightCount: 9216), 2)
        // 1280x1280x3x3 weights: at most 16M floats of partials, so one group.
        XCTAssertEqual(OneDNNConvolution.weightGradientGroup(images: 8, weightCount: 1280 * 1280 * 9), 8)
    }
}
