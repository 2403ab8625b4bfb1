import Foundation
import XCTest

/// The `sn` executable: modes and exit statuses (0 ok, 1 script error, 2 usage).
final class CommandLineTests: XCTestCase {
    func binary() throws -> URL {
        try XCTUnwrap(snBinary, "build sn first (swift build), it is looked for next to the test bundle")
    }

    func testEvaluatePrintsTheValue() throws {
        let r = try runProcess(try binary(), ["-e", "1+1"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, "2\n")
    }

    func testScriptSeesItsArguments() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sn-args-\(getpid()).sn")
        try "print(args, len(args))\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runProcess(try binary(), [file.path, "a", "--flag", "-x"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "[\"a\", \"--flag\", \"-x\"] 3\n")
    }

    func testScriptErrorExitsWithOneAndAMessageOnStderr() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sn-err-\(getpid()).sn")
        try "print(1)\nprint(nope)\nprint(3)\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try runProcess(try binary(), [file.path], environment: ["NO_COLOR": "1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.out, "1\n")
        XCTAssertEqual(r.err, "\(file.path):2:7: error: no variable or function named 'nope'\n    print(nope)\n          ^~~~\n")
    }

    func testPipedStdinRunsAsAScriptWithoutPrompts() throws {
        let r = try runProcess(try binary(), [], stdin: "x = 20\nprint(x + 1)\nx\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, "21\n")
        let bad = try runProcess(try binary(), [], stdin: "print(1 +)\n")
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("<stdin>:1:10: error"), bad.err)
        XCTAssertFalse(bad.out.contains("sn>"))
    }

    func testUsageErrorsExitWithTwo() throws {
        XCTAssertEqual(try runProcess(try binary(), ["--no-such-flag"]).status, 2)
        XCTAssertEqual(try runProcess(try binary(), ["-e"]).status, 2)
        XCTAssertEqual(try runProcess(try binary(), ["report"]).status, 2)
    }

    func testHelpAndVersion() throws {
        let help = try runProcess(try binary(), ["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.out.contains("sn -e 'expr'"))
        let version = try runProcess(try binary(), ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.out.hasPrefix("0.1.0"))
    }

    func testMissingScriptIsAnError() throws {
        let r = try runProcess(try binary(), ["/no/such/file.sn"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("cannot read '/no/such/file.sn'"))
    }
}

final class ReportCommandTests: XCTestCase {
    func testReportWritesMarkdownAndStopsAtAFailingCell() throws {
        let sn = try XCTUnwrap(snBinary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-report-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("nb.sn")
        try "x = 3\n# %% Double\nx * 2\n# %% Broken\ny = nope\n# %% Never\nprint(1)\n".write(to: script, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("nb.md")
        let r = try runProcess(sn, ["report", script.path, "-o", out.path])
        XCTAssertEqual(r.status, 1, r.err)
        let md = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(md.contains("## Double\n\n```sn\nx * 2\n```\n\n```text\n6\n```"), md)
        XCTAssertTrue(md.contains("nb.sn:5:5: error: no variable or function named 'nope'"), md)
        XCTAssertTrue(md.contains("1 later cell not run"), md)
        try "x = 1\n# %% ok\nx + 1\n".write(to: script, atomically: true, encoding: .utf8)
        XCTAssertEqual(try runProcess(sn, ["report", script.path, "-o", out.path]).status, 0)
    }
}

/// `sn report file.sn [-o out] [args]`: script arguments, the default output name, stdin.
final class ReportCommandLineTests: XCTestCase {
    func testReportPassesArgumentsDefaultsItsOutputAndReadsStdin() throws {
        let sn = try XCTUnwrap(snBinary, "build sn first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-report-args-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("nb.sn")
        try "print(\"args:\", args)\n".write(to: script, atomically: true, encoding: .utf8)

        let named = dir.appendingPathComponent("x.md")
        var r = try runProcess(sn, ["report", script.path, "-o", named.path, "full", "7"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(try String(contentsOf: named, encoding: .utf8).contains("args: [\"full\", \"7\"]"))

        // Without -o: nb.md next to the script.
        r = try runProcess(sn, ["report", script.path, "quick"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "wrote \(dir.path)/nb.md\n")
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("nb.md"), encoding: .utf8).contains("args: [\"quick\"]"))

        // '-' reads the script from stdin; without -o it writes report.md in the working directory.
        r = try runProcess(sn, ["report", "-", "a"], stdin: "print(\"from stdin\", args)\n", directory: dir)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8).contains("from stdin [\"a\"]"))

        r = try runProcess(sn, ["report", dir.appendingPathComponent("missing.sn").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err, "error: cannot read '\(dir.path)/missing.sn': No such file or directory\n")
    }
}
