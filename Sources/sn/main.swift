#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import ArgumentParser
import Foundation
import Plotting
import REPL
import Script
import Tensors

// First, before any BLAS call: when OpenBLAS fell back to a generic kernel on a CPU that has a
// fast one, re-execute once on the fast kernel (the kernel is chosen when the library loads).
BLASKernel.relaunchOnFastestKernel()
Allocator.keepFreedMemory()

let version = "0.1.0"

struct SN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sn",
        abstract: "SoftNeg: a scripting REPL for probing and fine-tuning text-to-image diffusion models.",
        discussion: """
            sn                   open the REPL
            sn file.sn [args]    run a script (args are visible as the list `args`)
            sn -e 'expr'         evaluate and print the value
            cat file.sn | sn     run a script from stdin
            sn report file.sn [-o out.md] [--html] [--keep-going] [args]
                                 run a script as a notebook and write a report
                                 (file.md by default; '-' reads the script from stdin)
            Exit status: 0 success, 1 script error, 2 bad usage, 75 stopped by SIGTERM or
            SIGUSR1 (a running finetune first ends its step and writes its checkpoint: run the
            script again with resume: to continue).
            """,
        version: "\(version)\n\(BLASKernel.summary)")

    @Option(name: [.customShort("e"), .customLong("eval")], help: "Evaluate the code and print the value of its last expression.")
    var expression: String?

    @Flag(name: .customLong("doc-builtins"),
          help: "Print the builtin reference of docs/language.md (generated from the builtins); with a file, rewrite that file's generated section.")
    var documentBuiltins = false

    @Argument(help: "A script to run.")
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: "Arguments the script sees as the list `args`.")
    var arguments: [String] = []

    mutating func run() throws {
        if documentBuiltins { throw ExitCode(SN.writeBuiltinReference(into: script)) }
        let interpreter = Interpreter()
        if expression != nil || script != nil || !Terminal.stdinIsTerminal {
            stopOnTerminationSignals()
            // A batch job's log is a file: write each printed line as it comes, not at exit, so
            // the log shows how far a job got when it was stopped.
            setvbuf(stdout, nil, _IOLBF, 0)
        }
        if let expression {
            interpreter.setVariable("args", .list(([script].compactMap { $0 } + arguments).map { .string($0) }))
            throw ExitCode(Runner.run(expression, name: "<-e>", interpreter: interpreter, showResult: true))
        }
        if let script {
            throw ExitCode(Runner.runFile(script, arguments: arguments, interpreter: interpreter))
        }
        if !Terminal.stdinIsTerminal {
            throw ExitCode(Runner.runStandardInput(arguments: [], interpreter: interpreter))
        }
        let session = Session(interpreter: interpreter)
        throw ExitCode(session.runInteractive(banner: "sn \(version) — :help for builtins and commands, Ctrl-D to quit"))
    }
}

