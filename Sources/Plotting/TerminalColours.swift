/// How many colours the terminal standard output goes to can show; decides how pictures and
/// text plots are drawn at the prompt.
public enum TerminalColours: Sendable, Equatable {
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`): `ESC[38;2;r;g;bm`.
    case trueColour
    /// The xterm 256-colour palette, which nearly every terminal emulator shows: `ESC[38;5;nm`.
    case palette256
    /// No colour: pictures as grey characters, plots in one colour.
    case none

    /// `NO_COLOR` (set and not empty, https://no-color.org), a `dumb` terminal, or output that is
    /// not a terminal mean none; `COLORTERM=truecolor|24bit` means 24-bit; any other terminal 256.
    public static func detect(environment: [String: String], isTerminal: Bool) -> TerminalColours {
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return .none }
        guard isTerminal, environment["TERM"] != "dumb" else { return .none }
        let colourTerm = (environment["COLORTERM"] ?? "").lowercased()
        return colourTerm == "truecolor" || colourTerm == "24bit" ? .trueColour : .palette256
    }

    /// The SGR parameters that set the foreground (`background: false`) or background colour to
    /// the nearest the terminal has: `38;2;255;0;0` or `38;5;196`.
    func parameters(_ colour: RGB8, background: Bool) -> String {
        switch self {
        case .trueColour: return "\(background ? 48 : 38);2;\(colour.r);\(colour.g);\(colour.b)"
        case .palette256: return "\(background ? 48 : 38);5;\(Self.paletteIndex(colour))"
        case .none: return ""
        }
    }

    /// The xterm palette entry nearest to `colour`: the 6x6x6 cube (16...231, levels 0, 95, 135,
    /// 175, 215, 255) or the grey ramp (232...255, 8 + 10 i), whichever is closer.
    static func paletteIndex(_ colour: RGB8) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ v: Int) -> Int {
            var best = 0
            for i in levels.indices where abs(levels[i] - v) < abs(levels[best] - v) { best = i }
            return best
        }
        let (r, g, b) = (Int(colour.r), Int(colour.g), Int(colour.b))
        let (ri, gi, bi) = (nearestLevel(r), nearestLevel(g), nearestLevel(b))
        func distance(_ x: (Int, Int, Int)) -> Int { (x.0 - r) * (x.0 - r) + (x.1 - g) * (x.1 - g) + (x.2 - b) * (x.2 - b) }
        let cube = distance((levels[ri], levels[gi], levels[bi]))
        let greyStep = min(max(((r + g + b) / 3 - 8 + 5) / 10, 0), 23)
        let grey = 8 + 10 * greyStep
        return distance((grey, grey, grey)) < cube ? 232 + greyStep : 16 + 36 * ri + 6 * gi + bi
    }
}

/// One pixel, 8 bits per channel.
struct RGB8: Equatable {
    var r: UInt8, g: UInt8, b: UInt8
}
