import Foundation
import Tensors

/// Which protocol turns item scores into metrics.
public enum MetricProtocol: String, Codable, CaseIterable, Sendable {
    /// scores[c][i], 2x2 -> text, image, group.
    case winoground
    /// scores[0] over the set's images, target [t] -> image_r1.
    case imageCoDe = "imagecode"
    /// scores[0] over the caption options, target [trueIndex], group -> accuracy, macro_accuracy.
    case aro
    /// Items are gallery images: scores[0] = text-retrieval scores of every caption for this
    /// image, scores[1] = image-retrieval scores of every caption with this image; target = the
    /// image's own caption indices -> text_r1, text_r5, image_r1, image_r5.
    case retrieval
    /// gen_eval: items are captions, scores one row of outcomes per generated image
    /// (`generationColumns`) -> object, colour, binding, relation, count, all, unparseable.
    case generation
    /// edit_eval: items are edits, scores [[success, preservation, unparseable]], group the edit
    /// kind -> success, preservation, unparseable, and success and preservation per kind.
    case editing
}

/// The raw scores of one item, kept in result files so that shards can be merged and metrics
/// recomputed exactly.
public struct ItemScores: Codable, Equatable, Sendable {
    /// Position in the full (unsharded) dataset.
    public var index: Int
    public var id: String
    public var scores: [[Double]]
    public var target: [Int]
    public var group: String?

    public init(index: Int, id: String, scores: [[Double]], target: [Int] = [], group: String? = nil) {
        self.index = index
        self.id = id
        self.scores = scores
        self.target = target
        self.group = group
    }
}

/// A metric with its bootstrap confidence interval and the number of units behind it.
public struct MetricValue: Codable, Equatable, Sendable {
    public var name: String
    public var value: Double
    public var low: Double
    public var high: Double
    public var count: Int

    public init(name: String, value: Double, low: Double, high: Double, count: Int) {
        self.name = name
        self.value = value
        self.low = low
        self.high = high
        self.count = count
    }
}

/// `[k, n]`: this process evaluates part k of n (contiguous, nearly equal blocks of items).
public struct Shard: Codable, Equatable, Sendable {
    public var index: Int
    public var count: Int

    public init(_ index: Int, of count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw BenchmarkError.invalidArgument(op: "shard", message: "shard [k, n] needs 0 <= k < n, got [\(index), \(count)]")
        }
        self.index = index
        self.count = count
    }

    /// Items k·N/n ..< (k+1)·N/n: every item in exactly one shard, sizes differing by at most one.
    public func range(total: Int) -> Range<Int> {
        let n = max(0, total)
        return (index * n / count)..<((index + 1) * n / count)
    }
}

/// One method on one task: its settings, every item's scores, and the metrics they give.
/// Written as JSON (everything) and CSV (the metrics); shard files merge into the unsharded result.
public struct EvaluationResult: Codable, Equatable, Sendable {
    public var method: String
    public var task: String
    public var metricProtocol: MetricProtocol
    public var totalItems: Int
    public var shard: Shard?
    /// The scoring settings (samples, seed, norm...), recorded as given; shards must agree on them.
    public var settings: [String: String]
    public var bootstrap: BootstrapSettings
    public var macroPolicy: MacroPolicy
    public var items: [ItemScores]
    public var metrics: [MetricValue]

    enum CodingKeys: String, CodingKey {
        case method, task, metricProtocol = "protocol", totalItems = "total_items", shard, settings, bootstrap
        case macroPolicy = "macro_policy", items, metrics
    }

