import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// A fresh directory for one test, removed afterwards.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "sn-plot-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Width and height from a PNG's IHDR chunk, after checking the signature
/// (PNG spec, sections 5.2 and 11.2.2).
func pngSize(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (width: Int, height: Int) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    XCTAssertGreaterThan(bytes.count, 33, "PNG too short", file: file, line: line)
    guard bytes.count > 33 else { return (0, 0) }
    XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
    XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
    XCTAssertEqual(String(decoding: bytes[(bytes.count - 8)..<(bytes.count - 4)], as: UTF8.self), "IEND",
                   "PNG ends with IEND", file: file, line: line)
    func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
}

/// The root attributes and every text node of an XML document; throws when it does not parse.
final class SVGDocument: NSObject, XMLParserDelegate {
    private(set) var rootName = ""
    private(set) var rootAttributes: [String: String] = [:]
    /// Text content of each `<text>` element (its `<tspan>`s joined).
    private(set) var texts: [String] = []
    private var textDepth = 0
    private var current = ""

    init(path: String) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        parser.delegate = self
        guard parser.parse() else {
            throw NSError(domain: "SVG", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "invalid XML: \(String(describing: parser.parserError))"])
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if rootName.isEmpty {
            rootName = name
            rootAttributes = attributes
        }
        if name == "text" {
            textDepth += 1
            current = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if textDepth > 0 { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" {
            textDepth -= 1
            texts.append(current)
        }
    }
}

/// x, x^2 for x = 0...10: a curve with known ticks.
func squares() -> [Double] { (0...10).map { Double($0 * $0) } }
