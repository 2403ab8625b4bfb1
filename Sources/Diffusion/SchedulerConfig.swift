import Foundation

/// A diffusers `scheduler_config.json`, read as diffusers' `SchedulerClass.from_config` reads it:
/// only the keys that class's `__init__` takes come from the file, every other one has that
/// class's default. The file's `_class_name` picks the class; `resolved(for:)` reads the same file
/// as another class (what `EulerDiscreteScheduler.from_config(pipe.scheduler.config)` does). A class
/// not implemented here reads as DDIM, which samples in its place.
public struct SchedulerConfig: Codable, Equatable, Sendable {
    public enum BetaSchedule: String, Codable, Sendable {
        case linear, scaledLinear = "scaled_linear", squaredcosCapV2 = "squaredcos_cap_v2"
    }
    public enum Prediction: String, Codable, Sendable {
        case epsilon, vPrediction = "v_prediction", sample
    }
    public enum Spacing: String, Codable, Sendable {
        case leading, trailing, linspace
    }
    /// The last sigma of a k-diffusion-style schedule: 0, or the smallest training sigma.
    public enum FinalSigmas: String, Codable, Sendable {
        case zero, sigmaMin = "sigma_min"
    }
    /// DPM-Solver's variants (Lu et al. 2022): the data-prediction "++" forms, with or without noise.
    public enum DPMAlgorithm: String, Codable, Sendable {
        case dpmsolverPlusPlus = "dpmsolver++", sdeDpmsolverPlusPlus = "sde-dpmsolver++"
        case dpmsolver, sdeDpmsolver = "sde-dpmsolver"
    }
    public enum DPMSolverType: String, Codable, Sendable {
        case midpoint, heun
    }

    public var className: String = "DDIMScheduler"
    public var diffusersVersion: String?
    public var numTrainTimesteps: Int = 1000
    // Doubles: diffusers takes these as Python floats (scaled_linear takes their square root in double).
    public var betaStart: Double = 0.0001
    public var betaEnd: Double = 0.02
    public var betaSchedule: BetaSchedule = .linear
    public var trainedBetas: [Double]?
    public var clipSample: Bool = true
    public var clipSampleRange: Double = 1
    public var setAlphaToOne: Bool = true
    public var stepsOffset: Int = 0
    public var predictionType: Prediction = .epsilon
    public var timestepSpacing: Spacing = .leading
    /// DDPM's "fixed_small" | "fixed_small_log" | "fixed_large"; DPM-Solver's none.
    public var varianceType: String? = "fixed_small"
    public var thresholding: Bool = false
    public var dynamicThresholdingRatio: Double = 0.995
    public var sampleMaxValue: Double = 1
    public var rescaleBetasZeroSnr: Bool = false
    // PNDM
    public var skipPrkSteps: Bool = false
    // Euler, LMS and DPM-Solver: how the inference sigmas are chosen.
    public var interpolationType: String = "linear"
    public var useKarrasSigmas: Bool = false
    public var useExponentialSigmas: Bool = false
    public var useBetaSigmas: Bool = false
    public var sigmaMin: Double?
    public var sigmaMax: Double?
    public var timestepType: String = "discrete"
    public var finalSigmasType: FinalSigmas = .zero
    // DPM-Solver multistep
    public var solverOrder: Int = 2
    public var algorithmType: DPMAlgorithm = .dpmsolverPlusPlus
    public var solverType: DPMSolverType = .midpoint
    public var lowerOrderFinal: Bool = true
    public var eulerAtFinal: Bool = false
    public var useLuLambdas: Bool = false
    public var useFlowSigmas: Bool = false
    public var flowShift: Double = 1
    public var lambdaMinClipped: Double = -.infinity
    public var useDynamicShifting: Bool = false
    public var timeShiftType: String = "exponential"

    /// The file this config was read from, so that `resolved(for:)` reads the same keys again.
    var source: Source?

