import Foundation

/// NegCLIP's training file (`train_neg_clip.tsv`, Yuksekgonul et al. 2023), as pandas wrote it:
/// a header `\ttitle\tfilepath\tneg_caption\tneg_image` (the first, unnamed column is the row
/// index), `neg_caption` a Python list of hard-negative captions, `neg_image` a Python list of
/// row positions whose images are hard negatives. `filepath` is relative to the dataset folder.
public enum NegCLIPTSVReader {
    public static func read(folder: String, annotations: String = "train_neg_clip.tsv") throws -> [TrainingExample] {
        let dataset = try DatasetFolder(folder)
        let (file, data) = try dataset.read(annotations)
        let rows: [DelimitedText.Row]
        do {
            rows = try DelimitedText.rows(String(decoding: data, as: UTF8.self))
        } catch let e as DelimitedText.Unterminated {
            throw BenchmarkError.unreadableFile(file: file, message: "line \(e.line): quoted field never closed")
        }
        guard let header = rows.first else { throw BenchmarkError.unreadableFile(file: file, message: "empty file") }
        func column(_ name: String, required: Bool) throws -> Int? {
            if let k = header.fields.firstIndex(of: name) { return k }
            if required {
                throw BenchmarkError.malformedEntry(file: file, entry: "header (line 1)", field: name,
                                                    message: "column missing; header has \(header.fields)")
            }
            return nil
        }
        guard let titleColumn = try column("title", required: true),
              let pathColumn = try column("filepath", required: true) else { return [] }
        let negCaptionColumn = try column("neg_caption", required: false)
        let negImageColumn = try column("neg_image", required: false)

        struct Parsed { var path: String; var title: String; var negCaptions: [String]; var negImages: [Int]; var line: Int }
        var parsed: [Parsed] = []
        for (n, row) in rows.dropFirst().enumerated() {
            let entry = "row \(n) (line \(row.line))"
            func field(_ k: Int, _ name: String) throws -> String {
                guard k < row.fields.count else {
                    throw BenchmarkError.malformedEntry(file: file, entry: entry, field: name,
                                                        message: "missing (row has \(row.fields.count) fields, header \(header.fields.count))")
                }
                return row.fields[k]
            }
            let title = try field(titleColumn, "title")
            let relative = try field(pathColumn, "filepath")
            let path = try dataset.resolve(relative, file: file, entry: entry)
            guard FileManager.default.fileExists(atPath: path) else { throw BenchmarkError.missingFile(file: file, entry: entry, path: path) }
            var negCaptions: [String] = [], negImages: [Int] = []
            if let k = negCaptionColumn {
                let text = try field(k, "neg_caption")
                if !text.isEmpty {
                    guard case let .list(xs)? = try? PythonLiteral.parse(text) else {
                        throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "neg_caption", message: "expected a Python list of strings, got \(text.prefix(60))")
                    }
                    negCaptions = try xs.map {
                        guard case let .string(s) = $0 else {
                            throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "neg_caption", message: "list items must be strings")
                        }
                        return s
                    }
                }
            }
            if let k = negImageColumn {
                let text = try field(k, "neg_image")
                if !text.isEmpty {
                    guard case let .list(xs)? = try? PythonLiteral.parse(text) else {
                        throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "neg_image", message: "expected a Python list of row numbers, got \(text.prefix(60))")
                    }
                    negImages = try xs.map {
                        guard case let .integer(i) = $0 else {
                            throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "neg_image", message: "list items must be integers")
                        }
                        return i
                    }
                }
            }
            parsed.append(Parsed(path: path, title: title, negCaptions: negCaptions, negImages: negImages, line: row.line))
        }
        return try parsed.enumerated().map { n, p in
            let images: [ImageSource] = try p.negImages.map { i in
                guard i >= 0, i < parsed.count else {
                    throw BenchmarkError.malformedEntry(file: file, entry: "row \(n) (line \(p.line))", field: "neg_image",
                                                        message: "row \(i) does not exist (the file has \(parsed.count) rows)")
                }
                return .file(path: parsed[i].path, crop: nil)
            }
            return TrainingExample(image: .file(path: p.path, crop: nil), caption: p.title,
                                   negativeCaptions: p.negCaptions, negativeImages: images)
        }
    }
}
