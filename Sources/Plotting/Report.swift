// Notebook reports: run a script cell by cell and write what each cell did.
//
// API (the language wires `sn report` to this; nothing here knows the language):
//
//     let source = try String(contentsOfFile: "walk.sn", encoding: .utf8)
//     let scratch = ...a temporary directory...
//     FigureDisplay.mode = .collect(directory: scratch)  // plots become PNGs, not text
//     defer { FigureDisplay.mode = .inline(sixel: false) }
//     let report = Report.run(source: source, title: "walk", keepGoing: false) { cell in
//         // run cell.code (its first line is line cell.firstLine of the script),
//         // capturing what it printed; an error becomes a message
//         CellOutcome(output: printed, figures: FigureDisplay.takeCollected(), error: message)
//     }
//     try report.writeMarkdown(to: "out.md")   // figures copied to out_files/cell03-1.png ...
//     try report.writeHTML(to: "out.html")     // one file, figures embedded as base64
//
// - `ReportCell.split` cuts the script at lines starting with `# %%`; the rest of the
//   marker line is the cell's heading. `# %% [markdown]` cells hold prose in `#` comment
//   lines; they are shown, not run. Lines before the first marker form a cell without
//   a heading.
// - A cell whose outcome has an `error` shows it under its code; the run stops there
//   (the report says how many cells did not run) unless `keepGoing` is true.
// - `execute` may throw: the error's description becomes the cell's error.
// - Output is deterministic: the same cells and outcomes (and the same figure file
//   bytes) give byte-identical files. Nothing time- or path-dependent is written.
// - Files are written atomically; figure files of an earlier run of the same report
//   (named `cellNN-K.png`) are removed from the `_files` folder first.
import Foundation

/// A script run as a notebook: its cells, in order, each with what it produced.
public struct Report: Sendable, Equatable {
    /// One cell and, when it ran, its outcome.
    public struct Entry: Sendable, Equatable {
        /// 1-based position among the script's cells; figure files are named after it.
        public var number: Int
        public var cell: ReportCell
        /// nil for prose cells.
        public var outcome: CellOutcome?
    }

    public var title: String
    public var entries: [Entry]
    /// Cells left unrun because an earlier cell failed.
    public var notRun: Int

    public init(title: String, entries: [Entry], notRun: Int = 0) {
        self.title = title
        self.entries = entries
        self.notRun = notRun
    }

    /// Runs `source` cell by cell through `execute`.
    public static func run(source: String, title: String, keepGoing: Bool = false,
                           execute: (ReportCell) throws -> CellOutcome) -> Report {
        let cells = ReportCell.split(source)
        var entries: [Entry] = []
        for (index, cell) in cells.enumerated() {
            guard cell.kind == .code else {
                entries.append(Entry(number: index + 1, cell: cell, outcome: nil))
                continue
            }
            let outcome: CellOutcome
            do {
                outcome = try execute(cell)
            } catch {
                outcome = CellOutcome(error: String(describing: error))
            }
            entries.append(Entry(number: index + 1, cell: cell, outcome: outcome))
            if outcome.error != nil && !keepGoing {
                let remaining = cells[(index + 1)...].filter { $0.kind == .code }.count
                return Report(title: title, entries: entries, notRun: remaining)
            }
        }
        return Report(title: title, entries: entries)
    }

    /// `cell03-1.png`: the name a figure gets beside the report.
    static func figureFileName(cell: Int, figure: Int, sourcePath: String) -> String {
        let ext = (sourcePath as NSString).pathExtension.lowercased()
        let number = cell < 10 ? "0\(cell)" : "\(cell)"
        return "cell\(number)-\(figure).\(ext.isEmpty ? "png" : ext)"
    }

    /// The message that ends a report stopped by an error.
    var stopNote: String? {
        guard notRun > 0 else { return nil }
        return "Stopped at the error above; \(notRun) later cell\(notRun == 1 ? "" : "s") not run."
    }

    /// Checks that every figure file exists before anything is written.
    func checkFigures() throws {
        for entry in entries {
            for path in entry.outcome?.figures ?? [] where !FileManager.default.isReadableFile(atPath: path) {
                throw PlotError.file(path: path, message: "figure of cell \(entry.number) cannot be read")
            }
        }
    }
}

/// Writes a whole file or nothing: a temporary file in the same directory, then rename.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        guard FileManager.default.createFile(atPath: staging, contents: data) else {
            throw PlotError.file(path: path, message: "cannot write (does the directory exist?)")
        }
        guard rename(staging, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(staging)
            throw PlotError.file(path: path, message: "cannot write: \(reason)")
        }
    }
}
