/// Everything the benchmark layer can refuse, with what a user needs to fix it.
public enum BenchmarkError: Error, CustomStringConvertible, Equatable {
    /// A dataset file whose entry lacks a field or holds the wrong type.
    case malformedEntry(file: String, entry: String, field: String, message: String)
    /// A dataset file that cannot be read or parsed at all.
    case unreadableFile(file: String, message: String)
    /// A path in a dataset file that would leave the dataset's folder.
    case pathOutsideDataset(file: String, entry: String, path: String, root: String)
    /// A referenced file that does not exist.
    case missingFile(file: String, entry: String, path: String)
    /// An argument outside its domain.
    case invalidArgument(op: String, message: String)
    /// The external negative generator failed.
    case generatorFailed(command: String, message: String)
    /// Result files that cannot be merged.
    case mergeConflict(message: String)

    public var description: String {
        switch self {
        case let .malformedEntry(file, entry, field, message):
            return "\(file): entry \(entry): field '\(field)': \(message)"
        case let .unreadableFile(file, message):
            return "\(file): \(message)"
        case let .pathOutsideDataset(file, entry, path, root):
            return "\(file): entry \(entry): path '\(path)' resolves outside the dataset folder \(root); refused"
        case let .missingFile(file, entry, path):
            return "\(file): entry \(entry): file not found: \(path)"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .generatorFailed(command, message):
            return "negative generator `\(command)`: \(message)"
        case let .mergeConflict(message):
            return "cannot merge shard results: \(message)"
        }
    }
}
