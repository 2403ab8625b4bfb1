import Foundation

/// What a script asks of the process it runs in: environment variables (a batch job's task id,
/// a data folder) and a clock to time itself.
public enum EnvironmentBuiltins {
    public static let builtins: [Builtin] = [
        Builtin("env", [.init("name", .string), .init("default", .any, default: .noValue)], returns: "string",
                doc: "The environment variable's value as a string (\"\" when set but empty), or default when it is not set, e.g. env(\"SLURM_ARRAY_TASK_ID\", default: \"0\").") { args, _ in
            let name = try args.string("name")
            guard !name.isEmpty, !name.contains("=") else {
                throw ArgumentError(parameter: "name", "env: \"\(name)\" is not a variable name (it must be non-empty and hold no '=')")
            }
            return Environment.variable(name).map { .string($0) } ?? args["default"]
        },
        Builtin("clock", [], returns: "number",
                doc: "Seconds on a monotonic clock (arbitrary origin, never set back): t0 = clock(); ...; print(clock() - t0).") { _, _ in
            .number(Environment.monotonicSeconds())
        },
    ]
}

/// The process environment, read at call time (a variable set after start is seen).
enum Environment {
    static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
