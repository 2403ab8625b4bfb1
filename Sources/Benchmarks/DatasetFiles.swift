import Foundation

/// File access shared by the readers: reading a dataset file, resolving an entry's image path
/// inside the dataset folder (and refusing one that leaves it), and typed JSON fields whose
/// errors name the file, the entry and the field.
struct DatasetFolder {
    let root: String
    private let resolvedRoot: String

    init(_ root: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw BenchmarkError.unreadableFile(file: root, message: "dataset folder not found")
        }
        self.root = root
        resolvedRoot = Self.resolve(root)
    }

    static func resolve(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// `relative` joined to `base` (a folder inside the dataset, default the root); refused when
    /// the result, symlinks followed, is not inside the dataset folder.
    func resolve(_ relative: String, in base: String? = nil, file: String, entry: String) throws -> String {
        guard !relative.isEmpty, !relative.contains("\0") else {
            throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "path", message: "empty image path")
        }
        let joined = relative.hasPrefix("/") ? relative : (base ?? root) + "/" + relative
        let resolved = Self.resolve(joined)
        guard resolved.hasPrefix(resolvedRoot + "/") else {
            throw BenchmarkError.pathOutsideDataset(file: file, entry: entry, path: relative, root: root)
        }
        return resolved
    }

    /// The first of `candidates` (already resolved) that exists.
    func existing(_ candidates: [String], file: String, entry: String) throws -> String {
        for c in candidates where FileManager.default.fileExists(atPath: c) { return c }
        throw BenchmarkError.missingFile(file: file, entry: entry, path: candidates.first ?? "")
    }

    func read(_ name: String) throws -> (path: String, data: Data) {
        let path = name.hasPrefix("/") ? name : root + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError.unreadableFile(file: path, message: "cannot read file")
        }
        return (path, data)
    }
}

/// A parsed JSON value. Decoded with Swift's strict decoder, so `0` is never mistaken for
/// `false` (Foundation's JSONSerialization returns both as NSNumber on Linux).
enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    var array: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    var object: [String: JSONValue]? { if case let .object(o) = self { return o }; return nil }
    var string: String? { if case let .string(s) = self { return s }; return nil }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

func parseJSON(_ data: Data, file: String) throws -> JSONValue {
    do {
        return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
        throw BenchmarkError.unreadableFile(file: file, message: "not valid JSON: \(describeDecodingError(error))")
    }
}

/// One JSON object of a dataset file, with accessors that throw `malformedEntry`.
struct JSONEntry {
    let file: String
    let entry: String
    let object: [String: JSONValue]

    init(_ value: JSONValue, file: String, entry: String) throws {
        guard let o = value.object else {
            throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "(entry)", message: "expected a JSON object, got \(value.typeName)")
        }
        self.file = file
        self.entry = entry
        object = o
    }

    func fail(_ field: String, _ message: String) -> BenchmarkError {
        .malformedEntry(file: file, entry: entry, field: field, message: message)
    }

    func has(_ key: String) -> Bool {
        if let v = object[key], case .null = v { return false }
        return object[key] != nil
    }

    func value(_ key: String) throws -> JSONValue {
        guard has(key), let v = object[key] else { throw fail(key, "missing") }
        return v
    }

    func string(_ key: String) throws -> String {
        let v = try value(key)
        guard let s = v.string else { throw fail(key, "expected a string, got \(v.typeName)") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    func number(_ key: String) throws -> Double {
        let v = try value(key)
        guard case let .number(d) = v else { throw fail(key, "expected a number, got \(v.typeName)") }
        return d
    }

    /// Ids are strings or integers in the published files; both become text.
    func idText(_ key: String) throws -> String {
        let v = try value(key)
        switch v {
        case let .string(s): return s
        case let .number(d) where d == d.rounded() && abs(d) < 1e15: return String(Int(d))
        default: throw fail(key, "expected an id (string or integer), got \(v.typeName)")
        }
    }

    func strings(_ key: String) throws -> [String] {
        let v = try value(key)
        guard let a = v.array else { throw fail(key, "expected a list of strings, got \(v.typeName)") }
        return try a.enumerated().map { k, x in
            guard let s = x.string else { throw fail("\(key)[\(k)]", "expected a string, got \(x.typeName)") }
            return s
        }
    }
}
