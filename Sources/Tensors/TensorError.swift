/// Everything the tensor layer can refuse, with what a user needs to fix it.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// Two operands whose shapes do not fit together.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int])
    /// One operand whose shape is not what the operation needs.
    case badShape(op: String, expected: String, got: [Int])
    /// An argument outside its domain (an axis, an index, a size).
    case invalidArgument(op: String, message: String)
    /// A file that cannot be read or written, or whose content is not valid.
    case file(path: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(formatShape(lhs)) and \(formatShape(rhs)) do not fit together"
        case let .badShape(op, expected, got):
            return "\(op) expects \(expected), got \(formatShape(got))"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .file(path, message):
            return "\(path): \(message)"
        }
    }
}

/// `[2,3,4]`, the way shapes are written in every message.
public func formatShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ",") + "]"
}
