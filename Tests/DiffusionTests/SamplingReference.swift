import Foundation
import Tensors
import XCTest

/// A reference of scripts/make_fixtures.py's sampling fixtures (scripts/fixtures/sampling.py,
/// scripts/fixtures/models.py): its tensors and the settings it stores as one JSON object under
/// the safetensors metadata key "fixture".
struct SamplingReference {
    let tensors: [String: Tensor]
    let settings: [String: String]

    init(_ name: String) throws {
        let (tensors, raw) = try SafeTensors.load(try FixtureFiles.url("refs/\(name).ref.safetensors").path)
        self.tensors = tensors
        settings = try raw["fixture"].map { try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? raw
    }

    func tensor(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        try XCTUnwrap(tensors[key], "reference tensor \(key)", file: file, line: line)
    }

    func string(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTUnwrap(settings[key], "reference setting \(key)", file: file, line: line)
    }

    func number(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        try XCTUnwrap(settings[key].flatMap(Double.init), "reference setting \(key)", file: file, line: line)
    }
}

/// max |a - b| (infinite when the shapes differ).
func maxAbsoluteError(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a.scalars, b.scalars) {
        let e = abs(x - y)
        if !(e <= worst) { worst = e.isNaN ? .infinity : e }
    }
    return worst
}
