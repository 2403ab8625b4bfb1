/// A gnuplot output device and its size.
enum Terminal: Equatable {
    case png(FigureSize)
    case svg(FigureSize)
    case sixel(FigureSize)
    /// gnuplot's text terminal, in character cells, with ANSI colours when the terminal has them.
    case dumb(columns: Int, rows: Int, colours: TerminalColours)

    /// The `set terminal` command. Text is `noenhanced` everywhere so labels show
    /// their characters as given (see `GnuplotString`).
    var command: String {
        switch self {
        case let .png(size):
            return "set terminal pngcairo size \(size.width),\(size.height) noenhanced font \"DejaVu Sans,11\" background \"white\""
        case let .svg(size):
            return "set terminal svg size \(size.width),\(size.height) fixed noenhanced font \"DejaVu Sans,12\" background \"white\""
        case let .sixel(size):
            return "set terminal sixelgd size \(size.width),\(size.height) truecolor noenhanced"
        case let .dumb(columns, rows, colours):
            let mode: String
            switch colours {
            case .trueColour: mode = " ansirgb"
            case .palette256: mode = " ansi256"
            case .none: mode = " mono"
            }
            return "set terminal dumb size \(columns),\(rows) noenhanced nofeed\(mode)"
        }
    }

    var isText: Bool {
        if case .dumb = self { return true }
        return false
    }
}
