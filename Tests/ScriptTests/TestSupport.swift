import Foundation
import XCTest
import Script

/// Runs source in a fresh interpreter, collecting what it prints.
final class Run {
    let interpreter: Interpreter
    private(set) var output = ""

    init(limits: Limits = Limits()) {
        var collected = ""
        interpreter = Interpreter(output: { collected += $0 })
        interpreter.limits = limits
        self.outputReader = { collected }
    }

    private var outputReader: () -> String = { "" }
    var printed: String { outputReader() }

    @discardableResult
    func callAsFunction(_ source: String, file: String = "test.sn") throws -> Value? {
        try interpreter.run(source, file: file)
    }
}

/// The value of the last expression of `source`, as the REPL would show it.
func show(_ source: String) throws -> String {
    let run = Run()
    guard let v = try run(source) else { return "<no value>" }
    return run.interpreter.printer.display(v)
}

/// What `source` prints.
func printed(_ source: String) throws -> String {
    let run = Run()
    try run(source)
    return run.printed
}

/// The error `source` raises (parse or run), or nil.
func scriptError(_ source: String, limits: Limits = Limits()) -> ScriptError? {
    do {
        try Run(limits: limits)(source)
        return nil
    } catch let e as ScriptError {
        return e
    } catch {
        XCTFail("not a ScriptError: \(error)")
        return nil
    }
}

/// The package root, from this file's location.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `sn` binary built next to this test bundle (.build/<config>/sn).
var snBinary: URL? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundle.appendingPathComponent("sn")]
    for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("sn")) }
    #if DEBUG
    candidates.append(packageRoot.appendingPathComponent(".build/debug/sn"))
    #else
    candidates.append(packageRoot.appendingPathComponent(".build/release/sn"))
    #endif
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// Runs a process to completion: exit status, stdout, stderr.
func runProcess(_ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil,
                directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let directory { p.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// posix_spawn + waitpid, with stdin from /dev/null and stdout/stderr into a file: for
/// commands (tmux) whose daemon children would keep a pipe open, or whose exit Foundation's
/// Process can miss.
func spawnAndWait(_ path: String, _ arguments: [String]) -> (status: Int32, out: String) {
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("sn-spawn-\(getpid())-\(UUID().uuidString)").path
    defer { unlink(outPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return (-1, "") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : -1, out)
}
