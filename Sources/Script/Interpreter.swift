#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
import Tensors

/// Bounds that keep a script (or a fuzzer) from exhausting the machine.
public struct Limits: Sendable {
    /// Nested calls of script functions; deeper is an error, not a stack overflow.
    public var maxCallDepth = 2_000
    /// Statements and loop iterations before giving up; nil for no limit.
    public var maxSteps: Int? = nil
    /// Elements in one tensor, list or string a script may create.
    public var maxElements = 1 << 31

    public init() {}
}

/// The tree-walking evaluator. One interpreter is one session: its global scope keeps the
/// variables between inputs.
public final class Interpreter {
    public internal(set) var globals = Scope(parent: nil)
    public private(set) var builtins: [String: Builtin] = [:]
    /// Where `print` and friends write.
    public var output: (String) -> Void
    /// Shows a value in a form of its own instead of as text, returning true when it did (a
    /// report turns a table into a Markdown or HTML table); nil writes every value as text.
    public var richDisplay: ((Value) -> Bool)?
    /// The tensor a builtin drew as a picture during the current input (`grid` returns the
    /// picture it showed): echoing it again as numbers would only repeat it.
    var shownAsPicture: Tensor?
    public var limits = Limits()
    /// Terminal width for printing tensors and long lists.
    public var width = 80

    var callDepth = 0
    var steps = 0
    /// Files being run (innermost last): `run("x.sn")` resolves next to the current one.
    var fileStack: [SourceFile] = []
    /// The session's random stream, used when `randn` gets no seed: seeded with 0, so a
    /// script gives the same numbers on every run; `:reset` starts it again.
    public var generator = RandomGenerator(seed: 0)

    public init(builtins: [Builtin] = BuiltinRegistry.all, output: @escaping (String) -> Void = Interpreter.standardOutput) {
        self.output = output
        for b in builtins { self.builtins[b.name] = b }
    }

    public static let standardOutput: @Sendable (String) -> Void = { text in
        fputs(text, stdout)
    }

    public func write(_ text: String) {
        ProgressMeter.endLine()
        output(text)
    }

    public var printer: Printer { Printer(width: width) }

    // MARK: session API

    /// Parses and runs source text in the global scope. Returns the value of the last statement
    /// when it is an expression (what the REPL shows), else nil.
    @discardableResult
    public func run(_ source: String, file name: String) throws -> Value? {
        let file = SourceFile(name: name, text: source)
        return try LargeStack.run {
            let program = try Parser.parse(file)
            return try execute(program)
        }
    }

    /// Runs an already parsed program in the global scope.
    @discardableResult
    public func execute(_ program: Program) throws -> Value? {
        shownAsPicture = nil
        return try LargeStack.run {
            fileStack.append(program.file)
            defer { fileStack.removeLast() }
            steps = 0
            switch try execBlock(program.statements, globals, program.file) {
            case .value(let v):
                if let last = program.statements.last, case .expression = last.kind { return v }
                return nil
            case .returned(let v):
                return v
            case .breakLoop, .continueLoop:
                return nil
            }
        }
    }

    /// Runs a file (relative paths resolve next to the file currently running, else the working directory).
    public func runFile(_ path: String, span: SourceSpan?) throws -> Value? {
        let resolved = resolvePath(path)
        guard let data = FileManager.default.contents(atPath: resolved), let text = String(data: data, encoding: .utf8) else {
            throw ScriptError(.runtime, "cannot read script '\(path)'" + (resolved == path ? "" : " (looked at \(resolved))")
                              + ": " + FileReason.describe(path: resolved), at: span)
        }
        guard fileStack.count < 64 else {
            throw ScriptError(.runtime, "run(): scripts run each other more than 64 levels deep", at: span)
        }
        let file = SourceFile(name: path, text: text)
        let program = try Parser.parse(file)
        fileStack.append(file)
        defer { fileStack.removeLast() }
        _ = try execBlock(program.statements, globals, file)
        return nil
    }

