import Foundation

/// A one-line progress display for long work (steps, rate, ETA), written to standard error:
/// redrawn in place on a terminal, printed every `every` seconds otherwise, so logs stay short.
public final class ProgressMeter: @unchecked Sendable {
    public let label: String
    public let total: Int
    /// Units already done when the meter started (a resumed run): the rate counts only new work.
    public let initial: Int
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let interactive: Bool
    private let every: TimeInterval
    /// Where lines go; tests and reports swap it.
    nonisolated(unsafe) public static var sink: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    nonisolated(unsafe) public static var enabled = true

    /// Whether a redrawn line is on screen without its newline yet: whatever is written next
    /// (an error after Ctrl-C, a script's print) must start on a line of its own.
    nonisolated(unsafe) private static var lineOpen = false

    /// `interactive`: redraw in place; by default, when standard error is a terminal.
    public init(_ label: String, total: Int, initial: Int = 0, every: TimeInterval = 5, interactive: Bool? = nil) {
        self.label = label
        self.total = total
        self.initial = initial
        self.interactive = interactive ?? (isatty(2) != 0)
        self.every = every
    }

    /// A meter dropped before it finished (an error, Ctrl-C) ends its line, so the message that
    /// follows does not run into "ETA 0m26s".
    deinit { Self.endLine() }

    /// Ends a progress line left open; call before writing anything else to the terminal.
    public static func endLine() {
        guard lineOpen else { return }
        lineOpen = false
        sink("\n")
    }

    /// Reports that `done` of `total` units are finished; `detail` is appended (e.g. the loss).
    public func update(_ done: Int, detail: String = "") {
        guard ProgressMeter.enabled else { return }
        let now = Date()
        let finished = done >= total
        guard finished || now.timeIntervalSince(lastPrint) >= (interactive ? 0.1 : every) else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - initial) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        var line = "\(label) \(done)/\(total) \(String(format: "%.2f", rate))/s ETA \(ProgressMeter.duration(eta))"
        if !detail.isEmpty { line += " " + detail }
        ProgressMeter.sink(interactive ? "\r\u{1B}[K" + line + (finished ? "\n" : "") : line + "\n")
        ProgressMeter.lineOpen = interactive && !finished
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}
