import Foundation

/// ARO as published (mertyg/vision-language-models-are-bows).
public enum AROReader {
    /// VG-Relation (`visual_genome_relation.json`) or VG-Attribution (`visual_genome_attribution.json`):
    /// a JSON list of {image_path, bbox_x, bbox_y, bbox_w, bbox_h, true_caption, false_caption,
    /// relation_name | attributes}; images in `images/`, cropped to the box as ARO does.
    /// Options are [false, true] as in ARO, so the true one has index 1.
    public static func readVisualGenome(folder: String, variant: AROVariant, annotations: String? = nil,
                                        images: String = "images") throws -> [AROItem] {
        let name: String
        switch variant {
        case .vgRelation: name = annotations ?? "visual_genome_relation.json"
        case .vgAttribution: name = annotations ?? "visual_genome_attribution.json"
        case .cocoOrder, .flickrOrder:
            throw BenchmarkError.invalidArgument(op: "aro", message: "\(variant.rawValue) is read with readOrder")
        }
        let dataset = try DatasetFolder(folder)
        let (file, data) = try dataset.read(name)
        guard let list = try parseJSON(data, file: file).array else {
            throw BenchmarkError.unreadableFile(file: file, message: "expected a JSON list of test cases")
        }
        let imageFolder = try dataset.resolve(images, file: file, entry: "(images folder)")
        return try list.enumerated().map { n, value in
            let e = try JSONEntry(value, file: file, entry: "\(n)")
            let path = try dataset.resolve(try e.string("image_path"), in: imageFolder, file: file, entry: "\(n)")
            guard FileManager.default.fileExists(atPath: path) else {
                throw BenchmarkError.missingFile(file: file, entry: "\(n)", path: path)
            }
            let box = PixelBox(x: try e.number("bbox_x"), y: try e.number("bbox_y"),
                               width: try e.number("bbox_w"), height: try e.number("bbox_h"))
            guard box.width > 0 else { throw e.fail("bbox_w", "must be positive, got \(box.width)") }
            guard box.height > 0 else { throw e.fail("bbox_h", "must be positive, got \(box.height)") }
            let group: String
            if variant == .vgRelation {
                group = try e.string("relation_name")
            } else {
                let attributes = try e.strings("attributes")
                guard attributes.count == 2 else { throw e.fail("attributes", "expected two attributes, got \(attributes.count)") }
                group = attributes.joined(separator: "_")
            }
            return AROItem(id: String(n), image: .file(path: path, crop: box),
                           captions: [try e.string("false_caption"), try e.string("true_caption")], trueIndex: 1, group: group)
        }
    }

    /// COCO-Order / Flickr30k-Order: the Karpathy-split json (`coco_karpathy_test.json`,
    /// `flickr30k_test.json`: a list of {image, caption: [..]}); every caption becomes a test
    /// case with options [caption, its four ARO perturbations], all through `pre_caption`
    /// (at most `maxWords` words), true index 0. Perturbations are seeded by (seed, case number).
    public static func readOrder(folder: String, variant: AROVariant, annotations: String? = nil,
                                 seed: UInt64 = 0, maxWords: Int = 30) throws -> [AROItem] {
        guard variant == .cocoOrder || variant == .flickrOrder else {
            throw BenchmarkError.invalidArgument(op: "aro", message: "\(variant.rawValue) is read with readVisualGenome")
        }
        let name = annotations ?? (variant == .cocoOrder ? "coco_karpathy_test.json" : "flickr30k_test.json")
        let entries = try KarpathyReader.read(folder: folder, annotations: name)
        var items: [AROItem] = []
        for entry in entries {
            for (k, caption) in entry.captions.enumerated() {
                let n = items.count
                items.append(AROItem(id: "\(entry.imageID)_\(k)", image: .file(path: entry.path, crop: nil),
                                     captions: AROOrder.options(for: caption, seed: seed, index: n, maxWords: maxWords),
                                     trueIndex: 0))
            }
        }
        return items
    }
}

/// The option list of one *-Order test case, shared by the reader and ShapesWorld so a
/// ShapesWorld Order set written to disk reads back identical.
public enum AROOrder {
    public static func options(for caption: String, seed: UInt64, index: Int, maxWords: Int = 30) -> [String] {
        var rng = SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: index))
        return [preCaption(caption, maxWords: maxWords)]
            + AROPerturbation.allCases.map { preCaption($0.apply(caption, &rng), maxWords: maxWords) }
    }
}

/// The Karpathy-split json of COCO and Flickr30k (BLIP's `coco_karpathy_test.json`): a list of
/// {image: relative path, caption: [strings] or a string, image_id}.
public enum KarpathyReader {
    public struct Entry: Sendable {
        public var imageID: String
        public var path: String
        public var captions: [String]
    }

    public static func read(folder: String, annotations: String) throws -> [Entry] {
        let dataset = try DatasetFolder(folder)
        let (file, data) = try dataset.read(annotations)
        guard let list = try parseJSON(data, file: file).array else {
            throw BenchmarkError.unreadableFile(file: file, message: "expected a JSON list of {image, caption}")
        }
        return try list.enumerated().map { n, value in
            let e = try JSONEntry(value, file: file, entry: "\(n)")
            let path = try dataset.resolve(try e.string("image"), file: file, entry: "\(n)")
            guard FileManager.default.fileExists(atPath: path) else { throw BenchmarkError.missingFile(file: file, entry: "\(n)", path: path) }
            let captions = e.object["caption"]?.string != nil ? [try e.string("caption")] : try e.strings("caption")
            guard !captions.isEmpty else { throw e.fail("caption", "no captions") }
            let id = e.has("image_id") ? try e.idText("image_id") : String(n)
            return Entry(imageID: id, path: path, captions: captions)
        }
    }

    /// The same file as a retrieval gallery (captions through `pre_caption`, as ARO's retrieval does).
    public static func readRetrieval(folder: String, annotations: String, maxWords: Int = 30) throws -> RetrievalDataset {
        let entries = try read(folder: folder, annotations: annotations)
        var captions: [String] = [], owner: [Int] = []
        for (i, e) in entries.enumerated() {
            for c in e.captions {
                captions.append(preCaption(c, maxWords: maxWords))
                owner.append(i)
            }
        }
        return RetrievalDataset(imageIDs: entries.map(\.imageID), images: entries.map { .file(path: $0.path, crop: nil) },
                                captions: captions, captionImage: owner)
    }
}
