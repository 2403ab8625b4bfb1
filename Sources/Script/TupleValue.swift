/// What `a, b` at the prompt gives: the values side by side, shown as IPython shows a tuple,
/// `([-5.853, -5.811], 0)`. It indexes and iterates like a list (`ans[1]`).
public final class TupleValue: SequenceHost {
    public let values: [Value]

    public init(_ values: [Value]) { self.values = values }

    public var typeName: String { "tuple" }
    public var count: Int { values.count }
    public func member(_ name: String) throws -> Value? { nil }
    public func element(_ position: Int) throws -> Value { values[position] }
    public func subsequence(_ positions: [Int]) throws -> Value { .host(TupleValue(positions.map { values[$0] })) }

    public var description: String { display(width: Printer.plain.width) }

    public func display(width: Int) -> String {
        let printer = Printer(width: width)
        let items = values.map { printer.repr($0, indent: 1) }
        // One element still reads as a tuple, as in Python: (x,)
        return printer.layout(open: "(", close: values.count == 1 ? ",)" : ")", items, indent: 0)
    }
}
