import Foundation
import Synchronization

/// Requests to stop, raised by signal handlers and read by the evaluator (between statements, in
/// loops) and by long builtins (after each item or step).
///
/// Two kinds, because they want different endings:
/// - Ctrl-C (`request`) stops what runs and goes back to the prompt; a fine-tune saves its
///   checkpoint and returns the model trained so far.
/// - A termination signal (`requestTermination`, SIGTERM or SIGUSR1: a batch system asking the job
///   to leave, e.g. Slurm preempting or requeueing it) stops at the next safe point — a fine-tune
///   first finishes its current step and writes its checkpoint — and ends the run with
///   `terminatedExitStatus`, so a job script can tell "run me again" from a failure.
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)
    /// The termination signal received, 0 when none. Stays set until the process ends: every
    /// check from then on stops, so nothing after a fine-tune runs on a half-finished model.
    private static let terminationSignal = Atomic<Int32>(0)

    /// `sn`'s exit status after stopping on SIGTERM or SIGUSR1: EX_TEMPFAIL from sysexits.h
    /// ("temporary failure; try again"). The checkpoint, if the script named one, is written.
    public static let terminatedExitStatus: Int32 = 75

    /// Async-signal-safe: a single atomic store.
    public static func request() { flag.store(true, ordering: .relaxed) }
    /// Async-signal-safe: a single atomic store.
    public static func requestTermination(signal: Int32) { terminationSignal.store(signal, ordering: .relaxed) }

    /// Lowers a Ctrl-C request (after it was handled); a termination request stays.
    public static func clear() { flag.store(false, ordering: .relaxed) }

    /// Whether anything should stop now: long loops check this after each unit of work.
    public static var isRequested: Bool { flag.load(ordering: .relaxed) || termination != nil }

    /// The termination signal received (SIGTERM, SIGUSR1), if any.
    public static var termination: Int32? {
        let s = terminationSignal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// Throws when a stop is pending: the termination error (see `terminated`) when a signal asked
    /// the process to leave, else "interrupted" (and lowers the Ctrl-C flag).
    public static func check(at span: SourceSpan? = nil) throws {
        if let signal = termination { throw terminated(signal, at: span) }
        if flag.load(ordering: .relaxed) {
            flag.store(false, ordering: .relaxed)
            throw ScriptError.interrupted(at: span)
        }
    }

    /// Throws the termination error when a termination signal arrived. A long builtin calls it
    /// after saving what it must, so no later code runs on half-finished work.
    public static func stopIfTerminating() throws {
        if let signal = termination { throw terminated(signal, at: nil) }
    }

    static func terminated(_ signal: Int32, at span: SourceSpan?) -> ScriptError {
        ScriptError(.interrupted, "stopped by \(signalName(signal)) (exit status \(terminatedExitStatus))", at: span)
    }

    /// "SIGTERM", "SIGUSR1", or "signal N" for another number.
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGUSR1: return "SIGUSR1"
        case SIGINT: return "SIGINT"
        default: return "signal \(signal)"
        }
    }
}
