import Synchronization

/// Ctrl-C: the signal handler raises the flag; the evaluator (between statements, in loops)
/// and long builtins call `check()` and stop with an "interrupted" error.
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// Async-signal-safe: a single atomic store.
    public static func request() { flag.store(true, ordering: .relaxed) }
    public static func clear() { flag.store(false, ordering: .relaxed) }
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }

    /// Throws (and lowers the flag) when an interrupt is pending.
    public static func check() throws {
        if flag.load(ordering: .relaxed) {
            flag.store(false, ordering: .relaxed)
            throw ScriptError.interrupted(at: nil)
        }
    }
}
