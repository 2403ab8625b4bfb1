import Foundation
import Script
import Tensors
import XCTest

/// `loss` and `finetune` from a script on the tiny SD-1 model of scripts/make_fixtures.py. The
/// losses are checked against the same formula written out in the language with the model
/// builtins (encode_image, add_noise, unet), the runs against each other: resume continues
/// exactly, a saved LoRA file reloads to the same UNet, and `loss` is the trainer's first step.
final class TrainingBuiltinsTests: XCTestCase {
    static let model = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/models/sd1-tiny").path

    func number(_ run: Run, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        switch run.interpreter.variable(name) {
        case .number(let d)?: return d
        case .tensor(let t)? where t.count == 1: return Double(t.scalars[0])
        default:
            XCTFail("\(name) is not a number", file: file, line: line)
            return .nan
        }
    }

    let setup = """
        m = load("\(TrainingBuiltinsTests.model)")
        imgs = randn(2, 3, 16, 16, seed: 1) * 0.1 + 0.5
        negs = randn(2, 3, 16, 16, seed: 4) * 0.1 + 0.5
        caps = ["a red square left of a blue circle", "a blue circle"]
        neg_caps = ["a blue square left of a red circle", "a green triangle"]
        z = encode_image(m, imgs)
        e = randn(shape(z), seed: 2)
        t = [10, 900]
        xt = add_noise(m, z, e, t)
        fn err(x, c) = mean((e - unet(m, x, t, encode_text(m, c))) ^ 2)
        pos = err(xt, caps)
        """

    func testLossesEqualTheirFormulasWrittenOut() throws {
        let run = Run()
        try run(setup + """

            uncond = err(xt, ["", ""])
            neg = err(xt, neg_caps)
            neg_image = err(add_noise(m, encode_image(m, negs), e, t), caps)
            b = {images: imgs, captions: caps, neg_captions: neg_caps}
            bi = {images: imgs, captions: caps, neg_captions: neg_caps, neg_images: negs}
            fn l(batch, kind, lambda: 1) = loss(m, batch, kind: kind, lambda: lambda, latent: "mean", timesteps: t, noise: e)
            noneg = l(b, "noneg")
            softneg = l(b, "softneg")
            bounded = l(b, "softneg_bounded", lambda: 0.5)
            anchored = l(b, "softneg_anchored")
            hardneg = l(b, "hardneg", lambda: 0.5)
            hardneg_image = l(bi, "hardneg", lambda: 2)
            """)
        let pos = try number(run, "pos"), uncond = try number(run, "uncond")
        let neg = try number(run, "neg"), negImage = try number(run, "neg_image")
        XCTAssertGreaterThan(pos, 0.1, "a real denoising error, not a zero that any formula would match")
        let cases: [(String, Double)] = [
            ("noneg", pos), ("softneg", pos - uncond), ("bounded", pos - min(uncond, 0.5 * pos)),
            // The base is the model itself, so the distillation term is zero.
            ("anchored", pos - uncond),
            ("hardneg", pos - min(neg, 0.5 * pos)), ("hardneg_image", pos - min(negImage, 2 * pos)),
        ]
        for (name, expected) in cases {
            XCTAssertEqual(try number(run, name), expected, accuracy: 1e-5 * max(1, abs(pos)), name)
        }
    }

    /// `loss` assembles its batch with the trainer's function: with both examples alike (so the
    /// trainer's shuffling cannot matter) its value is finetune's first logged loss. Not bit for
    /// bit: the trainer's forward pass records gradients, which runs some ops (attention) another
    /// way; another batch (other timesteps or noise) would differ by far more than 1e-5.
    func testLossIsTheTrainersFirstStep() throws {
        let run = Run()
        try run(setup + """

            img = imgs[0:1]
            neg = negs[0:1]
            data = [{image: img, caption: caps[0], neg_caption: neg_caps[0], neg_image: neg},
                    {image: img, caption: caps[0], neg_caption: neg_caps[0], neg_image: neg}]
            batch = {images: cat([img, img], 0), captions: [caps[0], caps[0]], neg_images: cat([neg, neg], 0)}
            for kind in ["noneg", "softneg", "hardneg"] {
              ft = finetune(m, data, loss: kind, steps: 1, batch: 2, lora: 0, lr: 1e-6, seed: 7, p_neg_image: 1, p_neg_caption: 0, lambda: 0.5)
              print(kind, ft.log.loss[0], loss(m, batch, kind: kind, seed: 7, lambda: 0.5), loss(m, batch, kind: kind, seed: 8, lambda: 0.5))
            }
            """)
        let lines = run.printed.split(separator: "\n")
        XCTAssertEqual(lines.map { $0.split(separator: " ").first ?? "" }, ["noneg", "softneg", "hardneg"])
        for line in lines {
            let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard v.count == 3 else { XCTFail("\(line)"); continue }
            XCTAssertEqual(v[0], v[1], accuracy: 1e-5 * max(1, abs(v[0])), "\(line)")
            XCTAssertGreaterThan(abs(v[2] - v[1]), 1e-4 * max(1, abs(v[0])), "another seed's batch: \(line)")
        }
    }

