import Dispatch
import Foundation

/// Data-parallel loops for the ops' non-BLAS work. Work is cut into contiguous chunks, each
/// index handled by exactly one chunk in increasing order, and no value is ever combined across
/// chunks: results are bit-identical whatever the thread count.
enum Parallel {
    /// Settable so tests can show that one thread and many give the same bits.
    nonisolated(unsafe) static var threads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on chunks covering 0..<count, in parallel when there are at least two chunks
    /// of `minimumPerChunk` items (a dispatch costs microseconds; small loops run inline).
    @inline(__always)
    static func forEachChunk(_ count: Int, minimumPerChunk: Int, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(threads, count / Swift.max(minimumPerChunk, 1))
        guard chunks > 1 else {
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

private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
