/// How ShapesWorld generates; every absent key takes the default below.
public struct ShapesWorldConfig: Codable, Sendable, Equatable {
    public var seed: UInt64 = 0
    /// Side of rendered images: 32 or 64 in the experiments.
    public var imageSize: Int = 32
    public var minObjects: Int = 2
    public var maxObjects: Int = 3
    /// Chance that a caption names the objects' sizes ("a large red square").
    public var sizeMentionProbability: Double = 0.25
    /// Point samples per pixel side for antialiasing.
    public var supersample: Int = 4
    public var background: [Float] = ShapesScene.defaultBackground

    public init(seed: UInt64 = 0, imageSize: Int = 32) {
        self.seed = seed
        self.imageSize = imageSize
    }

    enum CodingKeys: String, CodingKey {
        case seed, imageSize = "image_size", minObjects = "min_objects", maxObjects = "max_objects"
        case sizeMentionProbability = "size_mention_probability", supersample, background
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? 32
        minObjects = try c.decodeIfPresent(Int.self, forKey: .minObjects) ?? 2
        maxObjects = try c.decodeIfPresent(Int.self, forKey: .maxObjects) ?? 3
        sizeMentionProbability = try c.decodeIfPresent(Double.self, forKey: .sizeMentionProbability) ?? 0.25
        supersample = try c.decodeIfPresent(Int.self, forKey: .supersample) ?? 4
        background = try c.decodeIfPresent([Float].self, forKey: .background) ?? ShapesScene.defaultBackground
    }

    /// Refuses settings the generator cannot honour, naming the key.
    public func validate() throws {
        guard imageSize >= 8, imageSize <= 1024 else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "image_size must be in 8...1024, got \(imageSize)")
        }
        guard minObjects >= 2, maxObjects <= 3, minObjects <= maxObjects else {
            throw BenchmarkError.invalidArgument(
                op: "shapes_world", message: "scenes hold 2 or 3 objects: need 2 <= min_objects <= max_objects <= 3, got \(minObjects)...\(maxObjects)")
        }
        guard sizeMentionProbability >= 0, sizeMentionProbability <= 1 else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "size_mention_probability must be in [0,1], got \(sizeMentionProbability)")
        }
        guard supersample >= 1, supersample <= 16 else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "supersample must be in 1...16, got \(supersample)")
        }
        guard background.count == 3, background.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "background must be 3 numbers in [0,1], got \(background)")
        }
    }
}
