@preconcurrency import Glibc

/// Writes a file so that readers see either the old content or the complete new one:
/// the bytes go to a temporary file in the same directory, are flushed, then renamed
/// over the destination. A failure part-way leaves the destination untouched.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { (out: inout FileOutput) in
            try bytes.withUnsafeBytes { try out.write($0) }
        }
    }

    /// Streams content into `path` atomically through `body`.
    public static func write(to path: String, _ body: (inout FileOutput) throws -> Void) throws {
        try replace(path) { temporaryPath in
            let fd = open(temporaryPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { throw TensorError.file(path: path, message: "cannot open for writing: \(errnoText())") }
            var out = FileOutput(fd: fd, path: path)
            do {
                try body(&out)
                guard fsync(fd) == 0 else { throw TensorError.file(path: path, message: "cannot flush: \(errnoText())") }
            } catch {
                close(fd)
                throw error
            }
            guard close(fd) == 0 else { throw TensorError.file(path: path, message: "cannot close: \(errnoText())") }
        }
    }

    /// For writers that take a file name (libpng): `body` writes the temporary path,
    /// which is then renamed over `path`.
    public static func write(to path: String, viaTemporaryPath body: (String) throws -> Void) throws {
        try replace(path, using: body)
    }

    private static func replace(_ path: String, using body: (String) throws -> Void) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { throw TensorError.file(path: path, message: "not a file name") }
        try makeDirectories(directory, for: path)
        var temporaryPath = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            temporaryPath = "\(directory.isEmpty ? "" : directory)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw TensorError.file(path: path, message: "cannot create a temporary file in \(directory): \(errnoText())")
        }
        close(fd)
        do {
            try body(temporaryPath)
            guard rename(temporaryPath, path) == 0 else {
                throw TensorError.file(path: path, message: "cannot rename the temporary file into place: \(errnoText())")
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }
}

extension AtomicFile {
    /// Creates `directory` and its missing parents, as `mkdir -p`: every writer (models, plots,
    /// results, checkpoints) treats a missing folder alike.
    static func makeDirectories(_ directory: String, for path: String) throws {
        guard !directory.isEmpty else { return }
        let parts = directory.split(separator: "/")
        for end in parts.indices {
            let folder = (directory.hasPrefix("/") ? "/" : "") + parts[...end].joined(separator: "/")
            if mkdir(folder, 0o755) != 0, errno != EEXIST {
                throw TensorError.file(path: path, message: "cannot create the folder \(folder): \(errnoText())")
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw TensorError.file(path: path, message: "\(directory) is not a folder")
        }
    }
}

/// An open file descriptor that writes everything it is given or throws.
public struct FileOutput {
    let fd: Int32
    let path: String

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = Glibc.write(fd, p, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw TensorError.file(path: path, message: "write failed: \(errnoText())")
            }
            p += n
            remaining -= n
        }
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// The current `errno` in words.
func errnoText() -> String {
    String(cString: strerror(errno))
}
