#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs deeply recursive work (parsing, evaluation) on a thread with a large stack, so the
/// language's own depth limits, not the 8 MB main stack, decide when recursion is too deep.
public enum LargeStack {
    /// Virtual size; pages are only committed when touched.
    public static let size = 1 << 30

    private final class Job: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True on a thread started here.
    public static var isCurrent: Bool { pthread_getspecific(key) != nil }

    public static func run<T>(_ body: () throws -> T) throws -> T {
        if isCurrent { return try body() }
        return try withoutActuallyEscaping(body) { escapable in
            var result: Result<T, Error>? = nil
            let job = Job { result = Result { try escapable() } }
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, size)
            let context = Unmanaged.passRetained(job).toOpaque()
            #if canImport(Glibc)
            var thread = pthread_t()
            #else
            var thread: pthread_t? = nil
            #endif
            let created = pthread_create(&thread, &attributes, { raw in
                pthread_setspecific(LargeStack.key, UnsafeRawPointer(bitPattern: 1))
                #if canImport(Glibc)
                guard let raw else { return nil }
                #endif
                let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
                job.body()
                return nil
            }, context)
            guard created == 0 else {
                // No thread (resources exhausted): run here and rely on the depth limits.
                Unmanaged<Job>.fromOpaque(context).release()
                return try escapable()
            }
            #if canImport(Glibc)
            pthread_join(thread, nil)
            #else
            if let thread { pthread_join(thread, nil) }
            #endif
            guard let result else { throw BuiltinError("internal error: evaluation thread ended without a result") }
            return try result.get()
        }
    }
}
