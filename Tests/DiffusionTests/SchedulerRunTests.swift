import Foundation
import Tensors
import XCTest
@testable import Diffusion

/// Every scheduler behind `DiffusionScheduler` against diffusers 0.42.1 / torch 2.15 / numpy 2.4
/// (scripts/make_fixtures.py, scripts/fixtures/schedulers.py; exact float32 values in
/// Fixtures/scheduler/runs.json, all_timesteps.json and class_configs.json).
///
/// A run case is a whole `set_timesteps(n)` run of one class with random model outputs: each step's
/// input is diffusers' own previous result, so every step is compared on its own, with the
/// multistep memory (PNDM's ets, LMS's derivatives, DPM-Solver's data predictions) built from the
/// same inputs. Tolerance: 1e-6 of the largest magnitude (absolute below 1) where the arithmetic
/// is float32 as torch's, 2e-6 where diffusers' own numerics differ from exact ones (LMS integrates
/// its coefficients numerically in float32; DPM-Solver's exp/log of lambda amplify torch's ulp-level
/// differences by 1 / h on short steps).
final class SchedulerRunTests: XCTestCase {
    struct Cases<T: Decodable>: Decodable { let cases: [T] }

    struct RunCase: Decodable {
        struct AddNoise: Decodable { let original: [Float], noise: [Float], noisy: [Float] }
        struct Step: Decodable {
            let sample: [Float], scaled: [Float], model_output: [Float], prev_sample: [Float], noise: [Float]?
        }
        let name: String, kind: String, config: SchedulerConfig, steps: Int, begin: Int, shape: [Int]
        let timesteps: [Float], init_noise_sigma: Float
        let add_noise: AddNoise
        let step_results: [Step]
    }

    struct TimestepCase: Decodable {
        let kind: String, config: SchedulerConfig, steps: Int, timesteps: [Float], init_noise_sigma: Float, sigmas: [Float]?
    }

    func scheduler(_ kindName: String, _ config: SchedulerConfig, file: StaticString = #filePath, line: UInt = #line) throws -> any DiffusionScheduler {
        let kind = try XCTUnwrap(SchedulerKind(rawValue: kindName), file: file, line: line)
        XCTAssertEqual(config.kind, kind, file: file, line: line)
        let s = try config.scheduler()
        XCTAssertEqual(s.kind, kind, file: file, line: line)
        return s
    }

    /// Timesteps agree exactly, except the fractional ones Euler and LMS place at Karras sigmas:
    /// diffusers interpolates between numpy's float32 logs of the training sigmas, which are not
    /// correctly rounded (197 of SD's 1000 differ by an ulp from glibc's), and an ulp in a log moves
    /// t by up to 5e-5 where neighbouring log sigmas are close. The UNet embeds t with frequencies
    /// of at most 1, so 1e-4 of a timestep is far below what it resolves.
    func assertTimesteps(_ got: [Float], _ expected: [Float], karras: Bool, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        guard karras else { return XCTAssertEqual(got, expected, label, file: file, line: line) }
        XCTAssertEqual(got.count, expected.count, label, file: file, line: line)
        for (a, b) in zip(got, expected) {
            XCTAssertLessThanOrEqual(abs(a - b), 1e-4, "\(label): \(a) vs \(b)", file: file, line: line)
        }
    }

