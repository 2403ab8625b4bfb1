import Foundation
import Script
import Tensors
import XCTest

/// The model builtins from a script, on the tiny models of scripts/make_fixtures.py
/// (Tests/DiffusionTests/Fixtures; references from diffusers 0.42.1 / transformers 5.24 / torch 2.15
/// CPU). Tolerances as in the Diffusion tests: 1e-4 of the reference's largest magnitude for one
/// forward pass, 1e-3 for the 3-step guided generation.
final class ModelBuiltinsTests: XCTestCase {
    static let fixtures = packageRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures")

    func model(_ name: String) -> String { Self.fixtures.appendingPathComponent("models/\(name)").path }

    func reference(_ name: String) throws -> (tensors: [String: Tensor], settings: [String: String]) {
        let (tensors, metadata) = try SafeTensors.load(Self.fixtures.appendingPathComponent("refs/\(name).ref.safetensors").path)
        let settings = try metadata["fixture"].map { try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? metadata
        return (tensors, settings)
    }

    func tensor(_ run: Run, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        guard case .tensor(let t)? = run.interpreter.variable(name) else {
            XCTFail("\(name) is not a tensor: \(String(describing: run.interpreter.variable(name)))", file: file, line: line)
            throw CocoaError(.coderInvalidValue)
        }
        return t
    }

    func assertClose(_ a: Tensor, _ b: Tensor?, tolerance: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let b else { return XCTFail("\(what): no reference", file: file, line: line) }
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        guard a.shape == b.shape else { return }
        let scale = b.scalars.map(abs).max() ?? 0
        let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(diff / max(scale, .leastNormalMagnitude), tolerance, "\(what): max |out - ref| = \(diff), max |ref| = \(scale)",
                          file: file, line: line)
    }

    func testEncodeTextTokenizeAndUNetMatchTheReferences() throws {
        for name in ["sd1-tiny", "sd2-tiny"] {
            let ref = try reference(name)
            let prompts = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(ref.settings["prompts"]).utf8))
            let run = Run()
            run.interpreter.setVariable("prompts", .list(prompts.map { .string($0) }))
            run.interpreter.setVariable("x", .tensor(try XCTUnwrap(ref.tensors["unet.sample"])))
            try run("""
                m = load("\(model(name))")
                e = encode_text(m, prompts)
                ids = tokenize(m, prompts)
                one = tokenize(m, prompts[0])
                one_e = encode_text(m, prompts[0])
                ctx = encode_text(m, [prompts[0], prompts[1]])
                eps = unet(m, x, 500, ctx)
                eps_b = unet(m, x, [17, 981], ctx)
                """)
            assertClose(try tensor(run, "e"), ref.tensors["text.last_hidden_state"], tolerance: 1e-4, "\(name) encode_text")
            XCTAssertEqual(try tensor(run, "ids").scalars, ref.tensors["text.input_ids"]?.scalars, name)
            XCTAssertEqual(try tensor(run, "ids").shape, [3, 77])
            XCTAssertEqual(try tensor(run, "one").shape, [77])
            XCTAssertEqual(try tensor(run, "one_e").shape, [1, 77, 16])
            assertClose(try tensor(run, "eps"), ref.tensors["unet.noise_pred"], tolerance: 1e-4, "\(name) unet")
            assertClose(try tensor(run, "eps_b"), ref.tensors["unet.noise_pred_batch_t"], tolerance: 1e-4, "\(name) unet with [B] t")
        }
    }

    /// load(lora:) fuses a diffusers-layout LoRA file: the UNet then computes what diffusers does
    /// after load_lora_weights (scripts/make_lora_fixtures.py).
    func testLoadWithLoRAMatchesDiffusers() throws {
        let ref = try SafeTensors.load(Self.fixtures.appendingPathComponent("lora/lora.ref.safetensors").path).tensors
        let run = Run()
        for name in ["x", "t", "ctx"] { run.interpreter.setVariable(name, .tensor(try XCTUnwrap(ref[name]))) }
        try run("""
            m = load("\(model("sd1-tiny"))", lora: "\(Self.fixtures.appendingPathComponent("lora/lora.safetensors").path)")
            eps = unet(m, x, t, ctx)
            """)
        assertClose(try tensor(run, "eps"), ref["diffusers_lora"], tolerance: 1e-5, "load(lora:) vs load_lora_weights")
    }

    func testImagesAndLatents() throws {
        let ref = try reference("sd1-tiny")
        let run = Run()
        run.interpreter.setVariable("img", .tensor(try XCTUnwrap(ref.tensors["vae.image"]) * 0.5 + 0.5))
        run.interpreter.setVariable("z", .tensor(try XCTUnwrap(ref.tensors["vae.latents"]) * 0.18215))
        try run("""
            m = load("\(model("sd1-tiny"))")
            mean = encode_image(m, img)
            s1 = encode_image(m, img, sample: true, seed: 3)
            s2 = encode_image(m, img, sample: true, seed: 3)
            single = encode_image(m, img[0])
            pic = decode_latents(m, z)
            """)
        assertClose(try tensor(run, "mean"), try XCTUnwrap(ref.tensors["vae.posterior_mean"]) * 0.18215, tolerance: 1e-4, "encode_image")
        XCTAssertEqual(try tensor(run, "s1").scalars, try tensor(run, "s2").scalars)
        XCTAssertEqual(try tensor(run, "single").shape, [1, 4, 8, 8])
        assertClose(try tensor(run, "pic"), (try XCTUnwrap(ref.tensors["vae.decoded"]) * 0.5 + 0.5).clamped(0, 1), tolerance: 1e-4, "decode_latents")
    }

    /// generate with the reference's latents and DDIM (the reference's scheduler), and the same loop
    /// written out with timesteps / unet / step.
    func testGenerateAndTheHandWrittenLoopMatchDiffusers() throws {
        for name in ["sd1-tiny", "pixel-tiny"] {
            let ref = try reference("\(name)-generate")
            let run = Run()
            run.interpreter.setVariable("z", .tensor(try XCTUnwrap(ref.tensors["latents"])))
            let prompt = try XCTUnwrap(ref.settings["prompt"])
            try run("""
                m = load("\(model(name))")
                img = generate(m, "\(prompt)", steps: 3, guidance: 7.5, latents: z, scheduler: "ddim")
                ts = timesteps(m, 3, scheduler: "ddim")
                ctx = cat([encode_text(m, ""), encode_text(m, "\(prompt)")], 0)
                x = z
                for t in ts {
                    eps = unet(m, cat([x, x], 0), t, ctx)
                    g = eps[1:2] * 7.5 + eps[0:1] * (1 - 7.5)
                    x = step(m, g, t, x, steps: 3)
                }
                manual = decode_latents(m, x)
                """)
            assertClose(try tensor(run, "img"), ref.tensors["image"], tolerance: 1e-3, "\(name) generate")
            XCTAssertEqual(try tensor(run, "ts").scalars, ref.tensors["timesteps"]?.scalars, name)
            assertClose(try tensor(run, "x"), ref.tensors["final_latents"], tolerance: 1e-3, "\(name) loop")
            assertClose(try tensor(run, "manual"), ref.tensors["image"], tolerance: 1e-3, "\(name) loop image")
        }
    }

    /// generate(scheduler:) and edit against diffusers (refs/<model>-generate-<kind> and
    /// refs/<model>-edit-<kind>, scripts/fixtures/sampling.py): 6 steps, guidance 7.5, strength 0.6.
    func testSchedulerChoiceAndEditMatchDiffusers() throws {
        let gen = try reference("sd2-tiny-generate-euler")
        let dpm = try reference("sd1-tiny-edit-dpm++")
        let pixel = try reference("pixel-tiny-edit-ddim")
        let run = Run()
        run.interpreter.setVariable("z", .tensor(try XCTUnwrap(gen.tensors["latents"])))
        run.interpreter.setVariable("zl", .tensor(try XCTUnwrap(dpm.tensors["image_latents"])))
        run.interpreter.setVariable("e", .tensor(try XCTUnwrap(dpm.tensors["noise"])))
        run.interpreter.setVariable("pimg", .tensor(try XCTUnwrap(pixel.tensors["image"])))
        run.interpreter.setVariable("pe", .tensor(try XCTUnwrap(pixel.tensors["noise"])))
        try run("""
            m2 = load("\(model("sd2-tiny"))")
            img = generate(m2, "\(try XCTUnwrap(gen.settings["prompt"]))", steps: 6, latents: z, scheduler: "euler")
            m1 = load("\(model("sd1-tiny"))")
            ed = edit(m1, none, "\(try XCTUnwrap(dpm.settings["prompt"]))", steps: 6, scheduler: "dpm++", latents: zl, noise: e)
            mp = load("\(model("pixel-tiny"))")
            ped = edit(mp, pimg, "\(try XCTUnwrap(pixel.settings["prompt"]))", steps: 6, scheduler: "ddim", noise: pe)
            ts = timesteps(m1, 6)
            help(edit)
            """)
        assertClose(try tensor(run, "img"), gen.tensors["image"], tolerance: 1e-3, "generate euler")
        assertClose(try tensor(run, "ed"), dpm.tensors["edited"], tolerance: 1e-4, "edit dpm++")
        assertClose(try tensor(run, "ped"), pixel.tensors["edited"], tolerance: 1e-4, "edit pixel ddim")
        // sd1-tiny's own scheduler is PNDM: 6 steps call the UNet 7 times.
        XCTAssertEqual(try tensor(run, "ts").scalars, try XCTUnwrap(try reference("sd1-tiny-generate-pndm").tensors["timesteps"]).scalars)
        // help wraps to the terminal, so the signature is compared with its line breaks read as spaces.
        XCTAssertTrue(words(run.printed).contains("edit(m, img, prompt, strength: 0.6, steps: 50, guidance: 7.5, seed: 0, negative: \"\", scheduler: none"), run.printed)
        XCTAssertTrue(words(run.printed).contains("\"euler_a\" | \"dpm++\""), run.printed)
    }

    func testAddNoiseIsTheForwardProcess() throws {
        let run = Run()
        try run("""
            m = load("\(model("sd1-tiny"))")
            x0 = ones(2, 4, 8, 8)
            n = zeros(2, 4, 8, 8) + 2
            y = add_noise(m, x0, n, [0, 999])
            """)
        // scaled_linear betas 0.00085..0.012 over 1000 steps (the sd1-tiny scheduler): abar_0 = 1 - 0.00085.
        let y = try tensor(run, "y")
        let a0: Float = 1 - 0.00085
        XCTAssertEqual(y.scalars[0], a0.squareRoot() + 2 * (1 - a0).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(y.shape, [2, 4, 8, 8])
        XCTAssertNotEqual(y.scalars[0], y.scalars[256])
    }

    func testModelValueMembersAndHelp() throws {
        let run = Run()
        try run("""
            m = load("\(model("pixel-tiny"))")
            t = type(m)
            k = keys(m)
            v = m.vae
            act = m.text_encoder.config.hidden_act
            cls = m.scheduler.class
            pix = m.config.pixel_space
            ch = m.unet.config.in_channels
            help(generate)
            """)
        XCTAssertEqual(run.interpreter.variable("t").map { run.interpreter.printer.str($0) }, "model")
        XCTAssertEqual(run.interpreter.variable("k").map { run.interpreter.printer.str($0) },
                       run.interpreter.printer.str(.list(["name", "unet", "text_encoder", "vae", "tokenizer", "scheduler", "config", "log"].map { .string($0) })))
        guard case .none? = run.interpreter.variable("v") else { return XCTFail("m.vae of a pixel model should be none") }
        XCTAssertEqual(run.interpreter.variable("act").map { run.interpreter.printer.str($0) }, "quick_gelu")
        XCTAssertEqual(run.interpreter.variable("cls").map { run.interpreter.printer.str($0) }, "DDPMScheduler")
        XCTAssertEqual(run.interpreter.variable("pix").map { run.interpreter.printer.str($0) }, "true")
        XCTAssertEqual(run.interpreter.variable("ch").map { run.interpreter.printer.str($0) }, "3")
        XCTAssertTrue(words(run.printed).contains("generate(m, prompt, steps: 50, guidance: 7.5, seed: 0, latents: none, negative: \"\""), run.printed)
        for name in ["load", "save", "tokenize", "encode_text", "encode_image", "decode_latents", "unet", "add_noise", "step", "timesteps", "generate", "edit"] {
            XCTAssertNotNil(run.interpreter.builtin(named: name), name)
            XCTAssertFalse(run.interpreter.builtin(named: name)?.doc.isEmpty ?? true, name)
        }
    }

    func testSaveThenLoad() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("softneg-script-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = Run()
        try run("""
            m = load("\(model("sd2-tiny"))")
            save(m, "\(out.path)")
            m2 = load("\(out.path)")
            d = max(abs(encode_text(m, "a cat") - encode_text(m2, "a cat")))
            """)
        XCTAssertEqual(run.interpreter.variable("d").map { run.interpreter.printer.str($0) }, "0")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("model_index.json").path))
    }

    /// Mistakes are errors with a place and a reason, never crashes.
    func testErrorsPointAtTheProblem() throws {
        let m = "m = load(\"\(model("sd1-tiny"))\")\n"
        let cases: [(String, String)] = [
            ("load(\"/nonexistent/model\")", "/nonexistent/model"),
            ("encode_text(5, \"a\")", "model"),
            (m + "encode_text(m, [1, 2])", "string"),
            (m + "tokenize(m, [])", "empty"),
            (m + "timesteps(m, 0)", "steps"),
            (m + "step(m, zeros(1, 4, 8, 8), 1.5, zeros(1, 4, 8, 8))", "int"),
            (m + "step(m, zeros(1, 4, 8, 8), 1000, zeros(1, 4, 8, 8))", "0..<1000"),
            (m + "add_noise(m, zeros(1, 4, 8, 8), zeros(1, 4, 8, 8), 5000)", "0..<1000"),
            (m + "generate(m, \"a\", steps: 2, latents: zeros(1, 3, 8, 8))", "[1,3,8,8]"),
            (m + "unet(m, zeros(2, 4, 8, 8), [1, 2, 3], encode_text(m, \"a\"))", "one per row"),
            (m + "encode_image(m, zeros(4, 4))", "[B,C,H,W]"),
            (m + "generate(m, \"a\", steps: 2, seed: -1)", "seed"),
            (m + "generate(m, \"a\", steps: 2, scheduler: \"euler-a\")", "did you mean 'euler_a'"),
            (m + "timesteps(m, 2, scheduler: \"heun\")", "\"ddim\", \"ddpm\", \"pndm\", \"euler\", \"euler_a\", \"dpm++\", \"lms\""),
            (m + "edit(m, zeros(1, 3, 16, 16), \"a\", strength: 1.5)", "strength must be in (0, 1]"),
            (m + "edit(m, zeros(1, 3, 15, 16), \"a\")", "[1,3,15,16]"),
        ]
        for (source, expected) in cases {
            guard let error = scriptError(source) else { XCTFail("no error for \(source)"); continue }
            XCTAssertTrue(error.message.contains(expected), "\(source): \(error.message)")
            XCTAssertNotNil(error.span, source)
        }
    }
}

/// The text with every run of spaces and line breaks read as one space.
private func words(_ text: String) -> String {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
}
