/// The per-item decisions of each benchmark's protocol. Scores are "higher is better"
/// (for DiffusionITM: minus the error, or minus (error - unconditional error) for images).

/// Winoground (Thrush et al. 2022) on one item, `s[c][i]` = score of caption c with image i:
/// text: each image prefers its own caption; image: each caption prefers its own image;
/// group: both. Strict inequalities, as the paper defines them (a tie is a failure).
public struct WinogroundOutcome: Equatable, Sendable {
    public var text: Bool
    public var image: Bool
    public var group: Bool

    public init(scores s: [[Double]]) throws {
        guard s.count == 2, s.allSatisfy({ $0.count == 2 }) else {
            throw BenchmarkError.invalidArgument(
                op: "winoground", message: "expects a 2x2 score matrix [caption][image], got \(s.map(\.count))")
        }
        text = s[0][0] > s[1][0] && s[1][1] > s[0][1]
        image = s[0][0] > s[0][1] && s[1][1] > s[1][0]
        group = text && image
    }
}

/// Whether one of the `correct` candidates is among the top k. Ties count against the query:
/// a wrong candidate scoring the same as the best right one ranks before it, so a constant
/// scorer gets no credit.
public func recallAtK(_ scores: [Double], correct: Set<Int>, k: Int) throws -> Bool {
    guard k >= 1 else { throw BenchmarkError.invalidArgument(op: "recall", message: "k must be at least 1, got \(k)") }
    let valid = correct.filter { $0 >= 0 && $0 < scores.count }
    guard !valid.isEmpty else {
        throw BenchmarkError.invalidArgument(op: "recall", message: "correct indices \(correct.sorted()) outside 0..<\(scores.count)")
    }
    let best = valid.map { scores[$0] }.max() ?? -.infinity
    let ahead = scores.indices.filter { !valid.contains($0) && scores[$0] >= best }.count
    return ahead < k
}

/// ARO's decision (Yuksekgonul et al. 2023): the first maximum of the option scores must be the
/// true caption. The options stay in ARO's order ([false, true] for VG-*, true first for
/// *-Order), so ties resolve exactly as `np.argmax` does in their code.
public func aroCorrect(_ scores: [Double], trueIndex: Int) throws -> Bool {
    guard trueIndex >= 0, trueIndex < scores.count else {
        throw BenchmarkError.invalidArgument(op: "aro", message: "true caption index \(trueIndex) outside 0..<\(scores.count)")
    }
    var best = 0
    for i in scores.indices where scores[i] > scores[best] { best = i }
    return best == trueIndex
}

/// Which groups ARO's macro average keeps.
public struct MacroPolicy: Codable, Equatable, Sendable {
    public var excludedGroups: [String]
    public var minimumCount: Int

    public init(excludedGroups: [String] = [], minimumCount: Int = 1) {
        self.excludedGroups = excludedGroups
        self.minimumCount = minimumCount
    }

    /// Every group counts once.
    public static let all = MacroPolicy()

    /// ARO's VG-Relation figure: the mean over relations, leaving out the relations whose
    /// false caption can be true too (their notebook's `symmetric` list).
    public static let vgRelation = MacroPolicy(excludedGroups: AROSymmetricRelations.names)

    /// ARO's VG-Attribution figure: the mean over attribute pairs seen at least 25 times.
    public static let vgAttribution = MacroPolicy(minimumCount: 25)
}
