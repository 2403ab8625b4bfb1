/// "did you mean": the closest candidate by edit distance, when it is close enough to be a typo.
public enum Suggestions {
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    static func closest(to name: String, among candidates: [String]) -> String? {
        // One- and two-letter names are too short for a guess to mean anything.
        guard name.count >= 3 else { return nil }
        let limit = Swift.max(1, name.count / 3)
        var best: (name: String, distance: Int)? = nil
        for c in candidates where c != name {
            let d = distance(name, c)
            guard d <= limit else { continue }
            if let b = best, d > b.distance || (d == b.distance && c >= b.name) { continue }
            best = (c, d)
        }
        return best?.name
    }

    /// " — did you mean 'x'?" or "".
    static func hint(for name: String, among candidates: [String]) -> String {
        closest(to: name, among: candidates).map { " — did you mean '\($0)'?" } ?? ""
    }
}

extension Suggestions {
    /// For other modules (the REPL's command names).
    public static func publicHint(for name: String, among candidates: [String]) -> String { hint(for: name, among: candidates) }
}