    /// Where a config came from: two configs with the same values are the same config.
    struct Source: Equatable, Sendable {
        let path: String
        let json: Data
        static func == (_: Source, _: Source) -> Bool { true }
    }

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", diffusersVersion = "_diffusers_version"
        case numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start", betaEnd = "beta_end"
        case betaSchedule = "beta_schedule", trainedBetas = "trained_betas", clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range", setAlphaToOne = "set_alpha_to_one", stepsOffset = "steps_offset"
        case predictionType = "prediction_type", timestepSpacing = "timestep_spacing", varianceType = "variance_type"
        case thresholding, dynamicThresholdingRatio = "dynamic_thresholding_ratio", sampleMaxValue = "sample_max_value"
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr", skipPrkSteps = "skip_prk_steps"
        case interpolationType = "interpolation_type", useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas", useBetaSigmas = "use_beta_sigmas"
        case sigmaMin = "sigma_min", sigmaMax = "sigma_max", timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type", solverOrder = "solver_order", algorithmType = "algorithm_type"
        case solverType = "solver_type", lowerOrderFinal = "lower_order_final", eulerAtFinal = "euler_at_final"
        case useLuLambdas = "use_lu_lambdas", useFlowSigmas = "use_flow_sigmas", flowShift = "flow_shift"
        case lambdaMinClipped = "lambda_min_clipped", useDynamicShifting = "use_dynamic_shifting"
        case timeShiftType = "time_shift_type"
        /// Keys a saved in-memory config marks as defaults: diffusers' from_config ignores them.
        case useDefaultValues = "_use_default_values"
    }

    public init() {}

    /// The class this config's `_class_name` names, nil when not implemented here.
    public var kind: SchedulerKind? { SchedulerKind(className: className) }

    /// The class whose keys and defaults this config reads with: its own, or DDIM in its place.
    var readingKind: SchedulerKind { kind ?? .ddim }

    static let classOverride = CodingUserInfoKey(rawValue: "SchedulerConfig.class")

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let fileClass = try c.decodeIfPresent(String.self, forKey: .className) ?? SchedulerKind.ddim.className
        let className = Self.classOverride.flatMap { decoder.userInfo[$0] as? String } ?? fileClass
        let kind = SchedulerKind(className: className) ?? .ddim
        self = kind.defaults
        self.className = className
        diffusersVersion = try c.decodeIfPresent(String.self, forKey: .diffusersVersion)
        let defaulted = Set(try c.decodeIfPresent([String].self, forKey: .useDefaultValues) ?? [])
        let keys = kind.configKeys
        // A key the class does not take, or one the file marks as a default, keeps the class's default.
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            guard keys.contains(key), !defaulted.contains(key.stringValue), let v = try c.decodeIfPresent(T.self, forKey: key) else { return }
            value = v
        }
        func readOptional<T: Decodable>(_ key: CodingKeys, _ value: inout T?) throws {
            guard keys.contains(key), !defaulted.contains(key.stringValue), c.contains(key) else { return }
            value = try c.decodeIfPresent(T.self, forKey: key)
        }
        try read(.numTrainTimesteps, &numTrainTimesteps)
        try read(.betaStart, &betaStart)
        try read(.betaEnd, &betaEnd)
        try read(.betaSchedule, &betaSchedule)
        try readOptional(.trainedBetas, &trainedBetas)
        try read(.clipSample, &clipSample)
        try read(.clipSampleRange, &clipSampleRange)
        try read(.setAlphaToOne, &setAlphaToOne)
        try read(.stepsOffset, &stepsOffset)
        try read(.predictionType, &predictionType)
        try read(.timestepSpacing, &timestepSpacing)
        try readOptional(.varianceType, &varianceType)
        try read(.thresholding, &thresholding)
        try read(.dynamicThresholdingRatio, &dynamicThresholdingRatio)
        try read(.sampleMaxValue, &sampleMaxValue)
        try read(.rescaleBetasZeroSnr, &rescaleBetasZeroSnr)
        try read(.skipPrkSteps, &skipPrkSteps)
        try read(.interpolationType, &interpolationType)
        try read(.useKarrasSigmas, &useKarrasSigmas)
        try read(.useExponentialSigmas, &useExponentialSigmas)
        try read(.useBetaSigmas, &useBetaSigmas)
        try readOptional(.sigmaMin, &sigmaMin)
        try readOptional(.sigmaMax, &sigmaMax)
        try read(.timestepType, &timestepType)
        try read(.finalSigmasType, &finalSigmasType)
        try read(.solverOrder, &solverOrder)
        try read(.algorithmType, &algorithmType)
        try read(.solverType, &solverType)
        try read(.lowerOrderFinal, &lowerOrderFinal)
        try read(.eulerAtFinal, &eulerAtFinal)
        try read(.useLuLambdas, &useLuLambdas)
        try read(.useFlowSigmas, &useFlowSigmas)
        try read(.flowShift, &flowShift)
        try read(.lambdaMinClipped, &lambdaMinClipped)
        try read(.useDynamicShifting, &useDynamicShifting)
        try read(.timeShiftType, &timeShiftType)
    }

    /// Writes `_class_name` and every key the class takes, as diffusers' `save_config` does (a
    /// lambda_min_clipped of -inf is left out: JSON has no infinity, and absent means -inf).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(className, forKey: .className)
        try c.encodeIfPresent(diffusersVersion, forKey: .diffusersVersion)
        let keys = readingKind.configKeys
        func write<T: Encodable>(_ key: CodingKeys, _ value: T) throws {
            if keys.contains(key) { try c.encode(value, forKey: key) }
        }
        try write(.numTrainTimesteps, numTrainTimesteps)
        try write(.betaStart, betaStart)
        try write(.betaEnd, betaEnd)
        try write(.betaSchedule, betaSchedule)
        try write(.trainedBetas, trainedBetas)
        try write(.clipSample, clipSample)
        try write(.clipSampleRange, clipSampleRange)
        try write(.setAlphaToOne, setAlphaToOne)
        try write(.stepsOffset, stepsOffset)
        try write(.predictionType, predictionType)
        try write(.timestepSpacing, timestepSpacing)
        try write(.varianceType, varianceType)
        try write(.thresholding, thresholding)
        try write(.dynamicThresholdingRatio, dynamicThresholdingRatio)
        try write(.sampleMaxValue, sampleMaxValue)
        try write(.rescaleBetasZeroSnr, rescaleBetasZeroSnr)
        try write(.skipPrkSteps, skipPrkSteps)
        try write(.interpolationType, interpolationType)
        try write(.useKarrasSigmas, useKarrasSigmas)
        try write(.useExponentialSigmas, useExponentialSigmas)
        try write(.useBetaSigmas, useBetaSigmas)
        if readingKind == .euler {
            try write(.sigmaMin, sigmaMin)
            try write(.sigmaMax, sigmaMax)
        } else {
            // DPM-Solver reads them only when present.
            if let sigmaMin { try write(.sigmaMin, sigmaMin) }
            if let sigmaMax { try write(.sigmaMax, sigmaMax) }
        }
        try write(.timestepType, timestepType)
        try write(.finalSigmasType, finalSigmasType)
        try write(.solverOrder, solverOrder)
        try write(.algorithmType, algorithmType)
        try write(.solverType, solverType)
        try write(.lowerOrderFinal, lowerOrderFinal)
        try write(.eulerAtFinal, eulerAtFinal)
        try write(.useLuLambdas, useLuLambdas)
        try write(.useFlowSigmas, useFlowSigmas)
        try write(.flowShift, flowShift)
        if lambdaMinClipped.isFinite { try write(.lambdaMinClipped, lambdaMinClipped) }
        try write(.useDynamicShifting, useDynamicShifting)
        try write(.timeShiftType, timeShiftType)
    }

    /// The same file read as another class: `kind`'s keys from the file, `kind`'s defaults for the
    /// rest (diffusers' `Kind.from_config(config)`; a config made in code counts as a file holding
    /// every key its own class takes, as `save_config` would write it).
    public func resolved(for kind: SchedulerKind) throws -> SchedulerConfig {
        if className == kind.className { return self }
        let path = source?.path ?? "scheduler config"
        let json: Data
        if let source { json = source.json } else {
            do { json = try JSONEncoder().encode(self) } catch {
                throw DiffusionError.file(path: path, message: "cannot be written as JSON (\(error))")
            }
        }
        var resolved = try Self.decode(json, path: path, as: kind.className)
        resolved.source = Source(path: path, json: json)
        return resolved
    }

    /// Reads a `scheduler_config.json`; a value of the wrong type or an unknown schedule name is
    /// an error naming the file and the key.
    public static func load(_ url: URL) throws -> SchedulerConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DiffusionError.file(path: url.path, message: "cannot read the scheduler config (\(error.localizedDescription))")
        }
        return try decode(data, path: url.path)
    }

    public static func decode(_ data: Data, path: String) throws -> SchedulerConfig {
        var config = try decode(data, path: path, as: nil)
        config.source = Source(path: path, json: data)
        try config.validate(path: path)
        return config
    }

    static func decode(_ data: Data, path: String, as className: String?) throws -> SchedulerConfig {
        let decoder = JSONDecoder()
        // diffusers writes Python's -Infinity (DPM-Solver's lambda_min_clipped) as a bare token.
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        if let className, let key = classOverride { decoder.userInfo[key] = className }
        do {
            return try decoder.decode(SchedulerConfig.self, from: JSONNonFinite.quoted(data))
        } catch let error as DecodingError {
            throw DiffusionError.describing(error, path: path)
        }
    }

    func validate(path: String) throws {
        guard numTrainTimesteps >= 1 else {
            throw DiffusionError.badConfig(path: path, key: "num_train_timesteps", message: "must be at least 1, found \(numTrainTimesteps)")
        }
        if let trainedBetas, trainedBetas.count != numTrainTimesteps {
            throw DiffusionError.badConfig(path: path, key: "trained_betas",
                                           message: "has \(trainedBetas.count) values for \(numTrainTimesteps) training timesteps")
        }
        if thresholding, readingKind.configKeys.contains(.thresholding) {
            throw DiffusionError.unsupported(path: path, key: "thresholding", value: "true")
        }
    }

    /// Where messages about this config point: its file, or what made it.
    var origin: String { source?.path ?? "scheduler config (\(className))" }

    /// A config value this code does not implement, as an error naming the file and the key.
    func unsupported(_ key: CodingKeys, _ value: Any) -> DiffusionError {
        .unsupported(path: origin, key: key.stringValue, value: "\(value)")
    }
}

