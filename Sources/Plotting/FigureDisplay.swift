import Foundation
import Synchronization

/// Where figures go when a script shows one without naming a file: printed at the prompt
/// (a text plot, or sixel graphics), or collected as PNG files while a report runs.
///
/// The report runner sets `.collect(directory:)` before running cells, and after each
/// cell takes the paths with `takeCollected()` for its `CellOutcome.figures`.
public enum FigureDisplay {
    public enum Mode: Sendable, Equatable {
        /// Return a text plot to print; sixel graphics instead when `sixel` and the output
        /// is a terminal and gnuplot can draw them.
        case inline(sixel: Bool)
        /// Save each figure as `figure-0001.png`, `figure-0002.png`... in `directory`.
        case collect(directory: String)
    }

    private struct State {
        var mode: Mode
        var collected: [String] = []
        var counter = 0
    }

    /// Sixel output is asked for with `SN_SIXEL=1`: whether a terminal shows sixel cannot
    /// be known without querying it, so the user says so.
    private static let state = Mutex(State(mode: .inline(
        sixel: ProcessInfo.processInfo.environment["SN_SIXEL"] == "1")))

    /// What the terminal on standard output shows, from the environment (`COLORTERM`,
    /// `NO_COLOR`, `TERM`); pictures at the prompt are drawn to suit it.
    public static let colours = TerminalColours.detect(environment: ProcessInfo.processInfo.environment,
                                                       isTerminal: TerminalSize.standardOutputIsTerminal)

    public static var mode: Mode {
        get { state.withLock { $0.mode } }
        set {
            state.withLock {
                $0.mode = newValue
                $0.collected = []
                $0.counter = 0
            }
        }
    }

    /// Shows `figure` and remembers it as the last figure. Returns what to print: the
    /// text plot or sixel in inline mode, "" when the figure was collected as a file.
    public static func show(_ figure: Figure, with gnuplot: Gnuplot = Gnuplot()) throws -> String {
        LastFigure.set(figure)
        switch mode {
        case let .inline(sixel):
            return try gnuplot.inline(figure, sixel: sixel, colours: colours)
        case let .collect(directory):
            let path = nextPath(in: directory, extension: "png")
            try gnuplot.save(figure, to: path)
            state.withLock { $0.collected.append(path) }
            return ""
        }
    }

    /// A figure the script saved itself (`out:`): while a report runs it appears there too,
    /// from a copy taken now, since the script may write that file again later.
    public static func saved(_ path: String) throws {
        guard case let .collect(directory) = mode else { return }
        let ext = (path as NSString).pathExtension.lowercased()
        let target = nextPath(in: directory, extension: ext.isEmpty ? "png" : ext)
        do {
            try FileManager.default.copyItem(atPath: path, toPath: target)
        } catch {
            throw PlotError.file(path: path, message: "cannot copy the figure into the report: \(error.localizedDescription)")
        }
        state.withLock { $0.collected.append(target) }
    }

    /// `figure-0001.png`, `figure-0002.png`...: one number per figure of the run.
    private static func nextPath(in directory: String, extension ext: String) -> String {
        let index = state.withLock { s -> Int in
            s.counter += 1
            return s.counter
        }
        let number = String(index)
        return "\(directory)/figure-\(String(repeating: "0", count: max(0, 4 - number.count)))\(number).\(ext)"
    }

    /// The figures collected since the last call, in order.
    public static func takeCollected() -> [String] {
        state.withLock { s in
            let paths = s.collected
            s.collected = []
            return paths
        }
    }
}
