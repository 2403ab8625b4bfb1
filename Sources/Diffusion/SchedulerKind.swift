/// The sampling algorithms a pipeline runs, by the names `generate(scheduler:)` and `edit(scheduler:)`
/// take; each is diffusers' scheduler class of the same algorithm. Declared once: argument checks,
/// "did you mean", help and completion all read `allCases`.
public enum SchedulerKind: String, CaseIterable, Sendable {
    case ddim
    case ddpm
    case pndm
    case euler
    case eulerAncestral = "euler_a"
    case dpmSolverMultistep = "dpm++"
    case lms

    /// diffusers' class name, as `scheduler_config.json` writes it in `_class_name`.
    public var className: String {
        switch self {
        case .ddim: return "DDIMScheduler"
        case .ddpm: return "DDPMScheduler"
        case .pndm: return "PNDMScheduler"
        case .euler: return "EulerDiscreteScheduler"
        case .eulerAncestral: return "EulerAncestralDiscreteScheduler"
        case .dpmSolverMultistep: return "DPMSolverMultistepScheduler"
        case .lms: return "LMSDiscreteScheduler"
        }
    }

    /// The kind a `_class_name` names; nil for classes not implemented here.
    public init?(className: String) {
        guard let kind = Self.allCases.first(where: { $0.className == className }) else { return nil }
        self = kind
    }

    /// One line for `help`: what the algorithm is.
    public var summary: String {
        switch self {
        case .ddim: return "DDIM (deterministic, eta 0)"
        case .ddpm: return "DDPM ancestral sampling (seeded noise each step)"
        case .pndm: return "PNDM / PLMS (SD-1.x checkpoints' default)"
        case .euler: return "Euler (k-diffusion sigmas)"
        case .eulerAncestral: return "Euler ancestral (seeded noise each step)"
        case .dpmSolverMultistep: return "DPM-Solver++ multistep (2nd order)"
        case .lms: return "linear multistep (4th order, k-diffusion sigmas)"
        }
    }

    typealias Key = SchedulerConfig.CodingKeys

    /// The keys every class's `__init__` takes (diffusers 0.42.1).
    private static let commonKeys: Set<Key> = [.numTrainTimesteps, .betaStart, .betaEnd, .betaSchedule, .trainedBetas,
                                               .predictionType, .timestepSpacing, .stepsOffset]

    /// The config keys this class's `__init__` takes: `from_config` reads only these from a file
    /// and gives every other one the class's own default.
    var configKeys: Set<Key> {
        switch self {
        case .ddim:
            return Self.commonKeys.union([.clipSample, .setAlphaToOne, .thresholding, .dynamicThresholdingRatio,
                                          .clipSampleRange, .sampleMaxValue, .rescaleBetasZeroSnr])
        case .ddpm:
            return Self.commonKeys.union([.varianceType, .clipSample, .thresholding, .dynamicThresholdingRatio,
                                          .clipSampleRange, .sampleMaxValue, .rescaleBetasZeroSnr])
        case .pndm:
            return Self.commonKeys.union([.skipPrkSteps, .setAlphaToOne])
        case .euler:
            return Self.commonKeys.union([.interpolationType, .useKarrasSigmas, .useExponentialSigmas, .useBetaSigmas,
                                          .sigmaMin, .sigmaMax, .timestepType, .rescaleBetasZeroSnr, .finalSigmasType])
        case .eulerAncestral:
            return Self.commonKeys.union([.rescaleBetasZeroSnr])
        case .dpmSolverMultistep:
            // sigma_min / sigma_max are not DPM-Solver's own keys, but its Karras conversion reads them
            // from the config when a file carries them (`hasattr(self.config, "sigma_min")`).
            return Self.commonKeys.union([.solverOrder, .thresholding, .dynamicThresholdingRatio, .sampleMaxValue,
                                          .algorithmType, .solverType, .lowerOrderFinal, .eulerAtFinal,
                                          .useKarrasSigmas, .useExponentialSigmas, .useBetaSigmas, .useLuLambdas,
                                          .useFlowSigmas, .flowShift, .finalSigmasType, .lambdaMinClipped,
                                          .varianceType, .rescaleBetasZeroSnr, .useDynamicShifting, .timeShiftType,
                                          .sigmaMin, .sigmaMax])
        case .lms:
            return Self.commonKeys.union([.useKarrasSigmas, .useExponentialSigmas, .useBetaSigmas])
        }
    }

    /// The class's defaults where they differ from `SchedulerConfig()`'s (which are DDIM's).
    var defaults: SchedulerConfig {
        var c = SchedulerConfig()
        c.className = className
        switch self {
        case .ddim, .ddpm:
            break
        case .pndm:
            c.setAlphaToOne = false
        case .euler, .eulerAncestral, .lms:
            c.timestepSpacing = .linspace
        case .dpmSolverMultistep:
            c.timestepSpacing = .linspace
            c.varianceType = nil
        }
        return c
    }
}
