import Foundation

/// Where the shards of one evaluation are written and how a merge finds them: shard k of n of
/// `<base>` is `<base>.shard-<k>-of-<n>.json` (and `.csv`), so the set names its own size and a
/// merge can tell a missing or doubled shard from a complete set.
public enum ShardFiles {
    /// `<base>.shard-<k>-of-<n>` for a shard; `base` itself for an unsharded result.
    public static func base(_ base: String, shard: Shard?) -> String {
        guard let shard else { return base }
        return "\(base).shard-\(shard.index)-of-\(shard.count)"
    }

    /// The shard files of `base`, in shard order, after checking that they form one complete set:
    /// one shard count, every shard 0..<n present exactly once. Errors name the missing or
    /// doubled shards and the files involved.
    public static func find(_ base: String) throws -> [(shard: Shard, path: String)] {
        let url = URL(fileURLWithPath: base)
        let folder = url.deletingLastPathComponent().path, stem = url.lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw BenchmarkError.mergeConflict(message: "cannot list the folder \(folder) to find the shards of \(stem)")
        }
        var found: [(shard: Shard, path: String)] = []
        for name in names.sorted() {
            guard let (k, n) = parse(name, stem: stem) else { continue }
            let path = (folder as NSString).appendingPathComponent(name)
            guard let shard = try? Shard(k, of: n) else {
                throw BenchmarkError.mergeConflict(message: "\(path) names shard \(k) of \(n), which does not exist (shards are 0..<n)")
            }
            found.append((shard, path))
        }
        guard let n = found.first?.shard.count else {
            throw BenchmarkError.mergeConflict(message: "no shard files \(stem).shard-<k>-of-<n>.json in \(folder)")
        }
        let counts = Set(found.map(\.shard.count))
        guard counts.count == 1 else {
            let byCount = counts.sorted().map { c in "\(c) (\(found.filter { $0.shard.count == c }.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")))" }
            throw BenchmarkError.mergeConflict(message: "the shard files of \(stem) are from runs with different shard counts: \(byCount.joined(separator: " and ")); remove the stale ones")
        }
        try checkComplete(found.map { ($0.shard, $0.path) }, of: n) { k in
            (folder as NSString).appendingPathComponent("\(stem).shard-\(k)-of-\(n).json")
        }
        return found.sorted { $0.shard.index < $1.shard.index }
    }

    /// Every shard 0..<n once: names a doubled shard with its sources, else the missing ones
    /// (with the file each should be, when `expected` says).
    static func checkComplete(_ parts: [(shard: Shard, source: String)], of n: Int, expected: ((Int) -> String)? = nil) throws {
        let doubled = Dictionary(grouping: parts, by: \.shard.index).filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        if let (k, copies) = doubled.first {
            throw BenchmarkError.mergeConflict(message: "shard \(k) of \(n) is given \(copies.count) times (\(copies.map(\.source).joined(separator: ", ")))")
        }
        let present = Set(parts.map(\.shard.index))
        let missing = (0..<n).filter { !present.contains($0) }
        if !missing.isEmpty {
            let which = missing.count == 1 ? "shard \(missing[0]) of \(n) is missing" : "shards \(missing.map(String.init).joined(separator: ", ")) of \(n) are missing"
            let files = expected.map { name in ": no " + missing.prefix(5).map(name).joined(separator: ", ") + (missing.count > 5 ? ", ..." : "") + "; rerun " + (missing.count == 1 ? "that array task" : "those array tasks") } ?? ""
            throw BenchmarkError.mergeConflict(message: "\(which) (\(parts.count) of \(n) present)\(files)")
        }
    }

    /// (k, n) of `<stem>.shard-<k>-of-<n>.json`, or nil for any other name.
    static func parse(_ name: String, stem: String) -> (Int, Int)? {
        let prefix = stem + ".shard-", suffix = ".json"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count).components(separatedBy: "-of-")
        guard middle.count == 2, middle.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy { $0.value >= 48 && $0.value <= 57 } }),
              let k = Int(middle[0]), let n = Int(middle[1]) else { return nil }
        return (k, n)
    }
}
