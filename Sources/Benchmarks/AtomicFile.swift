import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Writes `data` to a temporary file beside `path`, then renames it over `path`: a reader sees
/// the old file or the new one, never half of one.
public func atomicWrite(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    let temp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    guard FileManager.default.createFile(atPath: temp, contents: data) else {
        throw BenchmarkError.unreadableFile(file: path, message: "cannot write (temporary file \(temp) could not be created)")
    }
    guard rename(temp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: temp)
        throw BenchmarkError.unreadableFile(file: path, message: "cannot write: \(reason)")
    }
}
