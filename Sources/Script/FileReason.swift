#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

/// Why a file could not be read, in the operating system's words ("No such file or directory",
/// "Permission denied"), for messages that name the file and the reason.
public enum FileReason {
    /// Asked after a read failed: the first of stat's and access's complaints, a directory, or,
    /// when the file itself is fine, that its bytes are not UTF-8 text.
    public static func describe(path: String) -> String {
        var info = stat()
        if stat(path, &info) != 0 { return String(cString: strerror(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return "it is a directory" }
        if access(path, R_OK) != 0 { return String(cString: strerror(errno)) }
        return "it is not UTF-8 text"
    }

    /// The whole file as text, or an error naming the path and the reason.
    public static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw BuiltinError("cannot read '\(path)': \(describe(path: path))")
        }
        return text
    }
}
