/// The syntax tree. Every node keeps its byte range in its file, so errors can point at it.

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%", power = "^", matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    /// `x in xs`, `x not in xs`: membership in a list, string, record, range or tensor.
    case isIn = "in", isNotIn = "not in"
}

public enum UnaryOperator: String, Sendable { case negate = "-", plus = "+", not = "not" }

public struct Expr: Sendable {
    public var kind: ExprKind
    public var start: Int
    public var end: Int
}

public indirect enum ExprKind: Sendable {
    case number(Double)
    case string(String)
    /// `"a {x} b"`: text pieces and parsed expressions, in order.
    case interpolation([InterpolationPart])
    case bool(Bool)
    case none
    case name(String)
    case list([Expr])
    case record([RecordField])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case call(Expr, [CallArgument])
    case index(Expr, [IndexItem])
    case member(Expr, name: String, nameStart: Int)
    case function(FunctionDecl)
    /// `a, b` as a whole statement: the REPL shows both, as IPython shows a tuple.
    case tuple([Expr])
}

public enum InterpolationPart: Sendable {
    case text(String)
    case expr(Expr)
}

public struct RecordField: Sendable {
    public var key: String
    public var keyStart: Int
    public var value: Expr
}

public struct CallArgument: Sendable {
    /// The keyword, for `name: value`.
    public var label: String?
    public var value: Expr
    public var start: Int
}

public enum IndexItem: Sendable {
    case single(Expr)
    /// `a:b:c`, each part optional.
    case slice(Expr?, Expr?, Expr?, start: Int, end: Int)
}

public struct ParameterDecl: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var start: Int
}

/// A function's declaration: shared by every closure made from it.
public final class FunctionDecl: Sendable {
    public let name: String?
    public let parameters: [ParameterDecl]
    public let body: FunctionBody
    public let start: Int
    public let end: Int

    init(name: String?, parameters: [ParameterDecl], body: FunctionBody, start: Int, end: Int) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.start = start
        self.end = end
    }
}

public enum FunctionBody: Sendable {
    case expression(Expr)
    case block([Stmt])
}

public struct Stmt: Sendable {
    public var kind: StmtKind
    public var start: Int
    public var end: Int
}

public indirect enum StmtKind: Sendable {
    case expression(Expr)
    /// `target = value`; the target is a name, an index or a member expression.
    case assign(Expr, Expr)
    /// `target += value` and friends.
    case compoundAssign(BinaryOperator, Expr, Expr)
    case function(FunctionDecl)
    case ifElse(Expr, [Stmt], [Stmt]?)
    case forIn(String, nameStart: Int, Expr, [Stmt])
    case whileLoop(Expr, [Stmt])
    case breakLoop
    case continueLoop
    case returnValue(Expr?)
}

/// A parsed file: the statements and the file they came from.
public struct Program: Sendable {
    public let file: SourceFile
    public let statements: [Stmt]
}
