import Foundation

/// A private directory for one plot's data files, removed with everything in it when
/// the value is released, on success and on error alike.
final class TemporaryDirectory {
    let path: String

    /// A new directory under `parent`, else `$TMPDIR`, else /tmp.
    init(in parent: String? = nil, prefix: String = "sn-plot") throws {
        let base = parent ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let baseAddress = buffer.baseAddress else { return false }
            return mkdtemp(baseAddress) != nil
        }
        guard made else {
            throw PlotError.file(path: base, message: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        path = template.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { String(cString: $0) } ?? ""
        }
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
