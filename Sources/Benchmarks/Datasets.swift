/// Where an item's picture comes from: a file of a real benchmark (optionally cropped, as ARO
/// crops Visual Genome to the relation's box) or a ShapesWorld scene rendered on demand.
public enum ImageSource: Hashable, Sendable {
    case file(path: String, crop: PixelBox?)
    case scene(ShapesScene)
}

/// A box in pixels of the source image, as ARO's `bbox_x/y/w/h`.
public struct PixelBox: Hashable, Codable, Sendable {
    public var x: Double, y: Double, width: Double, height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// Two captions and two images; caption k describes image k (Thrush et al. 2022).
public struct WinogroundItem: Hashable, Sendable {
    public var id: String
    public var caption0: String
    public var caption1: String
    public var image0: ImageSource
    public var image1: ImageSource
    /// Winoground's `tag` ("Object", "Relation", "Both"); ShapesWorld uses "object", "attribute", "relation".
    public var tag: String?
    public var secondaryTag: String?

    public init(id: String, caption0: String, caption1: String, image0: ImageSource, image1: ImageSource,
                tag: String? = nil, secondaryTag: String? = nil) {
        self.id = id
        self.caption0 = caption0
        self.caption1 = caption1
        self.image0 = image0
        self.image1 = image1
        self.tag = tag
        self.secondaryTag = secondaryTag
    }
}

/// One caption and ten near-identical images, one of which it describes (Krojer et al. 2022).
public struct ImageCoDeItem: Hashable, Sendable {
    public var id: String
    public var setName: String
    public var caption: String
    public var images: [ImageSource]
    public var target: Int

    public init(id: String, setName: String, caption: String, images: [ImageSource], target: Int) {
        self.id = id
        self.setName = setName
        self.caption = caption
        self.images = images
        self.target = target
    }
}

/// ARO's four test sets (Yuksekgonul et al. 2023).
public enum AROVariant: String, CaseIterable, Codable, Sendable {
    case vgRelation = "vg_relation"
    case vgAttribution = "vg_attribution"
    case cocoOrder = "coco_order"
    case flickrOrder = "flickr_order"
}

/// One image, several captions of which `trueIndex` is right. The options keep ARO's order
/// ([false, true] for VG-*, [true, 4 perturbations] for *-Order) because its accuracy breaks
/// ties by taking the first maximum.
public struct AROItem: Hashable, Sendable {
    public var id: String
    public var image: ImageSource
    public var captions: [String]
    public var trueIndex: Int
    /// The relation name (VG-Relation) or "attr1_attr2" (VG-Attribution): the macro average's groups.
    public var group: String?

    public init(id: String, image: ImageSource, captions: [String], trueIndex: Int, group: String? = nil) {
        self.id = id
        self.image = image
        self.captions = captions
        self.trueIndex = trueIndex
        self.group = group
    }
}

/// A gallery of images and captions; caption k belongs to image `captionImage[k]`.
public struct RetrievalDataset: Hashable, Sendable {
    public var imageIDs: [String]
    public var images: [ImageSource]
    public var captions: [String]
    public var captionImage: [Int]

    public init(imageIDs: [String], images: [ImageSource], captions: [String], captionImage: [Int]) {
        self.imageIDs = imageIDs
        self.images = images
        self.captions = captions
        self.captionImage = captionImage
    }

    /// For image i, the indices of its captions.
    public var imageCaptions: [[Int]] {
        var out = [[Int]](repeating: [], count: images.count)
        for (k, i) in captionImage.enumerated() where i >= 0 && i < out.count { out[i].append(k) }
        return out
    }
}

/// One fine-tuning example: an image, its caption, and hard negatives of either kind.
public struct TrainingExample: Hashable, Sendable {
    public var image: ImageSource
    public var caption: String
    public var negativeCaptions: [String]
    public var negativeImages: [ImageSource]

    public init(image: ImageSource, caption: String, negativeCaptions: [String] = [], negativeImages: [ImageSource] = []) {
        self.image = image
        self.caption = caption
        self.negativeCaptions = negativeCaptions
        self.negativeImages = negativeImages
    }
}

/// A task's items, in the protocol they are evaluated with.
public enum BenchmarkTask: Sendable {
    case winoground([WinogroundItem])
    case imageCoDe([ImageCoDeItem])
    case aro(AROVariant, [AROItem])
    case retrieval(RetrievalDataset)
    case training([TrainingExample])
    /// ShapesWorld's editing task, scored by edit_eval rather than by DiffusionITM.
    case editing([EditingItem])

    /// How many units of work evaluation iterates over (items, or retrieval queries by image).
    public var count: Int {
        switch self {
        case let .winoground(xs): return xs.count
        case let .imageCoDe(xs): return xs.count
        case let .aro(_, xs): return xs.count
        case let .retrieval(r): return r.images.count
        case let .training(xs): return xs.count
        case let .editing(xs): return xs.count
        }
    }
}

/// A named task, in memory, whichever reader or generator produced it.
public struct BenchmarkDataset: Sendable {
    public var name: String
    public var task: BenchmarkTask

    public init(name: String, task: BenchmarkTask) {
        self.name = name
        self.task = task
    }
}

extension BenchmarkTask {
    /// The protocol that scores this task through `Evaluation`; nil for training data and for
    /// editing (edit_eval scores it).
    public var metricProtocol: MetricProtocol? {
        switch self {
        case .winoground: return .winoground
        case .imageCoDe: return .imageCoDe
        case .aro: return .aro
        case .retrieval: return .retrieval
        case .training, .editing: return nil
        }
    }

    /// The record of unit `index` (an item; for retrieval, gallery image `index`) holding
    /// `scores` laid out as `MetricProtocol` describes, with its id, target and group filled in.
    public func itemScores(_ index: Int, scores: [[Double]]) throws -> ItemScores {
        guard index >= 0, index < count else {
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "item \(index) outside 0..<\(count)")
        }
        switch self {
        case let .winoground(xs):
            return ItemScores(index: index, id: xs[index].id, scores: scores, group: xs[index].tag)
        case let .imageCoDe(xs):
            return ItemScores(index: index, id: xs[index].id, scores: scores, target: [xs[index].target])
        case let .aro(_, xs):
            return ItemScores(index: index, id: xs[index].id, scores: scores, target: [xs[index].trueIndex], group: xs[index].group)
        case let .retrieval(r):
            let id = index < r.imageIDs.count ? r.imageIDs[index] : String(index)
            return ItemScores(index: index, id: id, scores: scores, target: r.imageCaptions[index])
        case .training:
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "training data has no evaluation protocol")
        case .editing:
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "the editing task is scored by edit_eval, not by DiffusionITM")
        }
    }
}

extension AROVariant {
    /// The macro average as the ARO paper reports it for the real data (`.all` suits ShapesWorld).
    public var paperMacroPolicy: MacroPolicy {
        switch self {
        case .vgRelation: return .vgRelation
        case .vgAttribution: return .vgAttribution
        case .cocoOrder, .flickrOrder: return .all
        }
    }
}
