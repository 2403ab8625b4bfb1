/// What `for x in v` walks over, in one place: `for`, `map`, `filter`, `sorted`, `zip`,
/// `enumerate`, `list`, `all`, `any` and `in` all see the same elements.
struct Iteration {
    let count: Int
    let element: (Int) throws -> Value

    /// Lists give their items, ranges their numbers, strings their characters, records their
    /// field names, tensors their rows along the first axis, datasets and tuples their elements.
    init(_ v: Value) throws {
        switch v {
        case .list(let items):
            count = items.count
            element = { items[$0] }
        case .range(let r):
            count = r.count
            element = { .number(Double(r.element($0))) }
        case .string(let text):
            let chars = Array(text)
            count = chars.count
            element = { .string(String(chars[$0])) }
        case .record(let r):
            let keys = r.keys
            count = keys.count
            element = { .string(keys[$0]) }
        case .tensor(let t):
            guard t.rank >= 1 else { throw BuiltinError("cannot loop over a tensor of shape [] (a single number)") }
            count = t.shape[0]
            element = { try Indexing.tensorRow(t, $0) }
        case .host(let h as SequenceHost):
            count = h.count
            element = { try h.element($0) }
        default:
            throw BuiltinError("cannot loop over a \(v.typeName): use a list, range(n), a tensor, a string, a record or a dataset")
        }
    }

    /// Every element, for the builtins that need them all at once.
    func all() throws -> [Value] { try (0..<count).map(element) }
}
