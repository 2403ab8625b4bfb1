import Foundation

/// Reads gnuplot's standard error the way a person would: warnings are noise, an error
/// is a line `line N: message`, shown with the echoed command and caret above it.
enum GnuplotDiagnostics {
    /// gnuplot's error messages (without the `line N:` prefix, one per line) and the
    /// command it echoed for the first one; nil when it only warned or said nothing.
    static func error(in stderr: String) -> (message: String, command: String?)? {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var messages: [String] = []
        var command: String? = nil
        for (index, line) in lines.enumerated() {
            guard let text = errorText(line) else { continue }
            messages.append(text)
            // gnuplot echoes the failing command ("gnuplot> ...") and a caret line above.
            if command == nil, index >= 2, lines[index - 2].hasPrefix("gnuplot> "),
               lines[index - 1].trimmingCharacters(in: .whitespaces) == "^" {
                command = String(lines[index - 2].dropFirst("gnuplot> ".count))
            }
        }
        return messages.isEmpty ? nil : (messages.joined(separator: "\n"), command)
    }

    /// The message of an error line `... line N: message`; nil for warnings and other lines.
    private static func errorText(_ line: String) -> String? {
        guard let range = line.range(of: #"line [0-9]+: "#, options: .regularExpression) else { return nil }
        let text = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        return text.lowercased().hasPrefix("warning:") ? nil : text
    }
}
