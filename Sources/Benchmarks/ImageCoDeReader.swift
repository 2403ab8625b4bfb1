import Foundation

/// ImageCoDe as published (McGill-NLP/imagecode): `valid_data.json` (or test/train) maps each
/// image set to `{index: description}`; the ten pictures are `image-sets/<set>/img0.jpg ... img9.jpg`.
public enum ImageCoDeReader {
    public static func read(folder: String, annotations: String = "valid_data.json", imagesPerSet: Int = 10) throws -> [ImageCoDeItem] {
        let dataset = try DatasetFolder(folder)
        let (file, data) = try dataset.read(annotations)
        guard let sets = try parseJSON(data, file: file).object else {
            throw BenchmarkError.unreadableFile(file: file, message: "expected a JSON object {set: {index: description}}")
        }
        var items: [ImageCoDeItem] = []
        for setName in sets.keys.sorted() {
            guard let descriptions = sets[setName]?.object else {
                throw BenchmarkError.malformedEntry(file: file, entry: "set '\(setName)'", field: setName, message: "expected an object {index: description}")
            }
            let setFolder = try dataset.resolve("image-sets/" + setName, file: file, entry: "set '\(setName)'")
            let images: [ImageSource] = try (0..<imagesPerSet).map { k in
                let candidates = try ["jpg", "jpeg", "png"].map {
                    try dataset.resolve("img\(k).\($0)", in: setFolder, file: file, entry: "set '\(setName)'")
                }
                return .file(path: try dataset.existing(candidates, file: file, entry: "set '\(setName)'"), crop: nil)
            }
            let indexed = try descriptions.map { key, value -> (Int, String) in
                guard let k = Int(key), k >= 0, k < imagesPerSet else {
                    throw BenchmarkError.malformedEntry(file: file, entry: "set '\(setName)'", field: key,
                                                        message: "image index must be an integer in 0..<\(imagesPerSet)")
                }
                guard let text = value.string else {
                    throw BenchmarkError.malformedEntry(file: file, entry: "set '\(setName)'", field: key,
                                                        message: "expected a description string, got \(value.typeName)")
                }
                return (k, text)
            }
            for (k, text) in indexed.sorted(by: { $0.0 < $1.0 }) {
                items.append(ImageCoDeItem(id: "\(setName)#\(k)", setName: setName, caption: text, images: images, target: k))
            }
        }
        return items
    }
}
