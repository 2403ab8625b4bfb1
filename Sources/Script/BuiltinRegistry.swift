/// Every builtin, by area. Each area lives in its own file under Builtins/ and exposes
/// `static let builtins: [Builtin]`; adding an area is one line here.
public enum BuiltinRegistry {
    public static let areas: [(name: String, builtins: [Builtin])] = [
        ("core", CoreBuiltins.builtins),
        ("lists", ListBuiltins.builtins),
        ("strings", StringBuiltins.builtins),
        ("tensors", TensorBuiltins.builtins),
        ("images and files", ImageBuiltins.builtins),
        ("files", FileBuiltins.builtins),
        ("environment", EnvironmentBuiltins.builtins),
        ("models", ModelBuiltins.builtins + NewModelBuiltins.builtins),
        ("scoring", ScoringBuiltins.builtins),
        ("training", TrainingBuiltins.builtins),
        ("benchmarks", BenchmarkBuiltins.builtins + SceneBuiltins.builtins),
        ("plots", PlotBuiltins.builtins),
    ]

    public static var all: [Builtin] { areas.flatMap(\.builtins) }

    /// The `:help` page: every builtin's signature, grouped by area.
    public static func index(for builtins: [String: Builtin]) -> String {
        var out = "Builtins (help(name) or :help name for details):\n"
        var listed = Set<String>()
        for area in areas {
            let names = area.builtins.map(\.name).filter { builtins[$0] != nil }
            guard !names.isEmpty else { continue }
            out += "\n  \(area.name): " + names.joined(separator: " ") + "\n"
            listed.formUnion(names)
        }
        let others = builtins.keys.filter { !listed.contains($0) }.sorted()
        if !others.isEmpty { out += "\n  other: " + others.joined(separator: " ") + "\n" }
        out += """

          Language: x = 1; fn f(x, b: 10) = x + b; fn g(x) { return x }; if c { } else { }
          for x in list|range(n)|tensor { }; while c { }; break; continue; "text {x}"; # comment
          t[0, 1:3], t[:, -1], t[t > 0], r.field, r["field"], a @ b, a ^ 2, and/or/not, x in xs, x not in s
          REPL: :vars :time expr :load file.sn :save file.sn :reset :help [name] :quit
        """
        return out
    }
}
