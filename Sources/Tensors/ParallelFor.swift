import Dispatch
import Foundation
import Synchronization

/// Data-parallel loops for the ops' non-BLAS work. Work is cut into contiguous chunks, each
/// index handled by exactly one chunk in increasing order, and no value is ever combined across
/// chunks: results are bit-identical whatever the thread count.
enum Parallel {
    /// Settable so tests can show that one thread and many give the same bits.
    nonisolated(unsafe) static var threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Set on the threads of `forEachIndependent`, whose ops then run on their own thread.
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var isWorker: Bool { pthread_getspecific(workerKey) != nil }

    static func markWorker(_ on: Bool) { pthread_setspecific(workerKey, on ? UnsafeRawPointer(bitPattern: 1) : nil) }

    /// Calls `body` on chunks covering 0..<count, in parallel when there are at least two chunks
    /// of `minimumPerChunk` items (a dispatch costs microseconds; small loops run inline).
    @inline(__always)
    static func forEachChunk(_ count: Int, minimumPerChunk: Int, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(threads, count / Swift.max(minimumPerChunk, 1))
        guard chunks > 1, !isWorker else {
            if count > 0 { body(0..<count) }
            return
        }
        // The chunks write disjoint ranges, and concurrentPerform returns only when all are done,
        // so handing the non-Sendable body (and the pointers it captures) across is safe.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                shared.value((count * c / chunks)..<(count * (c + 1) / chunks))
            }
        }
    }
}

extension Parallel {
    /// Calls `body(t)` for every t in 0..<count, threads taking tasks as they come free (GCD hands
    /// out the iterations of concurrentPerform one at a time), so a thread the machine preempts
    /// delays one task rather than a fixed share. Only for tasks whose results do not depend on
    /// which thread runs them; serial inside forEachIndependent's workers.
    static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1, threads > 1, !isWorker else {
            for t in 0..<Swift.max(count, 0) { body(t) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
}

/// Runs `body(i)` for every i in 0..<count with the threads taking whole indices, each index's
/// ops (and their BLAS calls) kept on its one thread. For many independent small computations
/// (a UNet pass per batch of a DiffusionITM comparison) this beats splitting every op across
/// threads: small ops hand work between threads more often than they compute. Since the ops give
/// the same bits on one thread as on several, results do not depend on the thread count or on
/// which thread took which index. `done(i)` is called after each index, one call at a time, and
/// may throw to stop (Ctrl-C): indices not yet started are skipped, and the first error by index
/// is rethrown. The body must not read or write what another index writes.
public func forEachIndependent(_ count: Int, _ body: (Int) throws -> Void, done: ((Int) throws -> Void)? = nil) throws {
    let workers = Swift.min(Parallel.threads, count)
    guard workers > 1, !Parallel.isWorker else {
        for i in 0..<Swift.max(count, 0) {
            try body(i)
            try done?(i)
        }
        return
    }
    struct State {
        var next = 0
        var failures: [(index: Int, error: any Error)] = []
    }
    let state = Mutex(State())
    let gradDepth = GradMode.disabledDepth
    withoutActuallyEscaping(body) { body in
        withoutActuallyEscaping(done ?? { _ in }) { done in
            let shared = UncheckedSendable((body, done))
            withSingleThreadedBLAS {
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    Parallel.markWorker(true)
                    // The caller's grad mode (the calling thread takes iterations too: restored after).
                    let savedDepth = GradMode.disabledDepth
                    GradMode.disabledDepth = gradDepth
                    defer {
                        GradMode.disabledDepth = savedDepth
                        Parallel.markWorker(false)
                    }
                    while true {
                        let i = state.withLock { s -> Int? in
                            guard s.failures.isEmpty, s.next < count else { return nil }
                            s.next += 1
                            return s.next - 1
                        }
                        guard let i else { return }
                        do {
                            try shared.value.0(i)
                            try state.withLock { _ in try shared.value.1(i) }
                        } catch {
                            state.withLock { $0.failures.append((i, error)) }
                        }
                    }
                }
            }
        }
    }
    if let first = state.withLock({ $0.failures.min { $0.index < $1.index } }) { throw first.error }
}

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
