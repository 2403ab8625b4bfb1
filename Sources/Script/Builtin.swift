import Tensors

/// What a builtin parameter accepts; checked before the builtin runs, shown by `help`.
public indirect enum ValueType: Sendable {
    case any, number, int, string, bool, list, record, callable
    /// A tensor, or anything `tensor(...)` turns into one (a number, a nested list of numbers).
    case tensor
    /// A number or a list of numbers, e.g. a shape or an axis list.
    case ints
    case host(String)
    /// Any value another module registered (model, dataset, result...).
    case anyHost
    case optional(ValueType)
    case oneOf([ValueType])

    public var name: String {
        switch self {
        case .any: return "any"
        case .number: return "number"
        case .int: return "int"
        case .string: return "string"
        case .bool: return "bool"
        case .list: return "list"
        case .record: return "record"
        case .callable: return "function"
        case .tensor: return "tensor"
        case .ints: return "int or list of ints"
        case .host(let n): return n
        case .anyHost: return "model, dataset or result"
        case .optional(let t): return "\(t.name) or none"
        case .oneOf(let ts): return ts.map(\.name).joined(separator: " or ")
        }
    }

    public func accepts(_ v: Value) -> Bool {
        switch (self, v) {
        case (.any, _): return true
        case (.number, .number), (.number, .bool): return true
        case (.number, .tensor(let t)): return t.count == 1
        case (.int, .number(let d)): return d == d.rounded() && Swift.abs(d) < 9e15
        case (.int, .tensor(let t)): return t.count == 1 && t.scalars[0] == t.scalars[0].rounded()
        case (.string, .string), (.bool, .bool), (.record, .record): return true
        case (.list, .list), (.list, .range): return true
        case (.callable, .function), (.callable, .builtin): return true
        case (.tensor, .tensor), (.tensor, .number), (.tensor, .list), (.tensor, .range), (.tensor, .bool): return true
        case (.ints, .number), (.ints, .list), (.ints, .range), (.ints, .tensor): return true
        case (.host(let n), .host(let h)): return h.typeName == n
        case (.anyHost, .host): return true
        case (.optional, .none): return true
        case (.optional(let t), _): return t.accepts(v)
        case (.oneOf(let ts), _): return ts.contains { $0.accepts(v) }
        default: return false
        }
    }

    /// Whether this type names the host type `typeName` (alone, optional or in a union); `any`
    /// and "any host" do not count, so help(m) lists the builtins made for m's type.
    func names(host typeName: String) -> Bool {
        switch self {
        case .host(let n): return n == typeName
        case .optional(let t): return t.names(host: typeName)
        case .oneOf(let ts): return ts.contains { $0.names(host: typeName) }
        default: return false
        }
    }
}

/// One parameter of a builtin. `defaultValue == nil` means required.
public struct BuiltinParameter: Sendable {
    public let name: String
    public let type: ValueType
    public let defaultValue: DefaultValue?
    /// Collects every remaining positional argument as a list (`print(a, b, c)`).
    public let isVariadic: Bool

    public init(_ name: String, _ type: ValueType = .any, default defaultValue: DefaultValue? = nil, variadic: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isVariadic = variadic
    }
}

/// Defaults are plain data so builtin tables stay Sendable.
public enum DefaultValue: Sendable {
    case number(Double), string(String), bool(Bool), noValue

    public var value: Value {
        switch self {
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .noValue: return .none
        }
    }
}

/// A function implemented in Swift: one table entry gives its signature, its doc line and its body.
public struct Builtin: @unchecked Sendable {
    public let name: String
    public let parameters: [BuiltinParameter]
    /// What it returns, for help: "tensor", "number", "none"...
    public let returns: String
    public let doc: String
    public let body: (Arguments, CallContext) throws -> Value

    public init(_ name: String, _ parameters: [BuiltinParameter], returns: String = "none", doc: String,
                _ body: @escaping (Arguments, CallContext) throws -> Value) {
        self.name = name
        self.parameters = parameters
        self.returns = returns
        self.doc = doc
        self.body = body
    }

    /// `sum(x, axis: none, keepdims: false) -> number | tensor`
    public var signature: String {
        let ps = parameters.map { p -> String in
            if p.isVariadic { return "\(p.name)..." }
            guard let d = p.defaultValue else { return p.name }
            return "\(p.name): \(Printer.plain.repr(d.value))"
        }
        return "\(name)(\(ps.joined(separator: ", "))) -> \(returns)"
    }

