/// `evaluate(..., shard: "auto")`: which shard this process is, read from a Slurm array job's
/// variables. Outside an array job (no SLURM_ARRAY_TASK_ID) it is the whole dataset, shard 0 of 1,
/// so one script runs unchanged at the prompt and as an array.
extension Shard {
    public static let autoName = "auto"

    /// Task k of an array of n: k = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
    /// n = SLURM_ARRAY_TASK_COUNT; so `--array=0-3`, `--array=1-4` and `--array=0-6:2` all give
    /// shards 0..3 of 4 (a `%` throttle changes nothing). Irregular lists (`--array=1,5,6`) are refused.
    public static func arrayTask(environment: [String: String]) throws -> Shard {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return try Shard(0, of: 1) }
        func number(_ name: String, default fallback: Int? = nil) throws -> Int {
            guard let text = environment[name] else {
                if let fallback { return fallback }
                throw BenchmarkError.invalidArgument(op: "shard \"auto\"", message: "SLURM_ARRAY_TASK_ID is set (\(idText)) but \(name) is not")
            }
            guard let n = Int(text) else {
                throw BenchmarkError.invalidArgument(op: "shard \"auto\"", message: "\(name)=\"\(text)\" is not a whole number")
            }
            return n
        }
        let id = try number("SLURM_ARRAY_TASK_ID"), count = try number("SLURM_ARRAY_TASK_COUNT")
        let first = try number("SLURM_ARRAY_TASK_MIN", default: 0), step = try number("SLURM_ARRAY_TASK_STEP", default: 1)
        let k = step >= 1 && (id - first) % step == 0 ? (id - first) / step : -1
        guard count >= 1, k >= 0, k < count else {
            throw BenchmarkError.invalidArgument(op: "shard \"auto\"", message:
                "array task \(id) is not one of \(count) evenly spaced tasks (SLURM_ARRAY_TASK_MIN=\(first), SLURM_ARRAY_TASK_STEP=\(step)); submit the shards as --array=0-\(count - 1)")
        }
        return try Shard(k, of: count)
    }
}
