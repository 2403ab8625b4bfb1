#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Script

/// Non-interactive ways to run code: a script file, `-e`, or a script piped on stdin.
public enum Runner {
    static var useColor: Bool { Terminal.stderrIsTerminal && getenv("NO_COLOR") == nil }

    /// Runs source text as a script; errors go to stderr. Returns the exit status (0, 1, or
    /// `Interrupt.terminatedExitStatus` after SIGTERM/SIGUSR1).
    /// With `showResult`, the value of a final expression is printed (for `sn -e`).
    public static func run(_ source: String, name: String, interpreter: Interpreter, showResult: Bool = false) -> Int32 {
        interpreter.width = Terminal.stdoutIsTerminal ? Terminal.width : 80
        if Terminal.stdinIsTerminal || Terminal.stdoutIsTerminal { SignalHandling.install() }
        defer { fflush(nil) }
        do {
            let value = try interpreter.run(source, file: name)
            if showResult, let value {
                if case .none = value {} else if !interpreter.wasShownAsPicture(value) {
                    interpreter.write(interpreter.printer.display(value) + "\n")
                }
            }
            return 0
        } catch let error as ScriptError {
            Terminal.writeError(error.rendered(color: useColor) + "\n")
            if error.kind == .interrupted, Interrupt.termination != nil { return Interrupt.terminatedExitStatus }
        } catch {
            Terminal.writeError("error: \(error)\n")
        }
        return 1
    }

    /// Reads a whole file and runs it.
    public static func runFile(_ path: String, arguments: [String], interpreter: Interpreter) -> Int32 {
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.writeError("error: cannot read '\(path)': no such file or not readable\n")
            return 1
        }
        guard let text = String(data: data, encoding: .utf8) else {
            Terminal.writeError("error: '\(path)' is not UTF-8 text\n")
            return 1
        }
        interpreter.setVariable("args", .list(arguments.map { .string($0) }))
        return run(text, name: path, interpreter: interpreter)
    }

    /// Everything on stdin, as one script.
    public static func runStandardInput(arguments: [String], interpreter: Interpreter) -> Int32 {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        interpreter.setVariable("args", .list(arguments.map { .string($0) }))
        return run(String(decoding: data, as: UTF8.self), name: "<stdin>", interpreter: interpreter)
    }
}
