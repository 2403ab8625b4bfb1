/// `x = v`, `x[i] = v`, `r.a.b = v`: the target path is resolved first (evaluating indices),
/// then the variable is updated in place.
extension Interpreter {
    enum PathStep {
        case member(String, SourceSpan)
        case index([IndexValue], SourceSpan)
    }

    func assign(_ target: Expr, _ value: Value, _ scope: Scope, _ file: SourceFile) throws {
        var steps: [PathStep] = []
        var node = target
        while true {
            switch node.kind {
            case .name(let name):
                if steps.isEmpty {
                    scope.assign(name, value)
                    return
                }
                guard let owner = scope.owner(of: name) else {
                    throw unknownName(name, scope, span(file, node.start, node.end))
                }
                try update(&owner.variables[name, default: .none], ArraySlice(steps.reversed()), value)
                return
            case .member(let object, let name, let nameStart):
                steps.append(.member(name, span(file, nameStart, node.end)))
                node = object
            case .index(let object, let items):
                let indices = try items.map { try evalIndex($0, scope, file) }
                steps.append(.index(indices, span(file, node.start, node.end)))
                node = object
            default:
                throw ScriptError(.runtime, "cannot assign into this expression: only into a variable, its fields and its elements",
                                  at: span(file, node.start, node.end))
            }
        }
    }

    func update(_ container: inout Value, _ steps: ArraySlice<PathStep>, _ value: Value) throws {
        guard let step = steps.first else {
            container = value
            return
        }
        let rest = steps.dropFirst()
        switch step {
        case .member(let name, let at):
            guard case .record(var r) = container else {
                throw ScriptError(.runtime, "cannot set field '\(name)' of a \(container.typeName): only records have settable fields", at: at)
            }
            container = .none
            defer { container = .record(r) }
            if rest.isEmpty {
                r[name] = value
            } else {
                guard r[name] != nil else {
                    throw ScriptError(.runtime, "the record has no field '\(name)'" + Suggestions.hint(for: name, among: r.keys), at: at)
                }
                var inner = r[name] ?? .none
                r[name] = Value.none
                defer { r[name] = inner }
                try update(&inner, rest, value)
            }
        case .index(let indices, let at):
            do {
                if rest.isEmpty {
                    try Indexing.set(&container, indices, value)
                } else {
                    var inner = try Indexing.get(container, indices, limits: limits)
                    try update(&inner, rest, value)
                    try Indexing.set(&container, indices, inner)
                }
            } catch let error as BuiltinError {
                throw ScriptError(.runtime, error.message, at: at)
            } catch let error as ScriptError {
                throw error
            } catch {
                throw ScriptError(.runtime, "\(error)", at: at)
            }
        }
    }
}
