@preconcurrency import CDNNL
import Foundation
import Synchronization

/// oneDNN (2.6, Debian's libdnnl) behind Tensors' ops: one CPU engine, primitives cached by
/// what they compute, plain row-major buffers at the Swift level.
///
/// Threads. oneDNN runs on OpenMP, whose thread count is a per-thread setting. Every primitive
/// is created and run for an explicit count (`threads:`). The count can change how oneDNN
/// partitions a reduction (and the kernels it picks differ between CPUs), so the ops run
/// primitives on one thread each, over pieces of the work fixed by the shape alone, and spread
/// the pieces over Tensors' threads: results then do not depend on the thread count.
enum OneDNN {
    /// The CPU engine, or nil when oneDNN could not start (the ops then use OpenBLAS).
    nonisolated(unsafe) static let engine: dnnl_engine_t? = {
        var e: dnnl_engine_t?
        return dnnl_engine_create(&e, dnnl_cpu, 0) == dnnl_success ? e : nil
    }()

    /// Whether the ops route through oneDNN. On unless `SOFTNEG_ONEDNN=0`; settable so tests
    /// and benchmarks can compare against the OpenBLAS paths.
    nonisolated(unsafe) static var enabled: Bool = {
        guard let v = ProcessInfo.processInfo.environment["SOFTNEG_ONEDNN"] else { return true }
        return !["0", "off", "no", "false"].contains(v.lowercased())
    }()

    static var isActive: Bool { enabled && engine != nil }

    /// Threads this call may use: 1 inside `forEachIndependent`'s workers, else Tensors' count.
    static var callThreads: Int { Parallel.isWorker ? 1 : Parallel.threads }

    /// Sets the calling thread's OpenMP thread count (cheap: a thread-local write).
    @inline(__always)
    static func useThreads(_ n: Int) { omp_set_num_threads(Int32(n)) }

    /// One stream per thread (a stream is not meant to be shared between threads); freed with it.
    private static let streamKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            if let p { dnnl_stream_destroy(OpaquePointer(p)) }
        }
        return key
    }()

    static func stream() throws -> dnnl_stream_t {
        if let p = pthread_getspecific(streamKey) { return OpaquePointer(p) }
        var s: dnnl_stream_t?
        try check(dnnl_stream_create(&s, engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream")
        guard let s else { throw OneDNNError(what: "stream", status: dnnl_runtime_error) }
        pthread_setspecific(streamKey, UnsafeRawPointer(s))
        return s
    }

    static func check(_ status: dnnl_status_t, _ what: String) throws {
        guard status == dnnl_success else { throw OneDNNError(what: what, status: status) }
    }

    /// A plain row-major descriptor (nchw, oihw, x, ab, ...) of `dims` in `type`.
    static func plain(_ dims: [Int], _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let tags: [dnnl_format_tag_t] = [dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde]
        guard dims.count >= 1, dims.count <= tags.count else {
            throw OneDNNError(what: "descriptor of rank \(dims.count)", status: dnnl_invalid_arguments)
        }
        try check(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), type, tags[dims.count - 1]), "plain descriptor")
        return md
    }

    /// A descriptor that lets the primitive choose the layout.
    static func any(_ dims: [Int], _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        try check(dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), type, dnnl_format_tag_any), "descriptor")
        return md
    }

    static func same(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        withUnsafePointer(to: a) { pa in withUnsafePointer(to: b) { pb in dnnl_memory_desc_equal(pa, pb) != 0 } }
    }

    static func bytes(_ md: dnnl_memory_desc_t) -> Int {
        withUnsafePointer(to: md) { Int(dnnl_memory_desc_get_size($0)) }
    }

    /// Runs `primitive` with each argument bound to a buffer (handles are not retained).
    static func execute(_ primitive: dnnl_primitive_t, _ args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)]) throws {
        var memories: [dnnl_memory_t?] = []
        memories.reserveCapacity(args.count)
        defer { for m in memories { dnnl_memory_destroy(m) } }
        var execArgs: [dnnl_exec_arg_t] = []
        execArgs.reserveCapacity(args.count)
        for (arg, md, handle) in args {
            var m: dnnl_memory_t?
            try withUnsafePointer(to: md) { try check(dnnl_memory_create(&m, $0, engine, handle), "memory") }
            memories.append(m)
            execArgs.append(dnnl_exec_arg_t(arg: arg, memory: m))
        }
        let s = try stream()
        try check(dnnl_primitive_execute(primitive, s, Int32(execArgs.count), execArgs), "execute")
        try check(dnnl_stream_wait(s), "stream wait")
    }
}

/// Records the first error of any task, to rethrow once every task has finished.
final class FirstError: @unchecked Sendable {
    private let error = Mutex<(any Error)?>(nil)
    func record(_ e: any Error) { error.withLock { if $0 == nil { $0 = e } } }
    func rethrow() throws { if let e = error.withLock({ $0 }) { throw e } }
}

struct OneDNNError: Error, CustomStringConvertible {
    let what: String
    let status: dnnl_status_t
    var description: String { "oneDNN: \(what) failed (status \(status.rawValue))" }
}

