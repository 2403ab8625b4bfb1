#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Tensors

/// Facts about the terminal the session talks to.
public enum Terminal {
    public static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) != 0 }
    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Columns of the terminal on stdout (or $COLUMNS, or 80).
    public static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), c > 0 { return c }
        return 80
    }

    public static func writeError(_ text: String) {
        ProgressMeter.endLine()
        fflush(nil)
        FileHandle.standardError.write(Data(text.utf8))
    }
}
