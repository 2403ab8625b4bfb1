import Foundation
import XCTest

/// Drives the real `sn` REPL through a pseudo-terminal (tmux): completion, continuation lines,
/// history across two sessions (Ctrl-R included), Ctrl-C during a long loop, Ctrl-D.
final class REPLTerminalTests: XCTestCase {
    /// A tmux server of our own (its own socket), with one window running sn.
    final class Terminal {
        let socket = "sn-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let tmux: URL

        init(tmux: URL, command: String) throws {
            self.tmux = tmux
            try run(["new-session", "-d", "-s", "sn", "-x", "120", "-y", "50", command])
            try run(["set-option", "-t", "sn", "remain-on-exit", "on"])
        }

        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let r = spawnAndWait(tmux.path, ["-L", socket] + arguments)
            guard r.status == 0 else { throw NSError(domain: "tmux", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.out]) }
            return r.out
        }

        func type(_ text: String) throws { try run(["send-keys", "-t", "sn", "-l", text]) }
        func press(_ key: String) throws { try run(["send-keys", "-t", "sn", key]) }
        func screen() -> String { (try? run(["capture-pane", "-p", "-t", "sn", "-S", "-200"])) ?? "" }

        var exited: Bool { ((try? run(["display-message", "-p", "-t", "sn", "#{pane_dead}"])) ?? "").hasPrefix("1") }

        /// Waits until the screen satisfies `condition` (up to 10 s); returns the last screen.
        @discardableResult
        func wait(_ what: String, _ condition: (String) -> Bool) -> String {
            let deadline = Date().addingTimeInterval(10)
            var text = screen()
            while !condition(text) && Date() < deadline {
                usleep(30_000)
                text = screen()
            }
            if !condition(text) { XCTFail("timed out waiting for \(what); screen:\n\(text)") }
            return text
        }

        /// Waits until `count` prompts have appeared (capture-pane drops the trailing space).
        func waitForPrompt(_ count: Int) {
            wait("prompt #\(count)") { $0.components(separatedBy: "sn>").count - 1 >= count }
        }

        func close() { _ = try? run(["kill-server"]) }
    }

    func tmuxPath() throws -> URL {
        for p in ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"] where FileManager.default.isExecutableFile(atPath: p) {
            return URL(fileURLWithPath: p)
        }
        throw XCTSkip("tmux is not installed")
    }

    func testCompletionContinuationInterruptHistoryAndEnd() throws {
        let tmux = try tmuxPath()
        let sn = try XCTUnwrap(snBinary, "build sn first")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sn-repl-\(getpid())")
        try? FileManager.default.removeItem(at: home)
        try FileManager.default.createDirectory(at: home.appendingPathComponent("data"), withIntermediateDirectories: true)
        try "x".write(to: home.appendingPathComponent("data/probe_file.txt"), atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: home) }
        // The shell prints sn's exit status: tmux 3.3 does not always record a dead pane's status.
        let command = "cd \(home.path) && env HOME=\(home.path) NO_COLOR=1 TERM=xterm \(sn.path); echo sn-exit-status=$?"

        // Session one.
        let one = try Terminal(tmux: tmux, command: command)
        defer { one.close() }
        one.waitForPrompt(1)

        // Tab completes variables and builtins.
        try one.type("alpha_value = 5")
        try one.press("Enter")
        one.waitForPrompt(2)
        try one.type("alpha_v")
        try one.press("Tab")
        one.wait("variable completion") { $0.contains("sn> alpha_value") }
        try one.type(" + 1")
        try one.press("Enter")
        one.wait("6") { $0.contains("alpha_value + 1\n6\n") }
        one.waitForPrompt(3)

        // ... record members after a dot ...
        try one.type("rec = {gamma_field: 7, delta: 2}")
        try one.press("Enter")
        one.waitForPrompt(4)
        try one.type("rec.gam")
        try one.press("Tab")
        one.wait("member completion") { $0.contains("sn> rec.gamma_field") }
        try one.press("Enter")
        one.wait("7") { $0.contains("rec.gamma_field\n7\n") }
        one.waitForPrompt(5)

        // ... and file paths inside strings.
        try one.type("path = \"data/probe_f")
        try one.press("Tab")
        one.wait("path completion") { $0.contains("path = \"data/probe_file.txt") }
        try one.type("\"")
        try one.press("Enter")
        one.waitForPrompt(6)

        // Continuation lines while the input is incomplete.
        try one.type("ys = [1,")
        try one.press("Enter")
        one.wait("continuation prompt") { $0.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("sn> ys = [1,\n...") }
        try one.type("2, 3]")
        try one.press("Enter")
        one.waitForPrompt(7)
        try one.type("len(ys)")
        try one.press("Enter")
        one.wait("3") { $0.contains("len(ys)\n3\n") }
        one.waitForPrompt(8)

        // Ctrl-C stops a long loop and returns to the prompt, variables intact.
        try one.type("n = 0; while true { n += 1 }")
        try one.press("Enter")
        usleep(300_000)
        try one.press("C-c")
        one.wait("interrupt") { $0.contains("interrupted at <input>:1:") }
        one.waitForPrompt(9)
        try one.type("n > 0")
        try one.press("Enter")
        one.wait("true") { $0.contains("n > 0\ntrue\n") }
        one.waitForPrompt(10)

        try one.type("hist_probe = 41")
        try one.press("Enter")
        one.waitForPrompt(11)

        // Ctrl-D ends the session with status 0.
        try one.press("C-d")
        one.wait("exit") { _ in one.exited }
        one.wait("exit status 0") { $0.contains("sn-exit-status=0") }

        // Session two sees session one's history: Up recalls the last entry...
        let two = try Terminal(tmux: tmux, command: command)
        defer { two.close() }
        two.waitForPrompt(1)
        try two.press("Up")
        two.wait("history recall") { $0.contains("sn> hist_probe = 41") }
        try two.press("Enter")
        two.waitForPrompt(2)
        try two.type("hist_probe + 1")
        try two.press("Enter")
        two.wait("42") { $0.contains("hist_probe + 1\n42\n") }
        two.waitForPrompt(3)

        // ... and Ctrl-R finds the multi-line entry, kept whole.
        try two.press("C-r")
        try two.type("ys = [1")
        two.wait("reverse search") { $0.contains("ys = [1,") }
        try two.press("Enter")
        two.waitForPrompt(4)
        try two.type("ys")
        try two.press("Enter")
        two.wait("[1, 2, 3]") { $0.contains("ys\n[1, 2, 3]\n") }
        try two.press("C-d")
        two.wait("exit") { _ in two.exited }
    }
}