    public func resolvePath(_ path: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("~") { return (path as NSString).expandingTildeInPath }
        if let current = fileStack.last, current.name.hasSuffix(".sn") {
            let dir = (current.name as NSString).deletingLastPathComponent
            let candidate = dir.isEmpty ? path : dir + "/" + path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }

    /// Whether `value` is the very tensor a builtin just drew (the same storage, not merely
    /// equal values): the REPL and reports then show nothing more for it.
    public func wasShownAsPicture(_ value: Value) -> Bool {
        guard case .tensor(let t) = value, let shown = shownAsPicture, t.shape == shown.shape else { return false }
        let a = t.scalars.withUnsafeBufferPointer { $0.baseAddress }
        let b = shown.scalars.withUnsafeBufferPointer { $0.baseAddress }
        return a != nil && a == b
    }

    public var variableNames: [String] { globals.variables.keys.sorted() }
    public func variable(_ name: String) -> Value? { globals.variables[name] }
    public func setVariable(_ name: String, _ value: Value) { globals.variables[name] = value }

    /// Forgets every variable.
    public func reset() {
        globals = Scope(parent: nil)
        generator = RandomGenerator(seed: 0)
    }

    public func builtin(named name: String) -> Builtin? { builtins[name] }
    public var builtinNames: [String] { builtins.keys.sorted() }

    func checkElements(_ count: Int, _ what: String) throws {
        guard count <= limits.maxElements else {
            throw BuiltinError("\(what) would hold \(count) elements, more than the limit of \(limits.maxElements)")
        }
    }

    // MARK: statements

    enum Completion {
        /// Finished normally; the value of the last expression statement, if it was one.
        case value(Value?)
        case breakLoop, continueLoop
        case returned(Value)
    }

    func span(_ file: SourceFile, _ start: Int, _ end: Int) -> SourceSpan { SourceSpan(file: file, start: start, end: end) }

    func execBlock(_ statements: [Stmt], _ scope: Scope, _ file: SourceFile) throws -> Completion {
        var last: Value? = nil
        for statement in statements {
            switch try exec(statement, scope, file) {
            case .value(let v): last = v
            case let other: return other
            }
        }
        return .value(last)
    }

    func tick(_ file: SourceFile, _ start: Int, _ end: Int) throws {
        if Interrupt.isRequested { try Interrupt.check(at: span(file, start, end)) }
        if let max = limits.maxSteps {
            steps += 1
            if steps > max { throw ScriptError(.runtime, "stopped after \(max) steps (step limit)", at: span(file, start, end)) }
        }
    }

    func exec(_ s: Stmt, _ scope: Scope, _ file: SourceFile) throws -> Completion {
        try tick(file, s.start, s.end)
        switch s.kind {
        case .expression(let e):
            return .value(try eval(e, scope, file))
        case .assign(let target, let valueExpr):
            let value = try eval(valueExpr, scope, file)
            try assign(target, value, scope, file)
            return .value(nil)
        case .compoundAssign(let op, let target, let valueExpr):
            let current = try eval(target, scope, file)
            let rhs = try eval(valueExpr, scope, file)
            let value = try binary(op, current, rhs, span(file, s.start, s.end))
            try assign(target, value, scope, file)
            return .value(nil)
        case .function(let decl):
            scope.assign(decl.name ?? "fn", .function(Function(decl: decl, file: file, scope: scope)))
            return .value(nil)
        case .ifElse(let condition, let body, let elseBody):
            if try truth(condition, scope, file) {
                return try execBlock(body, scope, file)
            } else if let elseBody {
                return try execBlock(elseBody, scope, file)
            }
            return .value(nil)
        case .whileLoop(let condition, let body):
            while try truth(condition, scope, file) {
                try tick(file, s.start, s.end)
                switch try execBlock(body, scope, file) {
                case .breakLoop: return .value(nil)
                case .returned(let v): return .returned(v)
                case .continueLoop, .value: continue
                }
            }
            return .value(nil)
        case .forIn(let name, _, let iterableExpr, let body):
            let iterable = try eval(iterableExpr, scope, file)
            let walk: Iteration
            do {
                walk = try Iteration(iterable)
            } catch let error as BuiltinError {
                throw ScriptError(.runtime, error.message, at: span(file, iterableExpr.start, iterableExpr.end))
            }
            for i in 0..<walk.count {
                try tick(file, s.start, s.end)
                do {
                    scope.assign(name, try walk.element(i))
                } catch let error as ScriptError {
                    throw error
                } catch {
                    // A dataset's item can fail to load (a missing image): say which, at the loop.
                    let message = (error as? BuiltinError)?.message ?? "\(error)"
                    throw ScriptError(.runtime, "element \(i): \(message)", at: span(file, iterableExpr.start, iterableExpr.end))
                }
                switch try execBlock(body, scope, file) {
                case .breakLoop: return .value(nil)
                case .returned(let v): return .returned(v)
                case .continueLoop, .value: continue
                }
            }
            return .value(nil)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .returnValue(let e):
            return .returned(try e.map { try eval($0, scope, file) } ?? .none)
        }
    }

    func truth(_ e: Expr, _ scope: Scope, _ file: SourceFile) throws -> Bool {
        let v = try eval(e, scope, file)
        do {
            return try v.truth()
        } catch let error as BuiltinError {
            throw ScriptError(.runtime, error.message, at: span(file, e.start, e.end))
        }
    }
}
