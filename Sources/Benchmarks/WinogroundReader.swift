import Foundation

/// Winoground as published (facebook/winoground): `examples.jsonl`, one JSON object per line
/// with `id`, `caption_0`, `caption_1`, `image_0`, `image_1` (file names without extension)
/// and optional `tag`, `secondary_tag`; the pictures in `images/`.
public enum WinogroundReader {
    /// `folder` holds `examples.jsonl` (or `data/examples.jsonl`) and `images/` beside it.
    public static func read(folder: String, annotations: String? = nil, images: String? = nil) throws -> [WinogroundItem] {
        let dataset = try DatasetFolder(folder)
        let jsonl = try annotations ?? ["examples.jsonl", "data/examples.jsonl"].first {
            FileManager.default.fileExists(atPath: folder + "/" + $0)
        } ?? { throw BenchmarkError.unreadableFile(file: folder + "/examples.jsonl", message: "Winoground annotations not found") }()
        let (file, data) = try dataset.read(jsonl)
        let imageFolder = try dataset.resolve(images ?? (jsonl.contains("/") ? (jsonl as NSString).deletingLastPathComponent + "/images" : "images"),
                                              file: file, entry: "(images folder)")
        var items: [WinogroundItem] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            let entry = "line \(n + 1)"
            let value = try parseJSON(Data(text.utf8), file: "\(file):\(n + 1)")
            let e = try JSONEntry(value, file: file, entry: entry)
            let id = try e.idText("id")
            func image(_ key: String) throws -> ImageSource {
                let name = try e.string(key)
                let candidates = try (name.contains(".") ? [name] : [name + ".png", name + ".jpg", name + ".jpeg", name])
                    .map { try dataset.resolve($0, in: imageFolder, file: file, entry: "\(entry) (id \(id)), field '\(key)'") }
                return .file(path: try dataset.existing(candidates, file: file, entry: "\(entry) (id \(id))"), crop: nil)
            }
            items.append(WinogroundItem(id: id, caption0: try e.string("caption_0"), caption1: try e.string("caption_1"),
                                        image0: try image("image_0"), image1: try image("image_1"),
                                        tag: try e.optionalString("tag"), secondaryTag: try e.optionalString("secondary_tag")))
        }
        return items
    }
}
