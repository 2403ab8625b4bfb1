import Foundation

/// Drawing figures to files and to the terminal.
extension Gnuplot {
    /// Writes `figure` to `path`: `.png` (pngcairo) or `.svg`, by extension. The file
    /// appears complete or not at all: gnuplot draws to a temporary name in the same
    /// directory, which is renamed over `path` once gnuplot finished without error.
    public func save(_ figure: Figure, to path: String) throws {
        let size = figure.size ?? FigureLayout.defaultSize(for: figure)
        let terminal: Terminal
        switch (path as NSString).pathExtension.lowercased() {
        case "png": terminal = .png(size)
        case "svg": terminal = .svg(size)
        default: throw PlotError.unsupportedFormat(path: path)
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        // Missing folders are made, as save, write_image and the result files make theirs.
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PlotError.file(path: path, message: "cannot make the folder \(directory): \(Self.reason(error))")
        }
        let staging = "\(directory)/.\(url.lastPathComponent).\(UUID().uuidString).tmp"
        defer { unlink(staging) }
        try draw(figure, terminal: terminal, output: staging)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: staging),
              let bytes = attributes[.size] as? NSNumber, bytes.intValue > 0 else {
            throw PlotError.gnuplotFailed(message: "gnuplot wrote no \(path)")
        }
        guard rename(staging, path) == 0 else {
            throw PlotError.file(path: path, message: "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// The operating system's words for why a folder could not be made ("Not a directory").
    static func reason(_ error: Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }

    /// The figure as a text plot of `columns` x `rows` characters (gnuplot's dumb
    /// terminal). gnuplot draws no images in text, so image figures become
    /// character-shade pictures drawn here.
    /// `colours` says what the terminal shows: images in colour half blocks and curves in their
    /// colours, or grey characters and one colour.
    public func text(_ figure: Figure, columns: Int, rows: Int, colours: TerminalColours = .none) throws -> String {
        guard columns >= 10, rows >= 5 else {
            throw PlotError.invalidData("a text plot needs at least 10x5 characters, got \(columns)x\(rows)")
        }
        if case let .images(grid) = figure.content {
            return TextImage.render(grid, title: figure.title, columns: columns, rows: rows, colours: colours)
        }
        let directory = try makeScratch()
        let output = directory.file("plot.txt")
        try draw(figure, terminal: .dumb(columns: columns, rows: rows, colours: colours), output: output, in: directory)
        guard let text = try? String(contentsOfFile: output, encoding: .utf8) else {
            throw PlotError.gnuplotFailed(message: "gnuplot wrote no text plot")
        }
        return Self.tidyTextPlot(text)
    }

    /// gnuplot's dumb terminal starts the page with a form feed (even with `nofeed`),
    /// pads every line with spaces and leaves the last line unterminated: drop the form
    /// feed and the padding, end every line, keep the line count.
    static func tidyTextPlot(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{0C}", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> String in
                var s = Substring(line)
                while let last = s.last, last == " " || last == "\r" { s = s.dropLast() }
                return String(s)
            }
            .joined(separator: "\n") + "\n"
    }

    /// The figure as sixel graphics for a terminal that shows them, or nil when this
    /// gnuplot has no sixel terminal.
    public func sixel(_ figure: Figure) throws -> String? {
        let directory = try makeScratch()
        let output = directory.file("plot.six")
        let size = figure.size ?? FigureLayout.defaultSize(for: figure)
        do {
            try draw(figure, terminal: .sixel(size), output: output, in: directory)
        } catch let PlotError.gnuplot(message, _) where message.contains("unknown or ambiguous terminal type") {
            return nil
        }
        guard let data = FileManager.default.contents(atPath: output), !data.isEmpty else {
            throw PlotError.gnuplotFailed(message: "gnuplot wrote no sixel output")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// What to print for `figure` at the prompt: sixel graphics when asked for and
    /// available, otherwise a text plot sized to the terminal (80x24 when standard
    /// output is not a terminal, so a piped script shows the same plot).
    public func inline(_ figure: Figure, sixel wantSixel: Bool = false, colours: TerminalColours = .none) throws -> String {
        if wantSixel, TerminalSize.standardOutputIsTerminal, let graphics = try sixel(figure) {
            return graphics
        }
        let size = TerminalSize.current()
        return try text(figure, columns: size.columns, rows: size.rows, colours: colours)
    }

    private func draw(_ figure: Figure, terminal: Terminal, output: String) throws {
        let directory = try makeScratch()
        try draw(figure, terminal: terminal, output: output, in: directory)
    }

    private func draw(_ figure: Figure, terminal: Terminal, output: String, in directory: TemporaryDirectory) throws {
        let script = try GnuplotScript(figure: figure, terminal: terminal, output: output)
        try run(tables: script.tables, in: directory) { paths in script.commands(tablePaths: paths) }
    }
}
