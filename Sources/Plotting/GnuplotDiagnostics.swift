import Foundation

/// Reads gnuplot's standard error the way a person would: warnings are noise, an error
/// is a line `line N: message`, shown with the echoed command and caret above it.
enum GnuplotDiagnostics {
    /// gnuplot's error text, or nil when it only warned (or said nothing).
    static func error(in stderr: String) -> String? {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [String] = []
        for (index, line) in lines.enumerated() where isError(line) {
            var block: [String] = []
            // gnuplot echoes the failing command ("gnuplot> ...") and a caret line above.
            if index >= 2, lines[index - 2].hasPrefix("gnuplot> "),
               lines[index - 1].trimmingCharacters(in: .whitespaces) == "^" {
                block.append(lines[index - 2])
                block.append(lines[index - 1])
            }
            block.append(line.trimmingCharacters(in: .whitespaces))
            blocks.append(block.joined(separator: "\n"))
        }
        return blocks.isEmpty ? nil : blocks.joined(separator: "\n")
    }

    private static func isError(_ line: String) -> Bool {
        guard let range = line.range(of: #"line [0-9]+: "#, options: .regularExpression) else { return false }
        return !line[range.upperBound...].lowercased().hasPrefix("warning:")
    }
}