extension SN {
    /// `sn --doc-builtins [file]`: the generated reference on stdout, or put into `file` between
    /// its markers (written atomically).
    static func writeBuiltinReference(into path: String?) -> Int32 {
        guard let path else {
            print(BuiltinReference.markdown(), terminator: "")
            return 0
        }
        do {
            let updated = try BuiltinReference.updated(try FileReason.readText(path))
            try AtomicFile.write(Array(updated.utf8), to: path)
            print("wrote \(path)")
            return 0
        } catch {
            Terminal.writeError("error: \(path): \(error)\n")
            return 1
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sn report",
        abstract: "Run a script as a notebook (cells split at '# %%') and write Markdown or HTML with outputs and figures.")

    @Argument(help: "The script to run ('-' reads it from standard input).") var script: String
    @Option(name: .shortAndLong, help: "The report file to write (default: the script's name with .md, or .html with --html; report.md for '-').")
    var output: String?
    @Flag(help: "Write HTML instead of Markdown.") var html = false
    @Flag(help: "Keep running the next cells after a cell fails.") var keepGoing = false
    /// Everything after the script that is not one of report's own options (-o, --html,
    /// --keep-going), so `sn report table1.sn -o t.md full` passes `full` on.
    @Argument(parsing: .allUnrecognized, help: "Arguments the script sees as the list `args`, as with `sn file.sn args...`.")
    var arguments: [String] = []

    /// `table1.sn` -> `table1.md` next to it (`.html` with --html); stdin -> `report.md` here.
    static func defaultOutput(for script: String, html: Bool) -> String {
        let stem = script == "-" ? "report" : (script as NSString).deletingPathExtension
        return stem + (html ? ".html" : ".md")
    }

    mutating func run() throws {
        let source: String
        if script == "-" {
            source = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            do {
                source = try FileReason.readText(script)
            } catch {
                Terminal.writeError("error: \(error)\n")
                throw ExitCode(1)
            }
        }
        let output = self.output ?? Report.defaultOutput(for: script, html: html)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sn-report-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            Terminal.writeError("error: cannot create a scratch directory: \(error.localizedDescription)\n")
            throw ExitCode(1)
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        FigureDisplay.mode = .collect(directory: scratch.path)
        defer { FigureDisplay.mode = .inline(sixel: false) }

        let interpreter = Interpreter()
        interpreter.setVariable("args", .list(arguments.map { .string($0) }))
        // What a cell shows, in order: text, tables, and the figures drawn before each of them.
        nonisolated(unsafe) var outputs: [CellOutput] = []
        func takeFigures() { outputs += FigureDisplay.takeCollected().map { .figure($0) } }
        interpreter.output = { text in
            takeFigures()
            outputs.append(.text(text))
        }
        interpreter.richDisplay = { value in
            guard case .host(let h as TableValue) = value else { return false }
            takeFigures()
            outputs.append(.table(h.table))
            return true
        }
        let title = script == "-" ? "report" : ((script as NSString).lastPathComponent as NSString).deletingPathExtension
        var failed = false
        let report = Plotting.Report.run(source: source, title: title, keepGoing: keepGoing) { cell in
            outputs = []
            // Blank lines in front keep line numbers in errors those of the script.
            let code = String(repeating: "\n", count: max(0, cell.firstLine - 1)) + cell.code
            var message: String? = nil
            do {
                if let value = try interpreter.run(code, file: script == "-" ? "<stdin>" : script) {
                    if case .none = value {} else if interpreter.wasShownAsPicture(value) {
                    } else if !(interpreter.richDisplay?(value) ?? false) {
                        interpreter.write(interpreter.printer.display(value) + "\n")
                    }
                }
            } catch let error as ScriptError {
                message = error.rendered()
                failed = true
            }
            takeFigures()
            return CellOutcome(outputs: outputs, error: message)
        }
        do {
            if html { try report.writeHTML(to: output) } else { try report.writeMarkdown(to: output) }
        } catch {
            Terminal.writeError("error: cannot write the report: \(error)\n")
            throw ExitCode(1)
        }
        print("wrote \(output)" + (failed ? " (a cell failed; see the report)" : ""))
        throw ExitCode(failed ? 1 : 0)
    }
}

/// SIGTERM and SIGUSR1 (a batch system preempting, requeueing or warning a job before its time
/// limit) ask a running script to stop at its next safe point: a fine-tune finishes its current
/// step and writes its checkpoint, then `sn` exits with `Interrupt.terminatedExitStatus`. The
/// interactive REPL keeps the default action (the signal ends it at once).
/// SA_RESTART: a file read or write in progress when the signal lands carries on.
func stopOnTerminationSignals() {
    for signal in [SIGTERM, SIGUSR1] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { Interrupt.requestTermination(signal: $0) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, nil)
    }
}

/// Usage errors exit with 2 (ArgumentParser's default is 64); help and version with 0.
/// `report` is dispatched by hand: as a subcommand it would be shadowed by the script argument.
func main<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) -> Never {
    do {
        var command = try type.parseAsRoot(arguments)
        do {
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        }
    } catch {
        if type.exitCode(for: error) == .success {
            print(type.fullMessage(for: error))
            exit(0)
        }
        FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
}

let commandLine = Array(CommandLine.arguments.dropFirst())
if commandLine.first == "report" {
    main(Report.self, Array(commandLine.dropFirst()))
}
main(SN.self, commandLine)
