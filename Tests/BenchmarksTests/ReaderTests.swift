import XCTest
import Foundation
@testable import Benchmarks
import Tensors

/// Each reader on a small fixture in the benchmark's published format
/// (scripts/make_benchmark_fixtures.py, Pillow 13.0.0), then on broken copies of it.
final class ReaderTests: XCTestCase {
    let root = Fixtures.path("readers")

    func path(_ source: ImageSource) -> String {
        if case let .file(p, _) = source { return p }
        return ""
    }

    func name(_ source: ImageSource) -> String { (path(source) as NSString).lastPathComponent }

    /// A writable copy of a fixture folder for breaking.
    func copy(_ folder: String) throws -> String {
        let dir = try Fixtures.scratch(folder)
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.copyItem(atPath: root + "/" + folder, toPath: dir)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func expectError(_ body: () throws -> Void, file: String, entry: String? = nil, field: String? = nil,
                     line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(file), "\(text) should name \(file)", line: line)
            if let entry { XCTAssertTrue(text.contains(entry), "\(text) should name entry \(entry)", line: line) }
            if let field { XCTAssertTrue(text.contains("'\(field)'"), "\(text) should name field \(field)", line: line) }
        }
    }

    func rgbFixture(_ name: String, _ w: Int, _ h: Int) throws -> [Float] {
        let bytes = try Fixtures.bytes(name)
        var planes = [Float](repeating: 0, count: 3 * w * h)
        for p in 0..<(w * h) { for c in 0..<3 { planes[c * w * h + p] = Float(bytes[3 * p + c]) / 255 } }
        return planes
    }

    // MARK: Winoground

    func testWinograndFixture() throws {
        let items = try WinogroundReader.read(folder: root + "/winoground")
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[0].id, "0")
        XCTAssertEqual(items[0].caption0, "an old person kisses a young person")
        XCTAssertEqual(items[1].caption1, "the cat is on the left of the dog")
        XCTAssertEqual(name(items[1].image1), "ex_1_img_1.png")
        XCTAssertEqual(items[0].tag, "Object")
        XCTAssertEqual(items[0].secondaryTag, "Symbolic")
        let image = try ImageLoader().load(items[0].image0)
        XCTAssertEqual(image.shape, [1, 3, 8, 8])
    }

    func testWinogroundMalformed() throws {
        let dir = try copy("winoground")
        let jsonl = dir + "/examples.jsonl"
        let good = try String(contentsOfFile: jsonl, encoding: .utf8)
        try good.replacingOccurrences(of: "\"caption_1\": \"a young", with: "\"caption_x\": \"a young")
            .write(toFile: jsonl, atomically: true, encoding: .utf8)
        expectError({ _ = try WinogroundReader.read(folder: dir) }, file: "examples.jsonl", entry: "line 1", field: "caption_1")

        try good.replacingOccurrences(of: "\"image_0\": \"ex_1_img_0\"", with: "\"image_0\": \"../../../etc/passwd\"")
            .write(toFile: jsonl, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WinogroundReader.read(folder: dir)) { error in
            guard case .pathOutsideDataset(_, let entry, let p, _) = error as? BenchmarkError else { return XCTFail("\(error)") }
            XCTAssertTrue(entry.contains("line 2"))
            XCTAssertTrue(p.contains("etc/passwd"))
        }
        try good.replacingOccurrences(of: "\"image_1\": \"ex_1_img_1\"", with: "\"image_1\": \"ex_9_img_1\"")
            .write(toFile: jsonl, atomically: true, encoding: .utf8)
        expectError({ _ = try WinogroundReader.read(folder: dir) }, file: "examples.jsonl", entry: "line 2")
        try (good + "{not json\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        expectError({ _ = try WinogroundReader.read(folder: dir) }, file: "examples.jsonl:3")
    }

    func testSymlinkOutOfTheDatasetIsRefused() throws {
        let dir = try copy("winoground")
        try FileManager.default.removeItem(atPath: dir + "/images/ex_0_img_0.png")
        try FileManager.default.createSymbolicLink(atPath: dir + "/images/ex_0_img_0.png", withDestinationPath: "/etc/hostname")
        XCTAssertThrowsError(try WinogroundReader.read(folder: dir)) { error in
            guard case .pathOutsideDataset? = error as? BenchmarkError else { return XCTFail("\(error)") }
        }
    }

    // MARK: ImageCoDe

    func testImageCoDeFixture() throws {
        let items = try ImageCoDeReader.read(folder: root + "/imagecode")
        XCTAssertEqual(items.map(\.id), ["open-images-1#3", "video-storytelling-2#0", "video-storytelling-2#7"])
        XCTAssertEqual(items[0].target, 3)
        XCTAssertEqual(items[2].caption, "bar touches the left edge")
        XCTAssertEqual(items[1].images.map(name), (0..<10).map { "img\($0).jpg" })
    }

    func testJPEGDecodeAndResizeMatchPIL() throws {
        // PIL: Image.open(img3.jpg).convert("RGB").resize((16, 16), LANCZOS). libjpeg-turbo and
        // PIL's libjpeg may differ by a level in the IDCT; the filter by under 1.1 (LanczosResizeTests).
        let items = try ImageCoDeReader.read(folder: root + "/imagecode")
        let got = try ImageLoader(size: 16).load(items[0].images[3])
        XCTAssertEqual(got.shape, [1, 3, 16, 16])
        let expected = try rgbFixture("readers/imagecode_img3_pil_16x16.rgb", 16, 16)
        let worst = zip(got.scalars, expected).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThanOrEqual(worst, 2 / 255, "max difference \(worst * 255)/255")
    }

    func testImageCoDeMalformed() throws {
        let dir = try copy("imagecode")
        let json = dir + "/valid_data.json"
        try #"{"open-images-1": {"12": "out of range"}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try ImageCoDeReader.read(folder: dir) }, file: "valid_data.json", entry: "open-images-1", field: "12")
        try #"{"open-images-1": {"2": 5}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try ImageCoDeReader.read(folder: dir) }, file: "valid_data.json", entry: "open-images-1", field: "2")
        try #"{"../../x": {"2": "escape"}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ImageCoDeReader.read(folder: dir)) { error in
            guard case .pathOutsideDataset? = error as? BenchmarkError else { return XCTFail("\(error)") }
        }
        try FileManager.default.removeItem(atPath: dir + "/image-sets/open-images-1/img9.jpg")
        try #"{"open-images-1": {"2": "a"}}"#.write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try ImageCoDeReader.read(folder: dir) }, file: "valid_data.json", entry: "open-images-1")
    }

    // MARK: ARO

    func testVGRelationFixtureAndCrop() throws {
        let items = try AROReader.readVisualGenome(folder: root + "/aro", variant: .vgRelation)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[0].captions, ["the table is on the cup", "the cup is on the table"])
        XCTAssertEqual(items[0].trueIndex, 1)
        XCTAssertEqual(items[1].group, "sitting on")
        guard case let .file(_, box) = items[0].image else { return XCTFail() }
        XCTAssertEqual(box, PixelBox(x: 4, y: 3.5, width: 27, height: 20))
        // ARO's crop (PIL rounds 3.5 and 23.5 to even: rows 4..<24) then the model's resize.
        let got = try ImageLoader(size: 16).load(items[0].image)
        let expected = try rgbFixture("readers/aro_relation0_pil_16x16.rgb", 16, 16)
        let worst = zip(got.scalars, expected).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThanOrEqual(worst, 2 / 255, "max difference \(worst * 255)/255")
        XCTAssertEqual(try ImageLoader().load(items[0].image).shape, [1, 3, 20, 27])
    }

    func testVGAttributionFixture() throws {
        let items = try AROReader.readVisualGenome(folder: root + "/aro", variant: .vgAttribution)
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0].group, "white_wooden")
        XCTAssertEqual(items[0].captions, ["the wooden cup and the white table", "the white cup and the wooden table"])
    }

    func testAROMalformed() throws {
        let dir = try copy("aro")
        let json = dir + "/visual_genome_relation.json"
        let good = try String(contentsOfFile: json, encoding: .utf8)
        try good.replacingOccurrences(of: "\"bbox_w\": 27", with: "\"bbox_w\": \"wide\"").write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try AROReader.readVisualGenome(folder: dir, variant: .vgRelation) },
                    file: "visual_genome_relation.json", entry: "entry 0", field: "bbox_w")
        try good.replacingOccurrences(of: "\"relation_name\": \"sitting on\", ", with: "").write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try AROReader.readVisualGenome(folder: dir, variant: .vgRelation) },
                    file: "visual_genome_relation.json", entry: "entry 1", field: "relation_name")
        try good.replacingOccurrences(of: "\"2407871.jpg\"", with: "\"/etc/hostname\"").write(toFile: json, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AROReader.readVisualGenome(folder: dir, variant: .vgRelation)) { error in
            guard case .pathOutsideDataset(_, "1", _, _)? = error as? BenchmarkError else { return XCTFail("\(error)") }
        }
        let attr = dir + "/visual_genome_attribution.json"
        let goodAttr = try String(contentsOfFile: attr, encoding: .utf8)
        try goodAttr.replacingOccurrences(of: "[\"white\", \"wooden\"]", with: "[\"white\"]").write(toFile: attr, atomically: true, encoding: .utf8)
        expectError({ _ = try AROReader.readVisualGenome(folder: dir, variant: .vgAttribution) },
                    file: "visual_genome_attribution.json", entry: "entry 0", field: "attributes")
    }

    func testCOCOOrderFixture() throws {
        let items = try AROReader.readOrder(folder: root + "/karpathy", variant: .cocoOrder, seed: 3)
        XCTAssertEqual(items.map(\.id), ["391895_0", "391895_1", "522418_0"])
        // BLIP's pre_caption: lower case, '.' dropped, trailing space stripped.
        XCTAssertEqual(items[0].captions[0], "a man with a red helmet on a small moped on a dirt road")
        for item in items {
            XCTAssertEqual(item.captions.count, 5)
            XCTAssertEqual(item.trueIndex, 0)
            for p in item.captions.dropFirst() {
                XCTAssertEqual(p.split(separator: " ").sorted(), item.captions[0].split(separator: " ").sorted(), p)
            }
        }
        XCTAssertEqual(items.map(\.captions), try AROReader.readOrder(folder: root + "/karpathy", variant: .cocoOrder, seed: 3).map(\.captions))
        XCTAssertEqual(name(items[2].image), "COCO_val2014_000000522418.jpg")
    }

    func testKarpathyRetrievalAndCOCOCaptions() throws {
        let k = try KarpathyReader.readRetrieval(folder: root + "/karpathy", annotations: "coco_karpathy_test.json")
        XCTAssertEqual(k.imageIDs, ["391895", "522418"])
        XCTAssertEqual(k.captionImage, [0, 0, 1])
        let c = try COCOCaptionsReader.read(folder: root + "/karpathy", annotations: "captions_val2014.json", images: "val2014")
        XCTAssertEqual(c.imageIDs, ["391895", "522418"])
        XCTAssertEqual(c.captions, ["A man riding a moped.", "A woman cutting a large white sheet cake.",
                                    "A woman wearing a hair net cutting a cake."])
        XCTAssertEqual(c.captionImage, [0, 1, 1])
        XCTAssertEqual(c.imageCaptions, [[0], [1, 2]])
    }

    func testCOCOCaptionsMalformed() throws {
        let dir = try copy("karpathy")
        let json = dir + "/captions_val2014.json"
        let good = try String(contentsOfFile: json, encoding: .utf8)
        try good.replacingOccurrences(of: "\"image_id\": 391895", with: "\"image_id\": 7").write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try COCOCaptionsReader.read(folder: dir, annotations: "captions_val2014.json", images: "val2014") },
                    file: "captions_val2014.json", entry: "annotations[1]", field: "image_id")
        try good.replacingOccurrences(of: "\"file_name\": \"COCO_val2014_000000522418.jpg\"", with: "\"file_name\": 5")
            .write(toFile: json, atomically: true, encoding: .utf8)
        expectError({ _ = try COCOCaptionsReader.read(folder: dir, annotations: "captions_val2014.json", images: "val2014") },
                    file: "captions_val2014.json", entry: "images[1]", field: "file_name")
        let karpathy = dir + "/coco_karpathy_test.json"
        let goodK = try String(contentsOfFile: karpathy, encoding: .utf8)
        try goodK.replacingOccurrences(of: "\"caption\": [\"A woman", with: "\"captions\": [\"A woman")
            .write(toFile: karpathy, atomically: true, encoding: .utf8)
        expectError({ _ = try AROReader.readOrder(folder: dir, variant: .cocoOrder) },
                    file: "coco_karpathy_test.json", entry: "entry 1", field: "caption")
    }

    // MARK: NegCLIP

    func testNegCLIPFixture() throws {
        let xs = try NegCLIPTSVReader.read(folder: root + "/negclip")
        XCTAssertEqual(xs.count, 3)
        XCTAssertEqual(xs[1].caption, "A white truck filled with motorcycle on it's flatbed.")
        XCTAssertEqual(xs[0].negativeCaptions, ["A umbrella holding a flowered child .", "A flowered child holding a umbrella ."])
        // pandas quoted these fields and Python chose double quotes around a string with an apostrophe.
        XCTAssertEqual(xs[1].negativeCaptions, ["A white motorcycle filled with truck on it 's flatbed ."])
        XCTAssertEqual(xs[2].negativeCaptions, ["Two shoes sitting on top of a pair of cats .", "say \"cats\""])
        XCTAssertEqual(xs[0].negativeImages, [xs[1].image, xs[2].image])
        XCTAssertEqual(name(xs[2].image), "COCO_val2014_000000391895.jpg")
    }

    func testNegCLIPMalformed() throws {
        let dir = try copy("negclip")
        let tsv = dir + "/train_neg_clip.tsv"
        let good = try String(contentsOfFile: tsv, encoding: .utf8)
        try good.replacingOccurrences(of: "[0, 1]", with: "[0, 9]").write(toFile: tsv, atomically: true, encoding: .utf8)
        expectError({ _ = try NegCLIPTSVReader.read(folder: dir) }, file: "train_neg_clip.tsv", entry: "row 2", field: "neg_image")
        try good.replacingOccurrences(of: "['A umbrella", with: "['A umbrella'', ").write(toFile: tsv, atomically: true, encoding: .utf8)
        expectError({ _ = try NegCLIPTSVReader.read(folder: dir) }, file: "train_neg_clip.tsv", entry: "row 0", field: "neg_caption")
        try good.replacingOccurrences(of: "\tfilepath\t", with: "\tpath\t").write(toFile: tsv, atomically: true, encoding: .utf8)
        expectError({ _ = try NegCLIPTSVReader.read(folder: dir) }, file: "train_neg_clip.tsv", field: "filepath")
        try good.replacingOccurrences(of: "coco/val2014/COCO_val2014_000000522418.jpg", with: "../../outside.jpg")
            .write(toFile: tsv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NegCLIPTSVReader.read(folder: dir)) { error in
            guard case .pathOutsideDataset(_, let entry, _, _)? = error as? BenchmarkError else { return XCTFail("\(error)") }
            XCTAssertTrue(entry.contains("row 1"))
        }
    }

    func testPythonLiteralAndDelimitedText() throws {
        XCTAssertEqual(try PythonLiteral.parse(#"['a', "it's", 'x\'y', "q\"", '\\n']"#),
                       .list([.string("a"), .string("it's"), .string("x'y"), .string("q\""), .string("\\n")]))
        XCTAssertEqual(try PythonLiteral.parse("[1, -2, 30]"), .list([.integer(1), .integer(-2), .integer(30)]))
        XCTAssertEqual(try PythonLiteral.parse("[]"), .list([]))
        XCTAssertThrowsError(try PythonLiteral.parse("['a'"))
        let rows = try DelimitedText.rows("a\t\"b\"\"c\td\"\te\n\"multi\nline\"\tx\n")
        XCTAssertEqual(rows.map(\.fields), [["a", "b\"c\td", "e"], ["multi\nline", "x"]])
        XCTAssertEqual(rows.map(\.line), [1, 2])
        XCTAssertThrowsError(try DelimitedText.rows("\"open\tfield\n"))
    }

    // MARK: ShapesWorld on disk

    func testShapesWorldWrittenInEachFormatReadsBack() throws {
        let world = try ShapesWorld(ShapesWorldConfig(seed: 11, imageSize: 32))
        let dir = try Fixtures.scratch("export")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let loader = ImageLoader(size: 32)
        func samePixels(_ a: ImageSource, _ b: ImageSource, line: UInt = #line) throws {
            let x = try loader.load(a), y = try loader.load(b)
            XCTAssertEqual(x.shape, y.shape, line: line)
            // PNG stores 8 bits: at most half a level apart.
            let worst = zip(x.scalars, y.scalars).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThanOrEqual(worst, 0.5 / 255 + 1e-6, line: line)
        }

        try world.write(.winoground, count: 4, to: dir + "/wino")
        let wino = try WinogroundReader.read(folder: dir + "/wino")
        let winoMem = try world.winogroundItems(count: 4)
        XCTAssertEqual(wino.map(\.caption0), winoMem.map(\.caption0))
        XCTAssertEqual(wino.map(\.caption1), winoMem.map(\.caption1))
        XCTAssertEqual(wino.map(\.tag), winoMem.map(\.tag))
        try samePixels(wino[3].image1, winoMem[3].image1)

        try world.write(.imageCoDe, count: 2, to: dir + "/icode")
        let icode = try ImageCoDeReader.read(folder: dir + "/icode")
        let icodeMem = try world.imageCoDeItems(count: 2)
        XCTAssertEqual(icode.map(\.caption), icodeMem.map(\.caption))
        XCTAssertEqual(icode.map(\.target), icodeMem.map(\.target))
        try samePixels(icode[1].images[4], icodeMem[1].images[4])

        for (variant, task) in [(AROVariant.vgRelation, ShapesWorldTask.vgRelation), (.vgAttribution, .vgAttribution)] {
            try world.write(task, count: 3, to: dir + "/aro-\(task.rawValue)")
            let back = try AROReader.readVisualGenome(folder: dir + "/aro-\(task.rawValue)", variant: variant)
            let mem = try world.aroItems(variant, count: 3)
            XCTAssertEqual(back.map(\.captions), mem.map(\.captions))
            XCTAssertEqual(back.map(\.group), mem.map(\.group))
            try samePixels(back[2].image, mem[2].image)
        }

        try world.write(.order, count: 3, to: dir + "/order")
        let order = try AROReader.readOrder(folder: dir + "/order", variant: .cocoOrder, seed: 11)
        let orderMem = try world.aroItems(.cocoOrder, count: 3)
        XCTAssertEqual(order.map(\.captions), orderMem.map(\.captions))
        XCTAssertEqual(order.map(\.id), orderMem.map(\.id))

        try world.write(.retrieval, count: 5, to: dir + "/retrieval")
        let r = try COCOCaptionsReader.read(folder: dir + "/retrieval", annotations: "captions.json", images: "images")
        let rMem = try world.retrieval(count: 5)
        XCTAssertEqual(r.captions, rMem.captions)
        XCTAssertEqual(r.captionImage, rMem.captionImage)
        try samePixels(r.images[4], rMem.images[4])

        try world.write(.training, count: 4, to: dir + "/train")
        let t = try NegCLIPTSVReader.read(folder: dir + "/train")
        let tMem = try world.trainingExamples(count: 4)
        XCTAssertEqual(t.map(\.caption), tMem.map(\.caption))
        XCTAssertEqual(t.map(\.negativeCaptions), tMem.map(\.negativeCaptions))
        try samePixels(t[0].negativeImages[0], tMem[0].negativeImages[0])
        XCTAssertEqual(t[0].negativeImages, [t[1].image])
    }
}