    func testFinetuneResumesExactlyAndLeavesItsBaseAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sn-finetune-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = Run()
        try run(setup + """

            data = {images: cat([imgs, negs], 0), captions: caps + neg_caps}
            before = unet(m, xt, t, encode_text(m, caps))
            full = finetune(m, data, loss: "softneg", steps: 4, batch: 2, lr: 1e-2, seed: 3)
            half = finetune(m, data, loss: "softneg", steps: 2, batch: 2, lr: 1e-2, seed: 3, checkpoint: "\(folder.path)/ck.safetensors")
            rest = finetune(m, data, loss: "softneg", steps: 4, batch: 2, lr: 1e-2, seed: 3, resume: "\(folder.path)/ck.safetensors",
                            save_lora: "\(folder.path)/lora.safetensors", save: "\(folder.path)/model")
            out_full = unet(full, xt, t, encode_text(full, caps))
            out_rest = unet(rest, xt, t, encode_text(rest, caps))
            reloaded = load("\(Self.model)", lora: "\(folder.path)/lora.safetensors")
            out_lora = unet(reloaded, xt, t, encode_text(reloaded, caps))
            saved = load("\(folder.path)/model")
            out_saved = unet(saved, xt, t, encode_text(saved, caps))
            after = unet(m, xt, t, encode_text(m, caps))
            moved = max(abs(out_full - before))
            same_rest = max(abs(out_rest - out_full))
            lora_gap = max(abs(out_lora - out_rest))
            saved_gap = max(abs(out_saved - out_rest))
            base_gap = max(abs(after - before))
            steps = len(rest.log.loss)
            named = finetune(m, data, steps: 1, batch: 2, name: "mine")
            names = [full.name, saved.name, reloaded.name, named.name]
            """)
        XCTAssertGreaterThan(try number(run, "moved"), 1e-4, "training changed the model")
        XCTAssertEqual(try number(run, "same_rest"), 0, "a resumed run is the uninterrupted run")
        XCTAssertLessThan(try number(run, "lora_gap"), 1e-5, "the LoRA file reloads to the trained UNet")
        XCTAssertEqual(try number(run, "saved_gap"), 0, "the saved folder holds the trained UNet")
        XCTAssertEqual(try number(run, "base_gap"), 0, "the base is left as it was")
        XCTAssertEqual(try number(run, "steps"), 4, "the log holds every step, the resumed ones included")
        XCTAssertEqual(run.interpreter.variable("names").map { run.interpreter.printer.repr($0) },
                       #"["sd1-tiny+softneg", "sd1-tiny+softneg", "sd1-tiny+lora", "mine"]"#)
    }

    func testFinetuneRefusesWhatCannotApplyBeforeTraining() throws {
        let e = scriptError(setup + "\nfinetune(m, {images: imgs, captions: caps}, lora: 0, steps: 1, save_lora: \"x.safetensors\")")
        XCTAssertTrue(e?.message.contains("save_lora needs LoRA adapters") ?? false, "\(String(describing: e))")
        let r = scriptError(setup + "\nfinetune(m, {images: imgs, captions: caps}, steps: 1, resume: \"/nonexistent/ck.safetensors\")")
        XCTAssertTrue(r?.message.contains("no checkpoint file at /nonexistent/ck.safetensors") ?? false, "\(String(describing: r))")
    }
}
