/// Everything plotting and reporting can refuse, in words a user can act on.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// No gnuplot executable where one was expected.
    case gnuplotNotFound(binary: String)
    /// gnuplot could not be started, or died before reading its commands.
    case gnuplotFailed(message: String)
    /// gnuplot ran and reported an error: `message` is gnuplot's own text, `command`
    /// the generated command it refused (for debugging; not part of the description).
    case gnuplot(message: String, command: String?)
    /// Data that cannot be plotted (empty, mismatched lengths, wrong image shape).
    case invalidData(String)
    /// An output path whose extension names no format we write.
    case unsupportedFormat(path: String)
    /// A file or directory that could not be read or written.
    case file(path: String, message: String)

    public var description: String {
        switch self {
        case let .gnuplotNotFound(binary):
            return "gnuplot not found (looked for '\(binary)'); install it, e.g. `apt-get install gnuplot-nox`"
        case let .gnuplotFailed(message):
            return "gnuplot failed: \(message)"
        case let .gnuplot(message, _):
            return "gnuplot error: \(message)"
        case let .invalidData(message):
            return "cannot plot: \(message)"
        case let .unsupportedFormat(path):
            return "\(path): unknown figure format; use .png or .svg"
        case let .file(path, message):
            return "\(path): \(message)"
        }
    }
}
