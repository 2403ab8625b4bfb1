import Foundation

/// COCO's caption annotations (`captions_val2014.json`): {images: [{id, file_name}],
/// annotations: [{image_id, caption}]}, the pictures in `images` (e.g. `val2014/`).
/// Gives a retrieval gallery: images in file order, each image's captions in file order.
public enum COCOCaptionsReader {
    public static func read(folder: String, annotations: String, images: String = ".") throws -> RetrievalDataset {
        let dataset = try DatasetFolder(folder)
        let (file, data) = try dataset.read(annotations)
        guard let top = try parseJSON(data, file: file).object else {
            throw BenchmarkError.unreadableFile(file: file, message: "expected a JSON object with 'images' and 'annotations'")
        }
        guard let imageList = top["images"]?.array else {
            throw BenchmarkError.malformedEntry(file: file, entry: "(top level)", field: "images", message: "missing or not a list")
        }
        guard let annotationList = top["annotations"]?.array else {
            throw BenchmarkError.malformedEntry(file: file, entry: "(top level)", field: "annotations", message: "missing or not a list")
        }
        let imageFolder = try dataset.resolve(images, file: file, entry: "(images folder)")
        var ids: [String] = [], sources: [ImageSource] = [], position: [String: Int] = [:]
        for (n, value) in imageList.enumerated() {
            let e = try JSONEntry(value, file: file, entry: "images[\(n)]")
            let id = try e.idText("id")
            guard position[id] == nil else { throw e.fail("id", "image id \(id) appears twice") }
            let path = try dataset.resolve(try e.string("file_name"), in: imageFolder, file: file, entry: "images[\(n)]")
            guard FileManager.default.fileExists(atPath: path) else { throw BenchmarkError.missingFile(file: file, entry: "images[\(n)]", path: path) }
            position[id] = ids.count
            ids.append(id)
            sources.append(.file(path: path, crop: nil))
        }
        var perImage = [[String]](repeating: [], count: ids.count)
        for (n, value) in annotationList.enumerated() {
            let e = try JSONEntry(value, file: file, entry: "annotations[\(n)]")
            let id = try e.idText("image_id")
            guard let i = position[id] else { throw e.fail("image_id", "no image with id \(id)") }
            perImage[i].append(try e.string("caption"))
        }
        var captions: [String] = [], owner: [Int] = []
        for (i, cs) in perImage.enumerated() {
            for c in cs {
                captions.append(c)
                owner.append(i)
            }
        }
        return RetrievalDataset(imageIDs: ids, images: sources, captions: captions, captionImage: owner)
    }
}
