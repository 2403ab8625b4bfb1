/// The builtin part of `docs/language.md`, generated from the registry (`sn --doc-builtins`):
/// every builtin grouped by area as `help()` groups them, with the signature, the doc line and
/// the parameter types `help(name)` shows. A test fails when the committed file differs.
public enum BuiltinReference {
    public static let beginMarker = "<!-- BEGIN builtins: generated from the builtin registry by `sn --doc-builtins docs/language.md`; edit the docs in Sources/Script/Builtins, not here -->"
    public static let endMarker = "<!-- END builtins -->"

    /// The generated section, markers excluded.
    public static func markdown(areas: [(name: String, builtins: [Builtin])] = BuiltinRegistry.areas) -> String {
        var out = ""
        for area in areas where !area.builtins.isEmpty {
            out += "### \(area.name)\n\n"
            // An explicit anchor per builtin: a heading's own anchor could clash with an area's
            // (`list` and `lists` are close) or a section of the hand-written half.
            out += area.builtins.map { "[`\($0.name)`](#builtin-\($0.name))" }.joined(separator: " · ") + "\n\n"
            for b in area.builtins {
                out += "<a id=\"builtin-\(b.name)\"></a>\n#### \(b.name)\n\n"
                out += "```\n\(b.signature)\n```\n\n"
                out += b.doc + "\n\n"
                let typed = b.parameters.filter { if case .any = $0.type { return false } else { return true } }
                if !typed.isEmpty {
                    out += "Parameters: " + typed.map { "`\($0.name)` \($0.type.name)" }.joined(separator: "; ") + ".\n\n"
                }
            }
        }
        return out
    }

    /// `document` with everything between the markers replaced by the generated section.
    public static func updated(_ document: String) throws -> String {
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker, range: begin.upperBound..<document.endIndex) else {
            throw BuiltinError("the document has no generated section: it needs the lines\n\(beginMarker)\n\(endMarker)")
        }
        return String(document[..<begin.upperBound]) + "\n\n" + markdown() + String(document[end.lowerBound...])
    }
}
