import Foundation
import XCTest

/// SIGTERM / SIGUSR1 (a batch system preempting or requeueing a job): `sn` stops at the next safe
/// point with exit status 75; a fine-tune first ends its step and writes its checkpoint, and the
/// run resumed from it ends with the same weights, bit for bit, as an uninterrupted run.
final class TerminationSignalTests: XCTestCase {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sn-term-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Starts sn on `script` with stdout/stderr into files; once `ready(stderr)` holds (checked
    /// every 20 ms, for at most 2 minutes), sends `signal`. Returns status, stdout, stderr.
    func run(_ script: URL, _ arguments: [String], signal: Int32? = nil, when ready: @escaping (String, URL) -> Bool = { _, _ in true }) throws -> (status: Int32, out: String, err: String) {
        let sn = try XCTUnwrap(snBinary, "build sn first")
        let outURL = script.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)")
        let errURL = script.deletingLastPathComponent().appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = sn
        p.arguments = [script.path] + arguments
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        // Files the script names relative to itself that do not exist yet are made in the
        // working directory: keep them in the scratch folder.
        p.currentDirectoryURL = script.deletingLastPathComponent()
        try p.run()
        if let signal {
            let deadline = Date().addingTimeInterval(120)
            var isReady = false
            while p.isRunning, Date() < deadline {
                isReady = ready((try? String(contentsOf: errURL, encoding: .utf8)) ?? "", script.deletingLastPathComponent())
                if isReady { break }
                usleep(20_000)
            }
            XCTAssertTrue(isReady, "the script never got ready to be signalled (or ended first)")
            kill(p.processIdentifier, signal)
        }
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "", (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    func testSignalledFineTuneCheckpointsAndResumesBitIdentically() throws {
        let dir = try scratch()
        let script = dir.appendingPathComponent("tune.sn")
        // A tiny pixel model on 8-pixel ShapesWorld pairs: 60 steps take a few seconds.
        try """
            train = shapes_world("training", count: 16, size: 8, seed: 3)
            m = new_model(["a red square", "a blue circle left of a green triangle"], size: 8, merges: 0)
            resume = none
            if exists("ck.safetensors") { resume = "ck.safetensors" }
            m2 = finetune(m, train, steps: 60, batch: 2, lora: 0, seed: 0, checkpoint: "ck.safetensors", resume: resume, save: args[0])
            print("finished")
            """.write(to: script, atomically: true, encoding: .utf8)
        let uninterrupted = try run(script, ["whole"])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.err)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("ck.safetensors"))

        for signal in [SIGTERM, SIGUSR1] {
            let name = signal == SIGTERM ? "SIGTERM" : "SIGUSR1"
            let out = "resumed-\(name)"
            // Signal once the first step's progress line is out: the run is inside finetune.
            let stopped = try run(script, [out], signal: signal) { err, _ in err.contains("finetune softneg 1/60") }
            XCTAssertEqual(stopped.status, 75, stopped.err)
            let line = try XCTUnwrap(stopped.out.split(separator: "\n").first { $0.hasPrefix("finetune: stopped by \(name) after step ") }, stopped.out)
            let step = try XCTUnwrap(Int(line.dropFirst("finetune: stopped by \(name) after step ".count).prefix { $0.isNumber }))
            XCTAssertTrue((1..<60).contains(step), "stopped at step \(step) of 60")
            XCTAssertTrue(line.hasSuffix("of 60; checkpoint saved to ck.safetensors"), String(line))
            XCTAssertTrue(stopped.err.contains("stopped by \(name) (exit status 75) at \(script.path):5:"), stopped.err)
            XCTAssertFalse(stopped.out.contains("finished"), "nothing after finetune runs")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(out).path), "no half-trained model is saved")

            let resumed = try run(script, [out])
            XCTAssertEqual(resumed.status, 0, resumed.err)
            XCTAssertTrue(resumed.out.contains("resumed at step \(step) of 60"), resumed.out)
            for file in ["unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"] {
                let a = try Data(contentsOf: dir.appendingPathComponent("whole/\(file)"))
                let b = try Data(contentsOf: dir.appendingPathComponent("\(out)/\(file)"))
                XCTAssertTrue(a == b, "\(name): \(file) differs from the uninterrupted run's")
            }
            try FileManager.default.removeItem(at: dir.appendingPathComponent("ck.safetensors"))
        }
    }

    func testSignalOutsideFineTuneStopsAtTheNextStatement() throws {
        let dir = try scratch()
        let script = dir.appendingPathComponent("loop.sn")
        try """
            save_tensors("ready.safetensors", {a: zeros(1)})
            n = 0
            while true { n = n + 1 }
            """.write(to: script, atomically: true, encoding: .utf8)
        let r = try run(script, [], signal: SIGTERM) { _, folder in
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("ready.safetensors").path)
        }
        XCTAssertEqual(r.status, 75, r.err)
        XCTAssertTrue(r.err.hasPrefix("stopped by SIGTERM (exit status 75) at \(script.path):3:"), r.err)
    }
}