    func testEveryClassRunsStepByStepLikeDiffusers() throws {
        let fixture = try FixtureFiles.decode(Cases<RunCase>.self, "scheduler/runs.json")
        XCTAssertGreaterThan(fixture.cases.count, 50)
        var seenKinds = Set<String>()
        var worst: [String: Float] = [:]
        for c in fixture.cases {
            seenKinds.insert(c.kind)
            let s = try scheduler(c.kind, c.config)
            var run = try s.run(steps: c.steps)
            assertTimesteps(run.timesteps, c.timesteps, karras: c.config.useKarrasSigmas, "\(c.name) timesteps")
            XCTAssertLessThanOrEqual(abs(run.initNoiseSigma - c.init_noise_sigma), 1e-6 * max(1, c.init_noise_sigma), "\(c.name) init_noise_sigma")
            if c.begin > 0 { try run.begin(at: c.begin) }
            XCTAssertEqual(c.step_results.count, c.timesteps.count - c.begin, c.name)

            let noisy = try run.addNoise(Tensor(shape: c.shape, scalars: c.add_noise.original), noise: Tensor(shape: c.shape, scalars: c.add_noise.noise))
            XCTAssertLessThanOrEqual(maxScaledError(noisy.scalars, c.add_noise.noisy), 1e-6, "\(c.name) add_noise")

            let tolerance: Float = c.kind == "lms" || c.kind == "dpm++" ? 2e-6 : 1e-6
            for (i, step) in c.step_results.enumerated() {
                let label = "\(c.name) step \(i + c.begin) (t \(c.timesteps[i + c.begin]))"
                let sample = try Tensor(shape: c.shape, scalars: step.sample)
                let scaled = try run.scaleModelInput(sample)
                XCTAssertLessThanOrEqual(maxScaledError(scaled.scalars, step.scaled), 1e-6, "\(label) scale_model_input")
                // A step that draws noise in diffusers is one that asks for it here, and the reverse.
                XCTAssertEqual(run.needsNoise, step.noise != nil, "\(label) needs noise")
                let noise = try step.noise.map { try Tensor(shape: c.shape, scalars: $0) }
                let result = try run.step(Tensor(shape: c.shape, scalars: step.model_output), sample: sample, noise: noise)
                let error = maxScaledError(result.prevSample.scalars, step.prev_sample)
                XCTAssertLessThanOrEqual(error, tolerance, label)
                worst[c.kind] = max(worst[c.kind] ?? 0, error)
                XCTAssertEqual(run.stepIndex, i + c.begin + 1, label)
            }
            XCTAssertThrowsError(try run.step(Tensor.zeros(c.shape), sample: Tensor.zeros(c.shape), noise: Tensor.zeros(c.shape)), "\(c.name): past the end")
        }
        XCTAssertEqual(seenKinds, Set(SchedulerKind.allCases.map(\.rawValue)))
        print("scheduler step parity, max error relative to the reference's largest magnitude:",
              worst.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }

    func testTimestepsAndSigmasForEverySpacing() throws {
        let fixture = try FixtureFiles.decode(Cases<TimestepCase>.self, "scheduler/all_timesteps.json")
        XCTAssertGreaterThan(fixture.cases.count, 250)
        for c in fixture.cases {
            let label = "\(c.kind) \(c.config.timestepSpacing) offset \(c.config.stepsOffset) prk-skip \(c.config.skipPrkSteps) steps \(c.steps)"
            let run = try scheduler(c.kind, c.config).run(steps: c.steps)
            assertTimesteps(run.timesteps, c.timesteps, karras: c.config.useKarrasSigmas, label)
            XCTAssertEqual(run.initNoiseSigma, c.init_noise_sigma, accuracy: 1e-6 * max(1, c.init_noise_sigma), label)
            guard let sigmas = c.sigmas else { continue }
            let mine: [Float]
            switch run {
            case let r as EulerRun: mine = r.sigmaRun.sigmas
            case let r as EulerAncestralRun: mine = r.sigmaRun.sigmas
            case let r as LMSRun: mine = r.sigmaRun.sigmas
            case let r as DPMSolverRun: mine = r.sigmas
            default: continue
            }
            XCTAssertLessThanOrEqual(maxScaledError(mine, sigmas), 1e-6, "\(label) sigmas")
        }
    }

    /// A checkpoint's scheduler_config.json read as each class, as `Class.from_config` reads it:
    /// the class's own keys from the file, its defaults for the rest (e.g. SD-1.x's PNDM config
    /// as Euler gets linspace spacing, as DDIM keeps set_alpha_to_one false and clip_sample false).
    func testConfigsReadAcrossClassesAsDiffusersDoes() throws {
        struct Entry: Decodable {
            let model: String, kind: String, `class`: String
            let values: [String: JSONScalar]
        }
        let fixture = try FixtureFiles.decode(Cases<Entry>.self, "scheduler/class_configs.json")
        XCTAssertEqual(fixture.cases.count, 3 * SchedulerKind.allCases.count)
        for c in fixture.cases {
            let file = try SchedulerConfig.load(try FixtureFiles.url("models/\(c.model)/scheduler/scheduler_config.json"))
            let kind = try XCTUnwrap(SchedulerKind(rawValue: c.kind))
            let resolved = try file.resolved(for: kind)
            XCTAssertEqual(resolved.className, c.class)
            let encoded = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(resolved)) as? [String: Any])
            for (key, expected) in c.values {
                let label = "\(c.model) as \(c.class): \(key)"
                XCTAssertTrue(expected.matches(encoded[key]), "\(label): \(String(describing: encoded[key])) vs \(expected)")
            }
            for key in encoded.keys where !key.hasPrefix("_") {
                XCTAssertNotNil(c.values[key], "\(c.model) as \(c.class) writes '\(key)', which the class does not take")
            }
            // The scheduler built from it reads the same values.
            XCTAssertEqual(try file.scheduler(kind).config, resolved)
        }
    }

    /// The DDIM / DDPM / PNDM timesteps cover the same grid; a run can begin at any of them but
    /// not past its end, and not after its first step.
    func testBeginChecks() throws {
        var config = SchedulerConfig()
        config.className = "EulerDiscreteScheduler"
        for kind in SchedulerKind.allCases {
            var run = try config.scheduler(kind).run(steps: 5)
            XCTAssertThrowsError(try run.begin(at: run.timesteps.count), "\(kind)")
            XCTAssertThrowsError(try run.begin(at: -1), "\(kind)")
            let x = try Tensor.randn([1, 1, 2, 2], seed: 1)
            _ = try run.step(x, sample: x, noise: x)
            XCTAssertThrowsError(try run.begin(at: 1), "\(kind): begin after a step")
        }
    }

    func testUnsupportedOptionsNameTheKey() throws {
        let cases: [(String, String)] = [
            (#"{"_class_name": "EulerDiscreteScheduler", "use_exponential_sigmas": true}"#, "use_exponential_sigmas"),
            (#"{"_class_name": "EulerDiscreteScheduler", "interpolation_type": "log_linear"}"#, "interpolation_type"),
            (#"{"_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "dpmsolver"}"#, "algorithm_type"),
            (#"{"_class_name": "DPMSolverMultistepScheduler", "solver_order": 4}"#, "solver_order"),
            (#"{"_class_name": "DPMSolverMultistepScheduler", "use_lu_lambdas": true}"#, "use_lu_lambdas"),
            (#"{"_class_name": "DPMSolverMultistepScheduler", "thresholding": true}"#, "thresholding"),
            (#"{"_class_name": "EulerAncestralDiscreteScheduler", "prediction_type": "sample"}"#, "prediction_type"),
            (#"{"_class_name": "DDPMScheduler", "variance_type": "learned_range"}"#, "variance_type"),
        ]
        for (json, key) in cases {
            XCTAssertThrowsError(try SchedulerConfig.decode(Data(json.utf8), path: "s.json").scheduler(), json) { error in
                XCTAssertTrue("\(error)".contains("'\(key)'") && "\(error)".hasPrefix("s.json"), "\(error)")
            }
        }
        // PNDM's Runge-Kutta warm-up needs four steps.
        let prk = try SchedulerConfig.decode(Data(#"{"_class_name": "PNDMScheduler"}"#.utf8), path: "s.json")
        XCTAssertThrowsError(try prk.scheduler().run(steps: 3)) { XCTAssertTrue("\($0)".contains("at least 4 steps"), "\($0)") }
        XCTAssertEqual(try prk.scheduler().run(steps: 4).timesteps.count, 12 + 1)
        // diffusers writes DPM-Solver's default lambda_min_clipped as a bare -Infinity.
        let dpm = try SchedulerConfig.decode(Data(#"{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "sigma_max": null}"#.utf8), path: "s.json")
        XCTAssertEqual(dpm.lambdaMinClipped, -.infinity)
        XCTAssertEqual(try dpm.scheduler().run(steps: 3).timesteps, [999, 666, 333])
        XCTAssertEqual(JSONNonFinite.quoted(Data(#"{"a": "NaN -Infinity", "b": NaN}"#.utf8)), Data(#"{"a": "NaN -Infinity", "b": "NaN"}"#.utf8))
    }
}

/// A JSON value of a config key: compares with what JSONSerialization reads from our encoding.
enum JSONScalar: Decodable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), numbers([Double])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .numbers(try c.decode([Double].self)) }
    }

    func matches(_ value: Any?) -> Bool {
        switch self {
        case .null: return value == nil || value is NSNull
        case .bool(let b): return (value as? Bool) == b && !(value is Int && !(value is Bool))
        case .number(let d): return (value as? NSNumber).map { abs($0.doubleValue - d) <= 1e-12 * max(1, abs(d)) } ?? false
        case .string("-inf"): return value == nil  // left out of the JSON we write (absent means -inf)
        case .string(let s): return (value as? String) == s
        case .numbers(let ds): return (value as? [NSNumber]).map { $0.map(\.doubleValue) == ds } ?? false
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let d): return "\(d)"
        case .string(let s): return "\"\(s)\""
        case .numbers(let ds): return "\(ds)"
        }
    }
}
