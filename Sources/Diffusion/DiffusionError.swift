import Tensors

/// What the Diffusion module can refuse, with what a user needs to fix it: the file, the key,
/// the value or both shapes. (Weight-store problems keep their own `WeightError`.)
public enum DiffusionError: Error, CustomStringConvertible, Equatable {
    /// A file that cannot be read, or whose content is not what it should be.
    case file(path: String, message: String)
    /// A config entry with a value this code cannot use.
    case badConfig(path: String, key: String, message: String)
    /// A config entry that asks for something not implemented here.
    case unsupported(path: String, key: String, value: String)
    /// An argument outside its domain (a step count, a timestep, a length).
    case invalidArgument(op: String, message: String)
    /// Two tensors whose shapes should agree and do not.
    case shapeMismatch(op: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .file(path, message):
            return "\(path): \(message)"
        case let .badConfig(path, key, message):
            return "\(path): '\(key)' \(message)"
        case let .unsupported(path, key, value):
            return "\(path): '\(key)' = \(value) is not supported"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .shapeMismatch(op, expected, found):
            return "\(op): expected shape \(formatShape(expected)), found \(formatShape(found))"
        }
    }
}
