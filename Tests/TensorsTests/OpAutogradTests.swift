import Synchronization
import XCTest
@testable import Tensors

/// The graph mechanics around the ops: accumulation, noGrad, freeing, reuse. Expected values
/// are derived by hand in each test.
final class OpAutogradTests: XCTestCase {
    /// Two forward/backward passes add their gradients; zeroGrad clears them.
    func testGradientsAccumulateAcrossBackwardCalls() throws {
        let w = Parameter(Tensor([1, -2, 3]), requiresGrad: true)
        for _ in 0..<2 {
            // d/dw sum(w^2) = 2w
            try w.tensor.square().sum().backward()
        }
        XCTAssertEqual(w.grad?.scalars, [4, -8, 12])
        w.zeroGrad()
        XCTAssertNil(w.grad)
    }

    /// A value used twice in one graph collects both contributions: d/dx (x*x + x) = 2x + 1.
    func testFanOutAddsContributions() throws {
        let x = Parameter(Tensor([0.5, 2]), requiresGrad: true)
        let t = x.tensor
        try (t * t + t).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [2, 5])
    }

    /// The same parameter read through `.tensor` twice (two leaf nodes) still sums into one grad.
    func testParameterReadTwice() throws {
        let x = Parameter(Tensor([3]), requiresGrad: true)
        try (x.tensor * x.tensor).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [6])
    }

    func testNoGradRecordsNothing() throws {
        let w = Parameter(Tensor([1, 2]), requiresGrad: true)
        let y = try noGrad { try (w.tensor * w.tensor).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.node)
        try y.backward()
        XCTAssertNil(w.grad)
        // Recording resumes after the scope, also after a throw inside it.
        XCTAssertThrowsError(try noGrad { try w.tensor + Tensor([1, 2, 3]) })
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertTrue(try w.tensor.sum().requiresGrad)
    }

    /// noGrad is per thread: another thread inside a noGrad scope (a parallel worker's backward
    /// pass) does not stop this one recording; forEachIndependent's workers take their caller's mode.
    func testNoGradIsPerThread() throws {
        let entered = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0), left = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            noGrad {
                entered.signal()
                leave.wait()
            }
            left.signal()
        }
        entered.wait()
        let w = Parameter(Tensor([1, 2]), requiresGrad: true)
        let recorded = GradMode.isEnabled && (try? (w.tensor * w.tensor).sum().requiresGrad) == true
        leave.signal()
        left.wait()
        XCTAssertTrue(recorded)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 2
        for outer in [false, true] {
            let modes = Mutex<[Bool]>([])
            let body = { try forEachIndependent(4, { _ in modes.withLock { $0.append(GradMode.isEnabled) } }) }
            if outer { try noGrad(body) } else { try body() }
            XCTAssertEqual(modes.withLock { $0 }, Array(repeating: !outer, count: 4), "inside noGrad: \(outer)")
            XCTAssertTrue(GradMode.isEnabled)
        }
    }

    /// Parameters that do not require gradients, and constants, build no graph.
    func testFrozenParametersBuildNoGraph() throws {
        let frozen = Parameter(Tensor([1, 2]))
        let y = try frozen.tensor * Tensor([3, 4])
        XCTAssertNil(y.node)
    }

    /// After backward every closure (and the activations it captured) and every intermediate
    /// gradient is released.
    func testBackwardFreesClosuresAndGradients() throws {
        let w = Parameter(try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), requiresGrad: true)
        let x = try Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) / 10 })
        let h = try Tensor.linear(x, weight: w.tensor, bias: nil).silu().softmax(axis: -1)
        let loss = try h.square().mean()
        let root = try XCTUnwrap(loss.node)
        let nodes = GradNode.reverseTopologicalOrder(from: root)
        XCTAssertGreaterThan(nodes.count, 4)
        XCTAssertTrue(nodes.filter { $0.parameter == nil }.allSatisfy { $0.backward != nil })
        try loss.backward()
        for node in nodes {
            XCTAssertNil(node.backward)
            XCTAssertNil(node.grad)
        }
        XCTAssertNotNil(w.grad)
    }

    /// A class instance captured only by a backward closure dies once backward has run.
    func testCapturedObjectsAreReleased() throws {
        final class Payload { let scale: Float = 2 }
        weak var watched: Payload?
        let x = Parameter(Tensor([1, 2]), requiresGrad: true)
        var y: Tensor
        do {
            let payload = Payload()
            watched = payload
            let input = x.tensor
            y = Tensor.result(shape: input.shape, scalars: input.scalars.map { $0 * payload.scale }, inputs: [input]) { g, _ in
                [g * payload.scale]
            }
        }
        XCTAssertNotNil(watched)
        try y.sum().backward()
        XCTAssertNil(watched)
        XCTAssertEqual(x.grad?.scalars, [2, 2])
    }

    /// Backward through a graph whose closures were already used is an error, not a silent zero.
    func testSecondBackwardThroughSameGraphThrows() throws {
        let w = Parameter(Tensor([1, 2]), requiresGrad: true)
        let loss = try (w.tensor * 3).sum()
        try loss.backward()
        XCTAssertThrowsError(try loss.backward()) { error in
            XCTAssertTrue("\(error)".contains("backward"), "\(error)")
        }
        XCTAssertEqual(w.grad?.scalars, [3, 3])
    }

    /// backward with an explicit seed checks its shape; a non-scalar root needs one.
    func testBackwardSeedShape() throws {
        let w = Parameter(Tensor([1, 2]), requiresGrad: true)
        let y = w.tensor * 2
        XCTAssertThrowsError(try y.backward())
        XCTAssertThrowsError(try y.backward(Tensor([1, 2, 3])))
        try y.backward(Tensor([1, -1]))
        XCTAssertEqual(w.grad?.scalars, [2, -2])
    }

    /// max/min split the gradient evenly among tied extrema (torch.amax's rule):
    /// x = [1, 3, 3], d max = [0, 1/2, 1/2].
    func testExtremumTiesSplitTheGradient() throws {
        let x = Parameter(Tensor([1, 3, 3]), requiresGrad: true)
        try x.tensor.max().backward()
        XCTAssertEqual(x.grad?.scalars, [0, 0.5, 0.5])
        let y = Parameter(try Tensor(shape: [2, 2], scalars: [-1, -1, 0, 2]), requiresGrad: true)
        try y.tensor.min(axes: [1]).sum().backward()
        XCTAssertEqual(y.grad?.scalars, [0.5, 0.5, 1, 0])
    }

    /// Only the inputs that need a gradient get one (the other side's closure work is skipped).
    func testOnlyRequestedInputsGetGradients() throws {
        let a = Parameter(Tensor([1, 2]), requiresGrad: true)
        let b = Parameter(Tensor([3, 4]), requiresGrad: false)
        try (a.tensor * b.tensor).sum().backward()
        XCTAssertEqual(a.grad?.scalars, [3, 4])
        XCTAssertNil(b.grad)
    }
}
