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

func parseJSON(_ data: Data, file: String) throws -> Any {
    do {
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
        throw BenchmarkError.unreadableFile(file: file, message: "not valid JSON: \(error.localizedDescription)")
    }
}

/// One JSON object of a dataset file, with accessors that throw `malformedEntry`.
struct JSONEntry {
    let file: String
    let entry: String
    let object: [String: Any]

    init(_ value: Any, file: String, entry: String) throws {
        guard let o = value as? [String: Any] else {
            throw BenchmarkError.malformedEntry(file: file, entry: entry, field: "(entry)", message: "expected a JSON object")
        }
        self.file = file
        self.entry = entry
        object = o
    }

    func fail(_ field: String, _ message: String) -> BenchmarkError {
        .malformedEntry(file: file, entry: entry, field: field, message: message)
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func string(_ key: String) throws -> String {
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        guard let s = v as? String else { throw fail(key, "expected a string, got \(typeName(v))") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    /// Numbers; integer ids are also accepted as strings of digits.
    func number(_ key: String) throws -> Double {
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        if v is Bool { throw fail(key, "expected a number, got a boolean") }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        if let n = v as? NSNumber { return n.doubleValue }
        throw fail(key, "expected a number, got \(typeName(v))")
    }

    func idText(_ key: String) throws -> String {
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        if let s = v as? String { return s }
        if let i = v as? Int { return String(i) }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        throw fail(key, "expected an id (string or integer), got \(typeName(v))")
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = object[key], !(v is NSNull) else { throw fail(key, "missing") }
        guard let a = v as? [Any] else { throw fail(key, "expected a list of strings, got \(typeName(v))") }
        return try a.enumerated().map { k, x in
            guard let s = x as? String else { throw fail("\(key)[\(k)]", "expected a string, got \(typeName(x))") }
            return s
        }
    }
}

func typeName(_ v: Any) -> String {
    switch v {
    case is String: return "a string"
    case is Bool: return "a boolean"
    case is Int, is Double, is NSNumber: return "a number"
    case is [Any]: return "a list"
    case is [String: Any]: return "an object"
    case is NSNull: return "null"
    default: return "\(type(of: v))"
    }
}
