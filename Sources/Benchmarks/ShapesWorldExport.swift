import Foundation
import Tensors

/// ShapesWorld written to disk in each real benchmark's published format, so the readers (and
/// anyone's scripts for those benchmarks) take it as they take the real data. PNG images at
/// the configured size; every file written atomically; JSON with sorted keys so the same
/// seed gives byte-identical files.
extension ShapesWorld {
    public func write(_ task: ShapesWorldTask, count: Int, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        switch task {
        case .winoground: try writeWinoground(count, folder)
        case .imageCoDe: try writeImageCoDe(count, folder)
        case .vgRelation: try writeVisualGenome(.vgRelation, count, folder)
        case .vgAttribution: try writeVisualGenome(.vgAttribution, count, folder)
        case .order: try writeOrder(count, folder)
        case .retrieval: try writeRetrieval(count, folder)
        case .training: try writeTraining(count, folder)
        }
    }

    func savePNG(_ source: ImageSource, _ path: String) throws {
        guard case let .scene(scene) = source else {
            throw BenchmarkError.invalidArgument(op: "shapes_world", message: "only rendered scenes can be written")
        }
        try ImageIO.writePNG(try render(scene), to: path)
    }

    func makeFolder(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func writeJSON(_ value: Any, _ path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted])
        try AtomicFile.write([UInt8](data) + [10], to: path)
    }

    private func writeWinoground(_ count: Int, _ folder: String) throws {
        try makeFolder(folder + "/images")
        var lines: [String] = []
        for item in try winogroundItems(count: count) {
            let names = ["ex_\(item.id)_img_0", "ex_\(item.id)_img_1"]
            try savePNG(item.image0, folder + "/images/\(names[0]).png")
            try savePNG(item.image1, folder + "/images/\(names[1]).png")
            let object: [String: Any] = [
                "id": Int(item.id) ?? 0, "caption_0": item.caption0, "caption_1": item.caption1,
                "image_0": names[0], "image_1": names[1], "tag": item.tag ?? "", "secondary_tag": "",
                "num_main_preds": 1, "collapsed_tag": item.tag ?? "",
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
        }
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: folder + "/examples.jsonl")
    }

    private func writeImageCoDe(_ count: Int, _ folder: String) throws {
        var sets: [String: Any] = [:]
        for item in try imageCoDeItems(count: count) {
            try makeFolder(folder + "/image-sets/\(item.setName)")
            for (k, image) in item.images.enumerated() {
                try savePNG(image, folder + "/image-sets/\(item.setName)/img\(k).png")
            }
            sets[item.setName] = [String(item.target): item.caption]
        }
        try writeJSON(sets, folder + "/valid_data.json")
    }

    private func writeVisualGenome(_ variant: AROVariant, _ count: Int, _ folder: String) throws {
        try makeFolder(folder + "/images")
        let prefix = variant == .vgRelation ? "vgr" : "vga"
        var list: [[String: Any]] = []
        for item in try aroItems(variant, count: count) {
            let name = "\(prefix)_\(item.id).png"
            try savePNG(item.image, folder + "/images/" + name)
            var entry: [String: Any] = [
                "image_id": item.id, "image_path": name, "bbox_x": 0, "bbox_y": 0,
                "bbox_w": config.imageSize, "bbox_h": config.imageSize,
                "false_caption": item.captions.first ?? "", "true_caption": item.captions.last ?? "",
            ]
            if variant == .vgRelation {
                entry["relation_name"] = item.group ?? ""
            } else {
                entry["attributes"] = (item.group ?? "_").split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            }
            list.append(entry)
        }
        try writeJSON(list, folder + (variant == .vgRelation ? "/visual_genome_relation.json" : "/visual_genome_attribution.json"))
    }

    private func writeOrder(_ count: Int, _ folder: String) throws {
        try makeFolder(folder + "/images")
        var list: [[String: Any]] = []
        for i in 0..<max(0, count) {
            let item = try orderItem(index: i)
            try savePNG(item.image, folder + "/images/order_\(i).png")
            list.append(["image": "images/order_\(i).png", "caption": [item.captions.first ?? ""], "image_id": String(i)])
        }
        try writeJSON(list, folder + "/coco_karpathy_test.json")
    }

    private func writeRetrieval(_ count: Int, _ folder: String) throws {
        try makeFolder(folder + "/images")
        let r = try retrieval(count: count)
        var images: [[String: Any]] = [], annotations: [[String: Any]] = []
        for (i, image) in r.images.enumerated() {
            let name = "shapes_\(r.imageIDs[i]).png"
            try savePNG(image, folder + "/images/" + name)
            images.append(["id": i, "file_name": name, "width": config.imageSize, "height": config.imageSize])
        }
        for (k, caption) in r.captions.enumerated() {
            annotations.append(["id": k, "image_id": r.captionImage[k], "caption": caption])
        }
        try writeJSON(["images": images, "annotations": annotations], folder + "/captions.json")
    }

    /// NegCLIP's TSV; an example's hard-negative image is its mirror's row.
    private func writeTraining(_ count: Int, _ folder: String) throws {
        try makeFolder(folder + "/images")
        let examples = try trainingExamples(count: count)
        var lines = ["\ttitle\tfilepath\tneg_caption\tneg_image"]
        for (i, x) in examples.enumerated() {
            try savePNG(x.image, folder + "/images/train_\(i).png")
            let partner = i % 2 == 0 ? i + 1 : i - 1
            let negImages = partner < examples.count ? "[\(partner)]" : "[]"
            let negCaptions = "[" + x.negativeCaptions.map(pythonRepr).joined(separator: ", ") + "]"
            lines.append([String(i), x.caption, "images/train_\(i).png", negCaptions, negImages].map(tsvField).joined(separator: "\t"))
        }
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: folder + "/train_neg_clip.tsv")
    }
}

/// Python's `repr` of a string, as `str(list)` writes it: single quotes unless the text holds
/// a single quote and no double quote.
func pythonRepr(_ s: String) -> String {
    let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for c in s {
        switch c {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case quote: out += "\\" + String(c)
        default: out.append(c)
        }
    }
    return out + String(quote)
}

/// pandas' minimal quoting for a tab-separated field.
func tsvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "\"" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
