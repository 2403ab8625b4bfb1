/// How ShapesWorld generates; every absent key takes the default below.
public struct ShapesWorldConfig: Codable, Sendable, Equatable {
    public var seed: UInt64 = 0
    /// Side of rendered images: 32 or 64 in the experiments.
    public var imageSize: Int = 32
    public var minObjects: Int = 2
    public var maxObjects: Int = 3
    /// Chance that a caption names the objects' sizes ("a large red square").
    public var sizeMentionProbability: Double = 0.25
    /// One wording per meaning ("a red square to the left of a blue circle": no "there is", "the",
    /// "is", and each relation's first phrase) instead of the four templates and phrase variants.
    public var plainWording: Bool = false
    /// Least distance between the centres of the two described objects, in canvas units: far-apart
    /// pairs make the relation plain at 32x32. 0 leaves placement as it was.
    public var minPairDistance: Double = 0
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
        case plainWording = "plain_wording", minPairDistance = "min_pair_distance"
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
        plainWording = try c.decodeIfPresent(Bool.self, forKey: .plainWording) ?? false
        minPairDistance = try c.decodeIfPresent(Double.self, forKey: .minPairDistance) ?? 0
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
        // The farthest two objects can sit apart along one axis is 1 - 2 (large radius + border) = 0.62.
        guard minPairDistance >= 0, minPairDistance <= 0.6 else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "min_pair_distance must be in [0, 0.6] (canvas units), got \(minPairDistance)")
        }
        guard supersample >= 1, supersample <= 16 else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "supersample must be in 1...16, got \(supersample)")
        }
        guard background.count == 3, background.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "background must be 3 numbers in [0,1], got \(background)")
        }
    }
}