/// A primitive and its descriptor, kept for the life of the process (one per shape in use).
final class OneDNNPrimitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t

    /// Creates the primitive from an initialised operation descriptor (`desc` points to a
    /// convolution or matmul descriptor), for `threads` OpenMP threads.
    init(_ desc: UnsafeRawPointer, hint: OneDNNPrimitive? = nil, threads: Int) throws {
        OneDNN.useThreads(threads)
        var attr: dnnl_primitive_attr_t?
        try OneDNN.check(dnnl_primitive_attr_create(&attr), "attributes")
        defer { dnnl_primitive_attr_destroy(attr) }
        // Scratch memory comes from the caller, per call: primitives can then run concurrently.
        try OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode")
        var pd: dnnl_primitive_desc_t?
        try OneDNN.check(dnnl_primitive_desc_create(&pd, desc, attr, OneDNN.engine, hint?.descriptor), "primitive descriptor")
        guard let pd else { throw OneDNNError(what: "primitive descriptor", status: dnnl_runtime_error) }
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            throw OneDNNError(what: "primitive", status: status)
        }
        descriptor = pd
        primitive = p
    }

    /// A reorder between two layouts of the same values.
    init(reorderFrom src: dnnl_memory_desc_t, to dst: dnnl_memory_desc_t, threads: Int) throws {
        OneDNN.useThreads(threads)
        var pd: dnnl_primitive_desc_t?
        try withUnsafePointer(to: src) { ps in
            try withUnsafePointer(to: dst) { pt in
                try OneDNN.check(dnnl_reorder_primitive_desc_create(&pd, ps, OneDNN.engine, pt, OneDNN.engine, nil), "reorder descriptor")
            }
        }
        guard let pd else { throw OneDNNError(what: "reorder descriptor", status: dnnl_runtime_error) }
        var p: dnnl_primitive_t?
        let status = dnnl_primitive_create(&p, pd)
        guard status == dnnl_success, let p else {
            dnnl_primitive_desc_destroy(pd)
            throw OneDNNError(what: "reorder", status: status)
        }
        descriptor = pd
        primitive = p
    }

    /// The layout the primitive chose for a query (dnnl_query_src_md, ...).
    func md(_ query: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(descriptor, query, 0)?.pointee ?? dnnl_memory_desc_t()
    }

    var scratchpadBytes: Int { OneDNN.bytes(md(dnnl_query_scratchpad_md)) }

    /// The implementation oneDNN picked ("jit:avx512_core", "brg:avx512_core_bf16", ...).
    var implementation: String {
        var text: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &text) == dnnl_success, let text else { return "?" }
        return String(cString: text)
    }
}

/// A buffer in oneDNN's layout for one argument, or the caller's own when the layouts agree.
/// `user` is the plain layout the Swift side keeps; `implementation` the primitive's.
struct LayoutBridge {
    let user: dnnl_memory_desc_t
    let implementation: dnnl_memory_desc_t
    /// nil when both layouts are the same (no copy needed).
    let reorder: OneDNNPrimitive?

    init(user: dnnl_memory_desc_t, implementation: dnnl_memory_desc_t, toImplementation: Bool, threads: Int) throws {
        self.user = user
        self.implementation = implementation
        if OneDNN.same(user, implementation) {
            reorder = nil
        } else {
            reorder = toImplementation
                ? try OneDNNPrimitive(reorderFrom: user, to: implementation, threads: threads)
                : try OneDNNPrimitive(reorderFrom: implementation, to: user, threads: threads)
        }
    }

    /// Bytes of scratch the implementation layout needs (0 when no reorder).
    var scratchBytes: Int { reorder == nil ? 0 : OneDNN.bytes(implementation) }

    /// Input: returns the buffer to hand the primitive, reordering `data` into `scratch` if needed.
    func input(_ data: UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer?) throws -> UnsafeMutableRawPointer {
        guard let reorder, let scratch else { return data }
        try OneDNN.execute(reorder.primitive, [(DNNL_ARG_FROM, user, data), (DNNL_ARG_TO, implementation, scratch)])
        return scratch
    }

    /// Output: where the primitive should write; `finish` moves it to `data`.
    func output(_ data: UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer {
        reorder == nil ? data : (scratch ?? data)
    }

    func finish(_ data: UnsafeMutableRawPointer, scratch: UnsafeMutableRawPointer?) throws {
        guard let reorder, let scratch else { return }
        try OneDNN.execute(reorder.primitive, [(DNNL_ARG_FROM, implementation, scratch), (DNNL_ARG_TO, user, data)])
    }
}

/// Aligned scratch memory for one task, regions of the given sizes, freed with it.
struct ScratchArena: ~Copyable {
    private let base: UnsafeMutableRawPointer?
    private let offsets: [Int]
    private let sizes: [Int]

    init(_ sizes: [Int]) {
        var total = 0
        var offsets: [Int] = []
        for s in sizes {
            offsets.append(total)
            total += (s + 63) / 64 * 64
        }
        self.offsets = offsets
        self.sizes = sizes
        base = total > 0 ? UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64) : nil
    }

    /// Region i, or nil when its size is 0.
    func region(_ i: Int) -> UnsafeMutableRawPointer? {
        guard let base, sizes[i] > 0 else { return nil }
        return base + offsets[i]
    }

    deinit { base?.deallocate() }
}

/// Primitives by key, created on first use and kept (a model uses a few dozen shapes).
final class OneDNNCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])

    func value(_ key: Key, make: () throws -> Value) throws -> Value {
        if let v = entries.withLock({ $0[key] }) { return v }
        // Made outside the lock (JIT compilation takes milliseconds); if two threads race, the
        // first stored wins and both use it.
        let made = try make()
        return entries.withLock { e in
            if let v = e[key] { return v }
            e[key] = made
            return made
        }
    }
}
