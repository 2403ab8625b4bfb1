@preconcurrency import CGnuplot
import Foundation

/// One gnuplot executable and how to drive it: tables go to binary files in a private
/// temporary directory, commands go through the pipe, and gnuplot's standard error goes
/// to a file that is read back, because gnuplot in pipe mode carries on (and exits 0)
/// after an error. Each call starts a fresh gnuplot (about 30 ms), so no state leaks
/// from one figure to the next.
public struct Gnuplot: Sendable {
    /// A path, or a name looked up in `$PATH`.
    public var binary: String
    /// Where each plot's private temporary directory is made; nil means `$TMPDIR` or /tmp.
    public var scratchDirectory: String?

    /// `binary`, else `$SN_GNUPLOT`, else `gnuplot` from `$PATH`.
    public init(binary: String? = nil, scratchDirectory: String? = nil) {
        let fromEnvironment = ProcessInfo.processInfo.environment["SN_GNUPLOT"].flatMap { $0.isEmpty ? nil : $0 }
        self.binary = binary ?? fromEnvironment ?? "gnuplot"
        self.scratchDirectory = scratchDirectory
    }

    func makeScratch() throws -> TemporaryDirectory { try TemporaryDirectory(in: scratchDirectory) }

    /// The full path of the executable, or `PlotError.gnuplotNotFound`.
    public func resolvedBinary() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let found = sn_gnuplot_resolve(binary, &buffer, buffer.count)
        guard found == 1 else { throw PlotError.gnuplotNotFound(binary: binary) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `tables` to binary files in `directory`, builds the commands from their
    /// paths, runs gnuplot, and throws gnuplot's own message if it reported an error.
    func run(tables: [DataTable], in directory: TemporaryDirectory,
             commands: ([String]) -> String) throws {
        let executable = try resolvedBinary()
        var paths: [String] = []
        for (index, table) in tables.enumerated() {
            let path = directory.file("table\(index).bin")
            try Self.write(table, to: path)
            paths.append(path)
        }
        try execute(executable, commands: commands(paths), stderrPath: directory.file("stderr.txt"))
    }

    private func execute(_ executable: String, commands: String, stderrPath: String) throws {
        var message = [CChar](repeating: 0, count: 1024)
        var exitStatus: Int32 = 0
        let rc = sn_gnuplot_run(executable, commands, stderrPath, &exitStatus, &message, message.count)
        let stderrText = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        if let error = GnuplotDiagnostics.error(in: stderrText) {
            throw PlotError.gnuplot(message: error.message, command: error.command)
        }
        guard rc == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PlotError.gnuplotFailed(message: text)
        }
    }

    private static func write(_ table: DataTable, to path: String) throws {
        guard !table.columns.isEmpty, table.rowCount > 0 else {
            throw PlotError.invalidData("no data points")
        }
        var message = [CChar](repeating: 0, count: 1024)
        let rc: Int32 = withColumnPointers(table.columns) { pointers in
            sn_gnuplot_write_columns(path, pointers, table.columns.count, table.rowCount, &message, message.count)
        }
        guard rc == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PlotError.file(path: path, message: text)
        }
    }
}

/// Calls `body` with a C array of pointers to each column's storage.
private func withColumnPointers<R>(_ columns: [[Double]],
                                   _ body: (UnsafePointer<UnsafePointer<Double>?>?) -> R) -> R {
    func nest(_ index: Int, _ collected: [UnsafePointer<Double>?]) -> R {
        if index == columns.count {
            return collected.withUnsafeBufferPointer { buffer in body(buffer.baseAddress) }
        }
        return columns[index].withUnsafeBufferPointer { column in
            nest(index + 1, collected + [column.baseAddress])
        }
    }
    return nest(0, [])
}
