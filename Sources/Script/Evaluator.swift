import Tensors

/// Expressions and calls.
extension Interpreter {
    func eval(_ e: Expr, _ scope: Scope, _ file: SourceFile) throws -> Value {
        switch e.kind {
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .interpolation(let parts):
            var out = ""
            for part in parts {
                switch part {
                case .text(let s): out += s
                case .expr(let inner): out += printer.str(try eval(inner, scope, file))
                }
                try checkElements(out.utf8.count, "this string")
            }
            return .string(out)
        case .name(let name):
            if let v = scope.lookup(name) { return v }
            if let b = builtins[name] { return .builtin(b) }
            throw unknownName(name, scope, span(file, e.start, e.end))
        case .list(let items):
            return .list(try items.map { try eval($0, scope, file) })
        case .record(let fields):
            var r = Record()
            for f in fields { r[f.key] = try eval(f.value, scope, file) }
            return .record(r)
        case .unary(let op, let operand):
            let v = try eval(operand, scope, file)
            return try unary(op, v, span(file, e.start, e.end))
        case .binary(let op, let l, let r):
            let lhs = try eval(l, scope, file)
            let rhs = try eval(r, scope, file)
            return try binary(op, lhs, rhs, span(file, e.start, e.end))
        case .and(let l, let r):
            return .bool(try truth(l, scope, file) && truth(r, scope, file))
        case .or(let l, let r):
            return .bool(try truth(l, scope, file) || truth(r, scope, file))
        case .member(let object, let name, let nameStart):
            let v = try eval(object, scope, file)
            return try member(v, name, span(file, nameStart, e.end))
        case .index(let object, let items):
            let v = try eval(object, scope, file)
            let indices = try items.map { try evalIndex($0, scope, file) }
            do {
                return try Indexing.get(v, indices, limits: limits)
            } catch let error as BuiltinError {
                throw ScriptError(.runtime, error.message, at: span(file, e.start, e.end))
            } catch let error as TensorError {
                throw ScriptError(.runtime, error.description, at: span(file, e.start, e.end))
            }
        case .call(let callee, let arguments):
            let f = try eval(callee, scope, file)
            var positional: [Value] = [], positionalSpans: [SourceSpan] = []
            var keywords: [(name: String, value: Value, span: SourceSpan)] = []
            for a in arguments {
                let v = try eval(a.value, scope, file)
                if let label = a.label {
                    keywords.append((label, v, span(file, a.start, a.value.end)))
                } else {
                    positional.append(v)
                    positionalSpans.append(span(file, a.value.start, a.value.end))
                }
            }
            return try callValue(f, positional: positional, positionalSpans: positionalSpans, keywords: keywords,
                                 span: span(file, e.start, e.end))
        case .function(let decl):
            return .function(Function(decl: decl, file: file, scope: scope))
        case .tuple(let items):
            return .host(TupleValue(try items.map { try eval($0, scope, file) }))
        }
    }

    func unknownName(_ name: String, _ scope: Scope, _ at: SourceSpan) -> ScriptError {
        let candidates = scope.visibleNames + Array(builtins.keys)
        return ScriptError(.runtime, "no variable or function named '\(name)'" + Suggestions.hint(for: name, among: candidates), at: at)
    }

    func evalIndex(_ item: IndexItem, _ scope: Scope, _ file: SourceFile) throws -> IndexValue {
        switch item {
        case .single(let e):
            let v = try eval(e, scope, file)
            switch v {
            case .string(let key): return .key(key)
            // A mask (x[x > 2]) or a one-element position; which, depends on what is indexed.
            case .tensor(let t) where t.rank >= 1: return .tensor(t)
            default: return .at(try indexNumber(v, span(file, e.start, e.end)))
            }
        case .slice(let a, let b, let c, _, _):
            func bound(_ x: Expr?) throws -> Int? {
                guard let x else { return nil }
                let v = try eval(x, scope, file)
                if case .none = v { return nil }
                return try indexNumber(v, span(file, x.start, x.end))
            }
            let step = try bound(c)
            if step == 0, let c { throw ScriptError(.runtime, "a slice step cannot be 0", at: span(file, c.start, c.end)) }
            return .slice(try bound(a), try bound(b), step)
        }
    }

