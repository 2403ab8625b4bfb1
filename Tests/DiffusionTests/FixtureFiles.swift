import Foundation
import XCTest

/// The committed fixtures of scripts/make_fixtures.py (library versions in Fixtures/VERSIONS.txt).
enum FixtureFiles {
    static func url(_ relative: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            XCTFail("Fixtures folder missing from the test bundle", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let url = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("fixture \(relative) not found; run scripts/make_fixtures.py", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return url
    }

    static func decode<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url(relative)))
    }
}

/// max_i |a_i - b_i| / max(1, max_i |b_i|): the error relative to the reference's largest
/// magnitude (absolute when that is below 1).
func maxScaledError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0, scale: Float = 1
    for (x, y) in zip(a, b) {
        let e = abs(x - y)
        if !(e <= worst) { worst = e.isNaN ? .infinity : e }
        scale = max(scale, abs(y))
    }
    return worst / scale
}