    /// Signature, doc line and parameter types, as `help` prints it.
    public var help: String {
        var out = signature + "\n    " + doc
        let typed = parameters.filter { if case .any = $0.type { return false } else { return true } }
        if !typed.isEmpty {
            out += "\n    " + typed.map { "\($0.name): \($0.type.name)" }.joined(separator: "; ")
        }
        return out
    }
}

/// The arguments of one builtin call, matched to its parameters, with typed accessors whose
/// errors name the parameter (the evaluator then points the caret at that argument).
public struct Arguments {
    public let builtin: String
    let names: [String]
    let values: [Value]

    init(builtin: String, names: [String], values: [Value]) {
        self.builtin = builtin
        self.names = names
        self.values = values
    }

    public subscript(name: String) -> Value {
        guard let i = names.firstIndex(of: name) else { return .none }
        return values[i]
    }

    func fail(_ name: String, _ message: String) -> ArgumentError {
        ArgumentError(parameter: name, "\(builtin): \(message)")
    }

    func wrongType(_ name: String, expected: String) -> ArgumentError {
        let v = self[name]
        return fail(name, "'\(name)' must be \(expected), got \(v.typeName)\(Printer.plain.shortSummary(v))")
    }

    public func isNone(_ name: String) -> Bool { if case .none = self[name] { return true } else { return false } }

    public func number(_ name: String) throws -> Double {
        switch self[name] {
        case .number(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t) where t.count == 1: return Double(t.scalars[0])
        default: throw wrongType(name, expected: "a number")
        }
    }

    public func optionalNumber(_ name: String) throws -> Double? { isNone(name) ? nil : try number(name) }

    public func int(_ name: String) throws -> Int {
        let d = try number(name)
        guard d == d.rounded(), Swift.abs(d) < 9e15 else { throw fail(name, "'\(name)' must be a whole number, got \(Printer.formatNumber(d))") }
        return Int(d)
    }

    public func optionalInt(_ name: String) throws -> Int? { isNone(name) ? nil : try int(name) }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = self[name] else { throw wrongType(name, expected: "a string") }
        return s
    }

    public func optionalString(_ name: String) throws -> String? { isNone(name) ? nil : try string(name) }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = self[name] else { throw wrongType(name, expected: "true or false") }
        return b
    }

    public func list(_ name: String) throws -> [Value] {
        switch self[name] {
        case .list(let l): return l
        case .range(let r): return (0..<r.count).map { .number(Double(r.element($0))) }
        default: throw wrongType(name, expected: "a list")
        }
    }

    public func record(_ name: String) throws -> Record {
        guard case .record(let r) = self[name] else { throw wrongType(name, expected: "a record") }
        return r
    }

    public func tensor(_ name: String) throws -> Tensor {
        do {
            return try Convert.tensor(self[name])
        } catch let e as BuiltinError {
            throw fail(name, "'\(name)': \(e.message)")
        }
    }

    /// A number or a list of whole numbers (a shape, a list of axes).
    public func ints(_ name: String) throws -> [Int] {
        let v = self[name]
        let items: [Value]
        switch v {
        case .number: return [try int(name)]
        case .list(let l): items = l
        case .range(let r): return (0..<r.count).map { r.element($0) }
        case .tensor(let t) where t.rank <= 1: items = t.scalars.map { .number(Double($0)) }
        default: throw wrongType(name, expected: "a number or a list of numbers")
        }
        return try items.map { item in
            guard case .number(let d) = item, d == d.rounded(), Swift.abs(d) < 9e15 else {
                throw fail(name, "'\(name)' must hold whole numbers, got \(Printer.plain.repr(v))")
            }
            return Int(d)
        }
    }

    public func optionalInts(_ name: String) throws -> [Int]? { isNone(name) ? nil : try ints(name) }

    public func optionalList(_ name: String) throws -> [Value]? { isNone(name) ? nil : try list(name) }
}

/// What a builtin can reach while it runs: the interpreter (to call functions, print, run files)
/// and where it was called from.
public struct CallContext {
    public let interpreter: Interpreter
    public let span: SourceSpan

    public func print(_ text: String) { interpreter.write(text) }

    /// Calls a function value (user-defined or builtin) with positional arguments.
    public func call(_ f: Value, _ args: [Value]) throws -> Value {
        try interpreter.callValue(f, positional: args, keywords: [], span: span)
    }

    /// Records that `t` was just drawn as a picture, so the REPL does not echo it as numbers.
    public func shownAsPicture(_ t: Tensor) { interpreter.shownAsPicture = t }

    /// Refuses allocations beyond the interpreter's element limit.
    public func checkSize(_ count: Int, _ what: String) throws {
        try interpreter.checkElements(count, what)
    }
}
