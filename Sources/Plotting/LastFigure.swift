import Synchronization

/// The figure drawn most recently, so `savefig(path)` can write it after the fact.
public enum LastFigure {
    private static let storage = Mutex<Figure?>(nil)

    public static func set(_ figure: Figure) { storage.withLock { $0 = figure } }

    public static var current: Figure? { storage.withLock { $0 } }

    public static func clear() { storage.withLock { $0 = nil } }
}
