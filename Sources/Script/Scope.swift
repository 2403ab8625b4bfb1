/// Variables of one function call (or of the session). Blocks do not make scopes; functions do.
public final class Scope {
    var variables: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var s: Scope? = self
        while let scope = s {
            if let v = scope.variables[name] { return v }
            s = scope.parent
        }
        return nil
    }

    /// The nearest scope that already has `name`.
    func owner(of name: String) -> Scope? {
        var s: Scope? = self
        while let scope = s {
            if scope.variables[name] != nil { return scope }
            s = scope.parent
        }
        return nil
    }

    /// Updates the nearest enclosing variable of that name, or creates a local one.
    func assign(_ name: String, _ value: Value) {
        (owner(of: name) ?? self).variables[name] = value
    }

    /// Every name visible from here (for suggestions and completion).
    var visibleNames: [String] {
        var names = Set<String>()
        var s: Scope? = self
        while let scope = s {
            names.formUnion(scope.variables.keys)
            s = scope.parent
        }
        return Array(names)
    }
}
