import Foundation
import Tensors

/// One of diffusers' schedulers, configured from a scheduler config as `Class.from_config` does.
/// The scheduler itself is a value that never changes; a sampling run's changing state (step
/// index, multistep memory) lives in the `SchedulerRun` that `run(steps:)` starts.
public protocol DiffusionScheduler: Sendable {
    var kind: SchedulerKind { get }
    /// The config as this class reads it (its keys from the file, its defaults for the rest).
    var config: SchedulerConfig { get }
    /// The training noise schedule: betas and alphas_cumprod.
    var schedule: NoiseSchedule { get }
    /// A fresh run of `steps` inference steps: diffusers' `set_timesteps(steps)`.
    func run(steps: Int) throws -> any SchedulerRun
}

extension DiffusionScheduler {
    /// The timesteps the model is called at when sampling with `steps` steps, in order (PNDM
    /// repeats one; Euler's and LMS's may be fractional).
    public func timesteps(steps: Int) throws -> [Float] { try run(steps: steps).timesteps }

    /// The training forward process x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) e at integer
    /// timesteps, one per row or one for all: what losses and DiffusionITM noise with.
    public func addNoise(_ original: Tensor, noise: Tensor, timesteps: [Int]) throws -> Tensor {
        try schedule.addNoise(original, noise: noise, timesteps: timesteps)
    }
}

/// One sampling run: diffusers' scheduler after `set_timesteps`, stepped through its timesteps in
/// order. `step` advances the run; `begin(at:)` starts it later in the chain (img2img).
public protocol SchedulerRun {
    /// diffusers' `scheduler.timesteps`: what the model is called at, in order.
    var timesteps: [Float] { get }
    /// diffusers' `init_noise_sigma`: text-to-image multiplies its initial Gaussian noise by it.
    var initNoiseSigma: Float { get }
    /// The index into `timesteps` of the next step.
    var stepIndex: Int { get }
    /// Whether the next `step` adds fresh Gaussian noise (ancestral samplers), so needs `noise`.
    var needsNoise: Bool { get }
    /// Starts at `timesteps[index]` instead of the first (diffusers' `set_begin_index`, which
    /// img2img sets to t_start); only before the first step.
    mutating func begin(at index: Int) throws
    /// The model's input at the current step (k-diffusion schedulers divide by sqrt(sigma^2 + 1)).
    func scaleModelInput(_ sample: Tensor) throws -> Tensor
    /// Clean samples noised to the current step's level: img2img's starting point.
    func addNoise(_ original: Tensor, noise: Tensor) throws -> Tensor
    /// One step from the current timestep to the next; `noise` is the step's Gaussian noise when
    /// `needsNoise`, ignored otherwise.
    mutating func step(_ modelOutput: Tensor, sample: Tensor, noise: Tensor?) throws -> SchedulerStep
}

/// What one reverse step produces: x_{t-1} and, where the algorithm forms it, the model's estimate
/// of x_0.
public struct SchedulerStep: Sendable {
    public let prevSample: Tensor
    public let predOriginalSample: Tensor?
}

extension SchedulerConfig {
    /// The scheduler of this config's class, or of `kind` reading the same file (diffusers'
    /// `Kind.from_config(config)`). A class not implemented here samples with DDIM on its betas;
    /// `notify` hears about that once per class name and process.
    public func scheduler(_ kind: SchedulerKind? = nil,
                          notify: (String) -> Void = SchedulerNotice.standardError) throws -> any DiffusionScheduler {
        guard let chosen = kind ?? self.kind else {
            if SchedulerNotice.firstTime(className) {
                notify("note: \(className) is not implemented; sampling uses DDIM with its betas "
                    + "(\(betaSchedule.rawValue), \(betaStart)...\(betaEnd))")
            }
            return try DDIMScheduler(resolved(for: .ddim))
        }
        let config = try resolved(for: chosen)
        switch chosen {
        case .ddim: return try DDIMScheduler(config)
        case .ddpm: return try DDPMScheduler(config)
        case .pndm: return try PNDMScheduler(config)
        case .euler: return try EulerDiscreteScheduler(config)
        case .eulerAncestral: return try EulerAncestralDiscreteScheduler(config)
        case .dpmSolverMultistep: return try DPMSolverMultistepScheduler(config)
        case .lms: return try LMSDiscreteScheduler(config)
        }
    }
}

/// The one-time notice that a checkpoint's scheduler class is sampled with DDIM.
public enum SchedulerNotice {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var told: Set<String> = []

    /// True the first time a class name is seen in this process.
    static func firstTime(_ className: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return told.insert(className).inserted
    }

    public static let standardError: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Checks shared by the runs: arguments whose shapes must agree, a step index inside the run.
enum RunChecks {
    static func sameShape(_ t: Tensor, as sample: Tensor, _ what: String, op: String) throws {
        guard t.shape == sample.shape else {
            throw DiffusionError.shapeMismatch(op: "\(op) (\(what) like the sample)", expected: sample.shape, found: t.shape)
        }
    }

    static func noise(_ noise: Tensor?, like sample: Tensor, op: String) throws -> [Float] {
        guard let noise else {
            throw DiffusionError.invalidArgument(op: op, message: "this step adds Gaussian noise: give one like the sample \(formatShape(sample.shape))")
        }
        try sameShape(noise, as: sample, "noise", op: op)
        return noise.scalars
    }

    static func begin(_ index: Int, count: Int, started: Bool, op: String) throws {
        guard !started else {
            throw DiffusionError.invalidArgument(op: op, message: "begin(at:) must come before the first step")
        }
        guard index >= 0 && index < count else {
            throw DiffusionError.invalidArgument(op: op, message: "begin index \(index) is outside the run's \(count) timesteps")
        }
    }

    static func inRun(_ index: Int, count: Int, op: String) throws {
        guard index < count else {
            throw DiffusionError.invalidArgument(op: op, message: "the run's \(count) steps are done")
        }
    }
}