/// Python's json module writes NaN and ±infinity as bare tokens; JSON has none. Quoting them (outside
/// strings) lets JSONDecoder read them with a `convertFromString` strategy.
enum JSONNonFinite {
    static func quoted(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false, escaped = false, i = 0
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                out.append(b)
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true }
            if let token = tokens.first(where: { i + $0.count <= bytes.count && Array(bytes[i..<(i + $0.count)]) == $0 }) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: token)
                out.append(UInt8(ascii: "\""))
                i += token.count
                continue
            }
            out.append(b)
            i += 1
        }
        return Data(out)
    }
}

extension DiffusionError {
    /// A JSON decoding failure in words: which key, and what was wrong with it.
    static func describing(_ error: DecodingError, path: String) -> DiffusionError {
        func keyPath(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .typeMismatch(type, context):
            return .badConfig(path: path, key: keyPath(context), message: "should be a \(type): \(context.debugDescription)")
        case let .valueNotFound(type, context):
            return .badConfig(path: path, key: keyPath(context), message: "should be a \(type), found null")
        case let .keyNotFound(key, context):
            let at = keyPath(context)
            return .badConfig(path: path, key: at.isEmpty ? key.stringValue : "\(at).\(key.stringValue)", message: "is missing")
        case let .dataCorrupted(context):
            let at = keyPath(context)
            if at.isEmpty { return .file(path: path, message: "not valid JSON (\(context.debugDescription))") }
            return .badConfig(path: path, key: at, message: "has a value that cannot be used: \(context.debugDescription)")
        @unknown default:
            return .file(path: path, message: "cannot be decoded: \(error)")
        }
    }
}
