/// What edit_eval asks of each edited image, read by `SceneParser`.
///
/// - success: the edit took effect. The target caption is clearly true of the parsed scene
///   (shapes, colours and relation, `ShapesScene.truth`) and the source caption is not, so
///   drawing the target next to the untouched source does not count.
/// - preservation: nothing else changed. Every object of the source is still there (each parsed
///   object used once) with whatever the edit leaves alone: its shape always; its colour unless
///   the edit recolours it; its centre, within `tolerance` on each axis, unless the edit moves
///   it. So the untouched object keeps shape, colour and position; a recoloured object keeps its
///   shape and place; objects that swap places keep shape and colour.
///
/// An unparseable image fails both.
public struct EditChecks: Codable, Equatable, Sendable {
    public var success: Bool
    public var preservation: Bool
    public var unparseable: Bool

    public init(_ item: EditingItem, objects: [SceneObject]?, tolerance: Double) {
        guard let objects else {
            success = false
            preservation = false
            unparseable = true
            return
        }
        let parsed = ShapesScene(objects: objects, background: item.target.background)
        success = parsed.truth(of: item.targetCaption.meaning) == .isTrue && parsed.truth(of: item.sourceCaption.meaning) != .isTrue
        let kept: [(SceneObject) -> Bool] = zip(item.source.objects, item.target.objects).map { before, after in
            { o in
                o.shape == after.shape
                    && (before.color != after.color || o.color == after.color)
                    && ((before.x != after.x || before.y != after.y)
                        || (abs(o.x - after.x) <= tolerance && abs(o.y - after.y) <= tolerance))
            }
        }
        preservation = Self.assignable(kept, objects)
        unparseable = false
    }

    /// Whether each requirement can be met by a different object (a matching found by
    /// backtracking: scenes hold a handful of objects).
    static func assignable(_ requirements: [(SceneObject) -> Bool], _ objects: [SceneObject]) -> Bool {
        var used = [Bool](repeating: false, count: objects.count)
        func place(_ k: Int) -> Bool {
            guard k < requirements.count else { return true }
            for (i, o) in objects.enumerated() where !used[i] && requirements[k](o) {
                used[i] = true
                if place(k + 1) { return true }
                used[i] = false
            }
            return false
        }
        return place(0)
    }

    /// This edit's row of outcomes: success, preservation, unparseable.
    public var scoreRow: [Double] { [success ? 1 : 0, preservation ? 1 : 0, unparseable ? 1 : 0] }
}

/// edit_eval's score row, in order.
let editingColumns = ["success", "preservation", "unparseable"]

/// edit_eval's items as `ItemScores` (protocol `.editing`): one item per edit, scores
/// [[success, preservation, unparseable]], group the edit kind. Metrics: each column over all
/// edits, then success and preservation per kind (`success_colour_change`...), each with an
/// interval from resampling the edits.
func editingStatistics(_ items: [ItemScores]) throws -> [MetricStatistic] {
    for item in items {
        guard item.scores.count == 1, item.scores.allSatisfy({ $0.count == 3 }) else {
            throw BenchmarkError.invalidArgument(
                op: "edit_eval", message: "item \(item.index) (\(item.id)) needs one row [success, preservation, unparseable], got \(item.scores.map(\.count))")
        }
    }
    var out = editingColumns.enumerated().compactMap { column, name in
        columnStatistic(name, items, column: column)
    }
    for kind in EditKind.allCases {
        for (column, name) in ["success", "preservation"].enumerated() {
            if let m = columnStatistic("\(name)_\(kind.rawValue)", items, column: column, include: { $0.group == kind.rawValue }) {
                out.append(m)
            }
        }
    }
    return out
}
