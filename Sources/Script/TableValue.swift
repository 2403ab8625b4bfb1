import Plotting

/// A table as a language value (what `table` returns): aligned text at the prompt and in
/// `print`, a Markdown or HTML table in reports. `t.markdown` gives the Markdown as a string.
public final class TableValue: HostValue {
    public let table: Table

    public init(_ table: Table) { self.table = table }

    public var typeName: String { "table" }
    public var memberNames: [String] { ["header", "rows", "note", "markdown", "html"] }

    public func member(_ name: String) throws -> Value? {
        switch name {
        case "header": return .list(table.header.map { .string($0) })
        case "rows": return .list(table.rows.map { .list($0.map { .string($0) }) })
        case "note": return table.note.map { .string($0) } ?? .none
        case "markdown": return .string(table.markdown)
        case "html": return .string(table.html)
        default: return nil
        }
    }

    /// Inside a list or record a table is too big to show whole.
    public var description: String {
        "<table: \(table.rows.count) row\(table.rows.count == 1 ? "" : "s"), \(table.header.count) columns>"
    }

    public func display(width: Int) -> String { table.text }
}
