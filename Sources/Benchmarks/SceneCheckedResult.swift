import Foundation
import Tensors

/// A record of one image the scene checker read or refused.
public protocol SceneCheckedRecord: Encodable {
    /// `SceneParseError.reason` when the checker refused the image.
    var refusal: String? { get }
}

/// gen_eval's and edit_eval's outcome: the metrics (`table` shows them) and every image's record.
public protocol SceneCheckedResult {
    associatedtype Record: SceneCheckedRecord
    var result: EvaluationResult { get }
    var records: [Record] { get }
}

extension SceneCheckedResult {
    /// How many images were refused, by `SceneParseError.reason`.
    public var refusals: [String: Int] {
        var counts: [String: Int] = [:]
        for r in records { if let reason = r.refusal { counts[reason, default: 0] += 1 } }
        return counts
    }

    /// Writes `<base>.json` and `<base>.csv` (the result, as `EvaluationResult.write`) and
    /// `<base>.records.json` (every image's record), each atomically.
    public func write(to base: String) throws {
        try result.write(to: base)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write([UInt8](try encoder.encode(records)), to: base + ".records.json")
    }
}