    func indexNumber(_ v: Value, _ at: SourceSpan) throws -> Int {
        var d: Double
        switch v {
        case .number(let x): d = x
        case .tensor(let t) where t.count == 1: d = Double(t.scalars[0])
        case .bool(let b): d = b ? 1 : 0
        default: throw ScriptError(.runtime, "an index must be a whole number (or a string for records), got \(v.typeName)", at: at)
        }
        guard d == d.rounded(), Swift.abs(d) < 9e15 else {
            throw ScriptError(.runtime, "an index must be a whole number, got \(Printer.formatNumber(d))", at: at)
        }
        d = d + 0
        return Int(d)
    }

    func member(_ v: Value, _ name: String, _ at: SourceSpan) throws -> Value {
        switch v {
        case .record(let r):
            if let field = r[name] { return field }
            let listing = r.keys.isEmpty ? "it has no fields" : "fields: " + r.keys.joined(separator: ", ")
            throw ScriptError(.runtime, "the record has no field '\(name)'" + Suggestions.hint(for: name, among: r.keys) + " (\(listing))", at: at)
        case .host(let h):
            do {
                if let m = try h.member(name) { return m }
            } catch let error as ScriptError {
                throw error
            } catch {
                throw ScriptError(.runtime, "\(h.typeName).\(name): \(error)", at: at)
            }
            let listing = h.memberNames.isEmpty ? "" : " (members: " + h.memberNames.joined(separator: ", ") + ")"
            throw ScriptError(.runtime, "a \(h.typeName) has no member '\(name)'" + Suggestions.hint(for: name, among: h.memberNames) + listing, at: at)
        case .tensor(let t):
            switch name {
            case "shape": return .list(t.shape.map { .number(Double($0)) })
            case "rank": return .number(Double(t.rank))
            case "count": return .number(Double(t.count))
            default:
                throw ScriptError(.runtime, "a tensor has no member '\(name)'" + Suggestions.hint(for: name, among: ["shape", "rank", "count"])
                                  + " (members: shape, rank, count)", at: at)
            }
        default:
            throw ScriptError(.runtime, "a \(v.typeName) has no members (cannot read '.\(name)')", at: at)
        }
    }

    // MARK: calls

    /// Calls a function or builtin value. Argument spans let errors point at the argument at fault.
    public func callValue(_ f: Value, positional: [Value], positionalSpans: [SourceSpan] = [],
                          keywords: [(name: String, value: Value, span: SourceSpan)], span: SourceSpan) throws -> Value {
        func argumentSpan(_ i: Int) -> SourceSpan { i < positionalSpans.count ? positionalSpans[i] : span }
        switch f {
        case .builtin(let b):
            return try callBuiltin(b, positional, argumentSpan, keywords, span)
        case .function(let fn):
            return try callFunction(fn, positional, argumentSpan, keywords, span)
        default:
            throw ScriptError(.runtime, "a \(f.typeName) cannot be called like a function", at: span)
        }
    }

