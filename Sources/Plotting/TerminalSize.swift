import Foundation

/// The size of the terminal standard output is attached to.
public enum TerminalSize {
    /// Columns and rows from `TIOCGWINSZ`; 80x24 when standard output is not a
    /// terminal. One row is left for the prompt that follows the plot.
    public static func current() -> (columns: Int, rows: Int) {
        var size = winsize()
        guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0,
              size.ws_col > 0, size.ws_row > 0 else {
            return (80, 24)
        }
        return (max(Int(size.ws_col), 10), max(Int(size.ws_row) - 1, 5))
    }

    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}