    /// Computes the metrics of `items` (sorted by index). For a shard of a retrieval task the
    /// gallery is incomplete, so its metrics are left for the merge.
    public init(method: String, task: String, protocol metricProtocol: MetricProtocol, totalItems: Int,
                shard: Shard? = nil, settings: [String: String] = [:], bootstrap: BootstrapSettings = BootstrapSettings(),
                macroPolicy: MacroPolicy = .all, items: [ItemScores]) throws {
        self.method = method
        self.task = task
        self.metricProtocol = metricProtocol
        self.totalItems = totalItems
        self.shard = shard
        self.settings = settings
        self.bootstrap = bootstrap
        self.macroPolicy = macroPolicy
        self.items = items.sorted { $0.index < $1.index }
        guard totalItems >= 0 else {
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "total item count must be non-negative, got \(totalItems)")
        }
        for (a, b) in zip(self.items, self.items.dropFirst()) where a.index == b.index {
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "item \(a.index) appears twice")
        }
        if let bad = self.items.first(where: { $0.index < 0 || $0.index >= totalItems }) {
            throw BenchmarkError.invalidArgument(op: "evaluate", message: "item index \(bad.index) outside 0..<\(totalItems)")
        }
        let partialGallery = metricProtocol == .retrieval && self.items.count < totalItems
        metrics = partialGallery ? [] : try computeMetrics(metricProtocol, self.items, bootstrap: bootstrap, macro: macroPolicy)
    }

    public func metric(_ name: String) -> MetricValue? { metrics.first { $0.name == name } }

    // MARK: Files

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = Self.nonFinite.encoding
        return try encoder.encode(self)
    }

    /// One row per metric: method, task, metric, value, ci_low, ci_high, n, shard.
    public func csv() -> String {
        var lines = ["method,task,metric,value,ci_low,ci_high,n,shard"]
        let shardText = shard.map { "\($0.index)/\($0.count)" } ?? ""
        for m in metrics {
            lines.append([method, task, m.name, format(m.value), format(m.low), format(m.high), String(m.count), shardText]
                .map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `<base>.json` and `<base>.csv`, each atomically.
    public func write(to base: String) throws {
        try AtomicFile.write([UInt8](try jsonData()), to: base + ".json")
        try AtomicFile.write(Array(csv().utf8), to: base + ".csv")
    }

    /// A metric of no items (a shard past the end of a small dataset) is NaN, which JSON has no
    /// number for: written as the string "nan", as the CSV writes it.
    static let nonFinite = (encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"),
                            decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"))

    public static func read(_ path: String) throws -> EvaluationResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError.unreadableFile(file: path, message: "cannot read file")
        }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = Self.nonFinite.decoding
            return try decoder.decode(EvaluationResult.self, from: data)
        } catch {
            throw BenchmarkError.unreadableFile(file: path, message: "not an evaluation result: \(describeDecodingError(error))")
        }
    }

    // MARK: Merging

    /// Joins the shard results of one run into the result an unsharded run gives: same method,
    /// task, protocol, settings and shard count; every shard once; every item once. `sources`
    /// (file names, one per part) let the errors say where a doubled shard came from.
    public static func merge(_ parts: [EvaluationResult], sources: [String]? = nil) throws -> EvaluationResult {
        let names = sources.flatMap { $0.count == parts.count ? $0 : nil } ?? parts.indices.map { "result \($0 + 1) of the list" }
        guard let first = parts.first else { throw BenchmarkError.mergeConflict(message: "no shard results given") }
        for p in parts.dropFirst() {
            for (what, a, b) in [("method", p.method, first.method), ("task", p.task, first.task),
                                 ("protocol", p.metricProtocol.rawValue, first.metricProtocol.rawValue)] where a != b {
                throw BenchmarkError.mergeConflict(message: "\(what) differs: '\(b)' vs '\(a)'")
            }
            guard p.totalItems == first.totalItems else {
                throw BenchmarkError.mergeConflict(message: "total item count differs: \(first.totalItems) vs \(p.totalItems)")
            }
            guard p.settings == first.settings, p.bootstrap == first.bootstrap, p.macroPolicy == first.macroPolicy else {
                throw BenchmarkError.mergeConflict(message: "settings differ between shards (\(first.settings) vs \(p.settings))")
            }
        }
        let shards = parts.compactMap(\.shard)
        if shards.count == parts.count, let n = shards.first?.count {
            guard shards.allSatisfy({ $0.count == n }) else {
                throw BenchmarkError.mergeConflict(message: "shard counts differ: \(shards.map(\.count))")
            }
            try ShardFiles.checkComplete(zip(shards, names).map { ($0, $1) }, of: n)
        }
        var seen = Set<Int>()
        var items: [ItemScores] = []
        for p in parts {
            for item in p.items {
                guard seen.insert(item.index).inserted else {
                    throw BenchmarkError.mergeConflict(message: "item \(item.index) appears in more than one shard")
                }
                items.append(item)
            }
        }
        let missing = (0..<first.totalItems).filter { !seen.contains($0) }
        guard missing.isEmpty, items.count == first.totalItems else {
            throw BenchmarkError.mergeConflict(
                message: "items missing: \(missing.prefix(10).map(String.init).joined(separator: ", "))\(missing.count > 10 ? ", ..." : "") of \(first.totalItems)")
        }
        return try EvaluationResult(method: first.method, task: first.task, protocol: first.metricProtocol,
                                    totalItems: first.totalItems, shard: nil, settings: first.settings,
                                    bootstrap: first.bootstrap, macroPolicy: first.macroPolicy, items: items)
    }
}

func format(_ x: Double) -> String {
    x.isNaN ? "nan" : String(x)
}

func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func describeDecodingError(_ error: Error) -> String {
    guard let e = error as? DecodingError else { return String(describing: error) }
    func path(_ c: DecodingError.Context) -> String {
        c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch e {
    case let .keyNotFound(key, c): return "missing key '\(key.stringValue)' at \(path(c).isEmpty ? "top level" : path(c))"
    case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c):
        return "\(c.debugDescription) at \(path(c).isEmpty ? "top level" : path(c))"
    @unknown default: return String(describing: e)
    }
}
