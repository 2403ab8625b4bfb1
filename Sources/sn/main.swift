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
            sn report file.sn -o out.md [--html] [--keep-going]
                                 run a script as a notebook and write a report
            Exit status: 0 success, 1 script error, 2 bad usage, 75 stopped by SIGTERM or
            SIGUSR1 (a running finetune first ends its step and writes its checkpoint: run the
            script again with resume: to continue).
            """,
        version: "\(version)\n\(BLASKernel.summary)")

    @Option(name: [.customShort("e"), .customLong("eval")], help: "Evaluate the code and print the value of its last expression.")
    var expression: String?

    @Argument(help: "A script to run.")
    var script: String?

    @Argument(parsing: .captureForPassthrough, help: "Arguments the script sees as the list `args`.")
    var arguments: [String] = []

    mutating func run() throws {
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

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sn report",
        abstract: "Run a script as a notebook (cells split at '# %%') and write Markdown or HTML with outputs and figures.")

    @Argument(help: "The script to run.") var script: String
    @Option(name: .shortAndLong, help: "The report file to write.") var output: String
    @Flag(help: "Write HTML instead of Markdown.") var html = false
    @Flag(help: "Keep running the next cells after a cell fails.") var keepGoing = false

    mutating func run() throws {
        guard let source = try? String(contentsOfFile: script, encoding: .utf8) else {
            Terminal.writeError("error: cannot read '\(script)'\n")
            throw ExitCode(1)
        }
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
        interpreter.setVariable("args", .list([]))
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
        let title = ((script as NSString).lastPathComponent as NSString).deletingPathExtension
        var failed = false
        let report = Plotting.Report.run(source: source, title: title, keepGoing: keepGoing) { cell in
            outputs = []
            // Blank lines in front keep line numbers in errors those of the script.
            let code = String(repeating: "\n", count: max(0, cell.firstLine - 1)) + cell.code
            var message: String? = nil
            do {
                if let value = try interpreter.run(code, file: script) {
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
