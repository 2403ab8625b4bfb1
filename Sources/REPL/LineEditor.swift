#if canImport(Glibc)
@preconcurrency import Glibc
#endif
@preconcurrency import CEditLine
import Foundation
import Script

/// Line editing through libedit's readline-compatible layer: history (multi-line entries kept
/// whole), Ctrl-R search, Tab completion, and Ctrl-C that abandons the line instead of exiting.
final class LineEditor {
    enum Input {
        case line(String)
        /// Ctrl-C at the prompt.
        case interrupted
        /// Ctrl-D on an empty line.
        case end
    }

    let historyPath: String

    init(historyPath: String, completer: Completer) {
        self.historyPath = historyPath
        setlocale(LC_CTYPE, "")
        LineEditor.completer = completer
        rl_readline_name = UnsafePointer(strdup("sn"))
        rl_initialize()
        using_history()
        stifle_history(2000)
        _ = historyPath.withCString { read_history($0) }
        sn_set_word_breaks(UnsafePointer(strdup(Completer.wordBreaks)))
        sn_set_completion_function(completionHook)
        // Incremental reverse search, as in bash.
        _ = rl_parse_and_bind("bind ^R em-inc-search-prev")
        SignalHandling.install()
    }

    func read(prompt: String) -> Input {
        fflush(nil)
        Interrupt.clear()
        guard let raw = readline(prompt) else {
            if Interrupt.isRequested {
                Interrupt.clear()
                return .interrupted
            }
            return .end
        }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    /// Adds an entry (possibly several lines) and saves the history file atomically.
    func remember(_ entry: String) {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        if history_length > 0, let last = history_get(history_base + history_length - 1), let line = last.pointee.line,
           String(cString: line) == trimmed {
            return
        }
        _ = trimmed.withCString { add_history($0) }
        let temporary = historyPath + ".tmp\(getpid())"
        if temporary.withCString({ write_history($0) }) == 0 {
            _ = rename(temporary, historyPath)
        } else {
            unlink(temporary)
        }
    }

    // MARK: completion (C callbacks cannot capture, so the state is global)

    nonisolated(unsafe) static var completer: Completer? = nil
    nonisolated(unsafe) static var candidates: [String] = []
}

/// libedit calls this with the word before the cursor; the line so far is in rl_line_buffer.
private func completionHook(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    rl_completion_append_character = 0
    guard let text, let completer = LineEditor.completer else { return nil }
    let word = String(cString: text)
    var before = ""
    if let buffer = rl_line_buffer {
        let bytes = Array(String(cString: buffer).utf8)
        before = String(decoding: bytes.prefix(Swift.max(0, Swift.min(Int(start), bytes.count))), as: UTF8.self)
    }
    LineEditor.candidates = completer.complete(word: word, before: before)
    guard !LineEditor.candidates.isEmpty else { return nil }
    return rl_completion_matches(text) { _, state in
        let i = Int(state)
        guard i < LineEditor.candidates.count else { return nil }
        return strdup(LineEditor.candidates[i])
    }
}

/// Ctrl-C raises the interpreter's interrupt flag. No SA_RESTART, so a pending `readline`
/// returns (NULL) and the prompt can start over.
enum SignalHandling {
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.request() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
