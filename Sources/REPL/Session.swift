#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Script

/// The REPL's own commands, typed after a colon.
public enum REPLCommand {
    public static let names = ["help", "load", "quit", "reset", "save", "time", "vars"]
}

/// One interactive session: reads inputs (continuing while they are incomplete), runs them,
/// shows values, and keeps the successful inputs for `:save`.
public final class Session {
    public let interpreter: Interpreter
    /// Inputs that ran without error, in order.
    public private(set) var transcript: [String] = []
    let useColor: Bool

    public init(interpreter: Interpreter) {
        self.interpreter = interpreter
        self.useColor = Terminal.stderrIsTerminal && getenv("NO_COLOR") == nil
    }

    public static var historyPath: String {
        if let custom = getenv("SN_HISTORY") { return String(cString: custom) }
        let home = getenv("HOME").map { String(cString: $0) } ?? NSHomeDirectory()
        return home + "/.sn_history"
    }

    /// The interactive loop on a terminal. Returns the exit status.
    public func runInteractive(banner: String) -> Int32 {
        let editor = LineEditor(historyPath: Session.historyPath, completer: Completer(interpreter: interpreter))
        interpreter.write(banner + "\n")
        var pending = ""
        var blankLines = 0
        while true {
            let prompt = pending.isEmpty ? "sn> " : "... "
            switch editor.read(prompt: prompt) {
            case .end:
                interpreter.write("\n")
                if pending.isEmpty { return 0 }
                pending = ""
            case .interrupted:
                interpreter.write("\n")
                pending = ""
                blankLines = 0
            case .line(let line):
                if pending.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix(":") {
                    editor.remember(line)
                    if case .quit = handleCommand(line.trimmingCharacters(in: .whitespaces)) { return 0 }
                    continue
                }
                pending += (pending.isEmpty ? "" : "\n") + line
                blankLines = line.trimmingCharacters(in: .whitespaces).isEmpty ? blankLines + 1 : 0
                if pending.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    pending = ""
                    continue
                }
                // Incomplete input waits for more lines; two blank lines in a row give up on it.
                let file = SourceFile(name: "<input>", text: pending)
                let program: Program
                do {
                    program = try Parser.parse(file)
                } catch let error as ScriptError {
                    if error.isIncomplete && blankLines < 2 { continue }
                    editor.remember(pending)
                    report(error)
                    pending = ""
                    blankLines = 0
                    continue
                } catch {
                    report(ScriptError(.runtime, "\(error)", at: nil))
                    pending = ""
                    continue
                }
                editor.remember(pending)
                if evaluate(program) { transcript.append(pending) }
                pending = ""
                blankLines = 0
            }
        }
    }

    /// Runs one parsed input and shows its value. Returns whether it succeeded.
    @discardableResult
    func evaluate(_ program: Program) -> Bool {
        interpreter.width = Terminal.width
        Interrupt.clear()
        do {
            if let value = try interpreter.execute(program) {
                show(value)
            }
            fflush(nil)
            return true
        } catch let error as ScriptError {
            report(error)
        } catch {
            report(ScriptError(.runtime, "\(error)", at: nil))
        }
        return false
    }

    func show(_ value: Value) {
        if case .none = value { return }
        interpreter.setVariable("ans", value)
        if interpreter.wasShownAsPicture(value) { return }
        interpreter.write(interpreter.printer.display(value) + "\n")
    }

    func report(_ error: ScriptError) {
        Terminal.writeError(error.rendered(color: useColor) + "\n")
    }

    enum CommandResult { case proceed, quit }

    func handleCommand(_ text: String) -> CommandResult {
        let parts = text.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts.first ?? "", rest = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "quit", "q", "exit":
            return .quit
        case "help", "h":
            interpreter.width = Terminal.width
            do {
                let text = try CoreBuiltins.helpText(rest.isEmpty ? .none : .string(rest), interpreter)
                interpreter.write(text + "\n")
            } catch let error as ArgumentError {
                Terminal.writeError("error: \(error.message)\n")
            } catch {
                Terminal.writeError("error: \(error)\n")
            }
        case "vars":
            let names = interpreter.variableNames
            if names.isEmpty { interpreter.write("(no variables)\n") }
            let widest = names.map(\.count).max() ?? 0
            for n in names {
                guard let v = interpreter.variable(n) else { continue }
                var summary = interpreter.printer.repr(v)
                if summary.contains("\n") || summary.count > 60 {
                    summary = String(summary.split(separator: "\n").first ?? "").prefix(57) + "..."
                }
                interpreter.write(n.padding(toLength: widest, withPad: " ", startingAt: 0) + "  "
                                  + v.typeName.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + summary + "\n")
            }
        case "time":
            guard !rest.isEmpty else { Terminal.writeError("error: usage: :time expression\n"); break }
            let start = DispatchTime.now().uptimeNanoseconds
            var ok = false
            do {
                ok = evaluate(try Parser.parse(SourceFile(name: "<input>", text: rest)))
            } catch let error as ScriptError {
                report(error)
            } catch {
                report(ScriptError(.runtime, "\(error)", at: nil))
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            interpreter.write("time: \(Session.formatDuration(elapsed))\n")
            if ok { transcript.append(rest) }
        case "load":
            guard !rest.isEmpty else { Terminal.writeError("error: usage: :load file.sn\n"); break }
            let call = "run(\(interpreter.printer.quote(rest)))"
            do {
                if evaluate(try Parser.parse(SourceFile(name: "<input>", text: call))) { transcript.append(call) }
            } catch let error as ScriptError {
                report(error)
            } catch {
                report(ScriptError(.runtime, "\(error)", at: nil))
            }
        case "save":
            guard !rest.isEmpty else { Terminal.writeError("error: usage: :save file.sn\n"); break }
            do {
                try Session.writeAtomically(transcript.joined(separator: "\n") + "\n", to: rest)
                interpreter.write("saved \(transcript.count) input\(transcript.count == 1 ? "" : "s") to \(rest)\n")
            } catch {
                Terminal.writeError("error: cannot write \(rest): \(error.localizedDescription)\n")
            }
        case "reset":
            interpreter.reset()
            transcript = []
            interpreter.write("all variables cleared\n")
        default:
            let hint = Suggestions.publicHint(for: name, among: REPLCommand.names)
            Terminal.writeError("error: unknown command ':\(name)'\(hint) (commands: \(REPLCommand.names.map { ":" + $0 }.joined(separator: " ")))\n")
        }
        return .proceed
    }

    static func formatDuration(_ ms: Double) -> String {
        ms < 1 ? String(format: "%.1f µs", ms * 1000) : ms < 1000 ? String(format: "%.2f ms", ms) : String(format: "%.3f s", ms / 1000)
    }

    /// Temporary file in the same directory, then rename.
    public static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp\(getpid())")
        try Data(text.utf8).write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }
}