    func callBuiltin(_ b: Builtin, _ positional: [Value], _ argumentSpan: (Int) -> SourceSpan,
                     _ keywords: [(name: String, value: Value, span: SourceSpan)], _ span: SourceSpan) throws -> Value {
        let params = b.parameters
        var slots = [Value?](repeating: nil, count: params.count)
        var spans = [SourceSpan?](repeating: nil, count: params.count)
        var i = 0
        while i < positional.count {
            guard i < params.count else {
                let most = params.filter { !$0.isVariadic }.count
                throw ScriptError(.runtime, "\(b.name) takes at most \(most) positional argument\(most == 1 ? "" : "s"), got \(positional.count) (\(b.signature))", at: argumentSpan(i))
            }
            if params[i].isVariadic {
                slots[i] = .list(Array(positional[i...]))
                spans[i] = argumentSpan(i)
                break
            }
            slots[i] = positional[i]
            spans[i] = argumentSpan(i)
            i += 1
        }
        for k in keywords {
            guard let p = params.firstIndex(where: { $0.name == k.name && !$0.isVariadic }) else {
                let valid = params.filter { !$0.isVariadic }.map(\.name)
                throw ScriptError(.runtime, "\(b.name) has no parameter '\(k.name)'" + Suggestions.hint(for: k.name, among: valid)
                                  + " (valid: \(valid.joined(separator: ", ")))", at: k.span)
            }
            if slots[p] != nil {
                throw ScriptError(.runtime, "\(b.name) got two values for '\(k.name)'", at: k.span)
            }
            slots[p] = k.value
            spans[p] = k.span
        }
        var values: [Value] = []
        for (p, param) in params.enumerated() {
            if let v = slots[p] {
                if !param.isVariadic && !param.type.accepts(v) {
                    throw ScriptError(.runtime, "\(b.name): '\(param.name)' must be \(article(param.type.name)), got \(v.typeName)\(printer.shortSummary(v))",
                                      at: spans[p] ?? span)
                }
                values.append(v)
            } else if param.isVariadic {
                values.append(.list([]))
            } else if let d = param.defaultValue {
                values.append(d.value)
            } else {
                throw ScriptError(.runtime, "\(b.name) needs a value for '\(param.name)' (\(b.signature))", at: span)
            }
        }
        let args = Arguments(builtin: b.name, names: params.map(\.name), values: values)
        do {
            return try b.body(args, CallContext(interpreter: self, span: span))
        } catch let error as ScriptError {
            var e = error
            if e.span == nil { e.span = span }
            throw e
        } catch let error as ArgumentError {
            let at = params.firstIndex { $0.name == error.parameter }.flatMap { spans[$0] } ?? span
            throw ScriptError(.runtime, error.message, at: at)
        } catch let error as BuiltinError {
            throw ScriptError(.runtime, prefixed(b.name, error.message), at: span)
        } catch let error as TensorError {
            throw ScriptError(.runtime, prefixed(b.name, error.description), at: span)
        } catch {
            throw ScriptError(.runtime, prefixed(b.name, "\(error)"), at: span)
        }
    }

    func prefixed(_ name: String, _ message: String) -> String {
        message.hasPrefix(name) ? message : "\(name): \(message)"
    }

    func article(_ typeName: String) -> String {
        let vowel = typeName.first.map { "aeio".contains($0) } ?? false
        return (vowel ? "an " : "a ") + typeName
    }

    func callFunction(_ fn: Function, _ positional: [Value], _ argumentSpan: (Int) -> SourceSpan,
                      _ keywords: [(name: String, value: Value, span: SourceSpan)], _ span: SourceSpan) throws -> Value {
        let decl = fn.decl
        let params = decl.parameters
        guard callDepth < limits.maxCallDepth else {
            throw ScriptError(.runtime, "too many nested calls (more than \(limits.maxCallDepth)): is '\(fn.name)' recursing without end?", at: span)
        }
        try tick(span.file, span.start, span.end)
        let scope = Scope(parent: fn.scope)
        if positional.count > params.count {
            throw ScriptError(.runtime, "\(fn.name) takes \(params.count) argument\(params.count == 1 ? "" : "s"), got \(positional.count)", at: argumentSpan(params.count))
        }
        for (i, v) in positional.enumerated() { scope.variables[params[i].name] = v }
        for k in keywords {
            guard let p = params.firstIndex(where: { $0.name == k.name }) else {
                let valid = params.map(\.name)
                throw ScriptError(.runtime, "\(fn.name) has no parameter '\(k.name)'" + Suggestions.hint(for: k.name, among: valid)
                                  + " (valid: \(valid.isEmpty ? "none" : valid.joined(separator: ", ")))", at: k.span)
            }
            if p < positional.count { throw ScriptError(.runtime, "\(fn.name) got two values for '\(k.name)'", at: k.span) }
            scope.variables[k.name] = k.value
        }
        callDepth += 1
        defer { callDepth -= 1 }
        do {
            for p in params where scope.variables[p.name] == nil {
                guard let d = p.defaultValue else {
                    throw ScriptError(.runtime, "\(fn.name) needs a value for '\(p.name)'", at: span)
                }
                scope.variables[p.name] = try eval(d, scope, fn.file)
            }
            switch decl.body {
            case .expression(let e):
                return try eval(e, scope, fn.file)
            case .block(let body):
                switch try execBlock(body, scope, fn.file) {
                case .returned(let v): return v
                case .value(let v): return v ?? .none
                case .breakLoop, .continueLoop: return .none
                }
            }
        } catch var error as ScriptError where error.kind == .runtime {
            if error.trace.count < 8 {
                let (line, column) = span.location
                error.trace.append("in \(fn.name), called at \(span.file.name):\(line):\(column)")
            }
            throw error
        }
    }
}
