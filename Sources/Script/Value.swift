import Tensors

/// A value of the language. Lists and records are values (assigning copies them, cheaply,
/// copy-on-write); tensors are values too; functions and host values are shared references.
public enum Value {
    case number(Double)
    case string(String)
    case bool(Bool)
    case none
    case list([Value])
    case record(Record)
    case tensor(Tensor)
    /// `range(a, b, step)`: iterated lazily, so `for i in range(1e9)` costs no memory.
    case range(IntRange)
    case function(Function)
    case builtin(Builtin)
    case host(any HostValue)

    /// The name `type(x)` returns and messages use.
    public var typeName: String {
        switch self {
        case .number: return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .none: return "none"
        case .list: return "list"
        case .record: return "record"
        case .tensor: return "tensor"
        case .range: return "range"
        case .function: return "function"
        case .builtin: return "builtin"
        case .host(let h): return h.typeName
        }
    }

    /// As in Python: `false`, `none`, 0 and empty strings, lists and records are false.
    /// A tensor counts only when it holds one element (a mask of many is ambiguous).
    public func truth() throws -> Bool {
        switch self {
        case .bool(let b): return b
        case .none: return false
        case .number(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .record(let r): return r.count > 0
        case .range(let r): return r.count > 0
        case .tensor(let t):
            guard t.count == 1 else {
                throw BuiltinError("a tensor of shape \(formatShape(t.shape)) is neither true nor false: reduce it first, e.g. max(t) > 0")
            }
            return t.scalars[0] != 0
        case .function, .builtin, .host: return true
        }
    }
}

/// Fields in the order they were written.
public struct Record {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var fields: [(key: String, value: Value)] { keys.compactMap { k in storage[k].map { (k, $0) } } }
}

/// `start, start+step, ...` up to (not including) `end`.
public struct IntRange: Equatable, Sendable {
    public let start: Int, end: Int, step: Int

    public init(start: Int, end: Int, step: Int) {
        self.start = start
        self.end = end
        self.step = step
    }

    public var count: Int {
        if step > 0 { return end > start ? (end - start + step - 1) / step : 0 }
        return start > end ? (start - end - step - 1) / (-step) : 0
    }

    public func element(_ i: Int) -> Int { start + i * step }
}

/// A function written in the language, with the scope it was defined in (so it closes over it).
public final class Function {
    public let decl: FunctionDecl
    public let file: SourceFile
    let scope: Scope

    init(decl: FunctionDecl, file: SourceFile, scope: Scope) {
        self.decl = decl
        self.file = file
        self.scope = scope
    }

    public var name: String { decl.name ?? "fn" }
}

/// Values other modules put into the language: a model, a dataset, a result.
/// They show a type name, answer `x.member`, and print as their description.
public protocol HostValue: AnyObject {
    var typeName: String { get }
    /// The names `x.` completes to and `keys(x)` lists.
    var memberNames: [String] { get }
    /// The member's value, or nil when there is no such member (the caller reports it).
    func member(_ name: String) throws -> Value?
    var description: String { get }
    /// The form the REPL echo and `print` show on their own (a table shows its rows); inside
    /// lists and records the description stands in.
    func display(width: Int) -> String
}

extension HostValue {
    public var memberNames: [String] { [] }
    public var description: String { "<\(typeName)>" }
    public func display(width: Int) -> String { description }
}
