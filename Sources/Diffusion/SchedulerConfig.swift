import Foundation

/// A diffusers `scheduler_config.json`. Every absent key takes the default diffusers'
/// DDIMScheduler / DDPMScheduler use, so a config written for another scheduler class
/// (PNDM, Euler, ...) reads exactly as `DDIMScheduler.from_config(config)` reads it.
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
    public var varianceType: String = "fixed_small"
    public var thresholding: Bool = false
    public var rescaleBetasZeroSnr: Bool = false

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", diffusersVersion = "_diffusers_version"
        case numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start", betaEnd = "beta_end"
        case betaSchedule = "beta_schedule", trainedBetas = "trained_betas", clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range", setAlphaToOne = "set_alpha_to_one", stepsOffset = "steps_offset"
        case predictionType = "prediction_type", timestepSpacing = "timestep_spacing", varianceType = "variance_type"
        case thresholding, rescaleBetasZeroSnr = "rescale_betas_zero_snr"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SchedulerConfig()
        className = try c.decodeIfPresent(String.self, forKey: .className) ?? d.className
        diffusersVersion = try c.decodeIfPresent(String.self, forKey: .diffusersVersion)
        numTrainTimesteps = try c.decodeIfPresent(Int.self, forKey: .numTrainTimesteps) ?? d.numTrainTimesteps
        betaStart = try c.decodeIfPresent(Double.self, forKey: .betaStart) ?? d.betaStart
        betaEnd = try c.decodeIfPresent(Double.self, forKey: .betaEnd) ?? d.betaEnd
        betaSchedule = try c.decodeIfPresent(BetaSchedule.self, forKey: .betaSchedule) ?? d.betaSchedule
        trainedBetas = try c.decodeIfPresent([Double].self, forKey: .trainedBetas)
        clipSample = try c.decodeIfPresent(Bool.self, forKey: .clipSample) ?? d.clipSample
        clipSampleRange = try c.decodeIfPresent(Double.self, forKey: .clipSampleRange) ?? d.clipSampleRange
        setAlphaToOne = try c.decodeIfPresent(Bool.self, forKey: .setAlphaToOne) ?? d.setAlphaToOne
        stepsOffset = try c.decodeIfPresent(Int.self, forKey: .stepsOffset) ?? d.stepsOffset
        predictionType = try c.decodeIfPresent(Prediction.self, forKey: .predictionType) ?? d.predictionType
        timestepSpacing = try c.decodeIfPresent(Spacing.self, forKey: .timestepSpacing) ?? d.timestepSpacing
        varianceType = try c.decodeIfPresent(String.self, forKey: .varianceType) ?? d.varianceType
        thresholding = try c.decodeIfPresent(Bool.self, forKey: .thresholding) ?? d.thresholding
        rescaleBetasZeroSnr = try c.decodeIfPresent(Bool.self, forKey: .rescaleBetasZeroSnr) ?? d.rescaleBetasZeroSnr
    }

    /// The schedulers implemented here; any other class samples with DDIM on its betas.
    public var isImplemented: Bool { className == "DDIMScheduler" || className == "DDPMScheduler" }

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
        do {
            let config = try JSONDecoder().decode(SchedulerConfig.self, from: data)
            try config.validate(path: path)
            return config
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
        if thresholding {
            throw DiffusionError.unsupported(path: path, key: "thresholding", value: "true")
        }
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
