/// A host value that holds elements in order (a dataset's items, the values of a tuple):
/// `x[i]` with negative positions, `x[a:b]`, `x[mask]`, `len(x)` and `for e in x` all read it
/// through this one protocol, so each such value is indexed the way lists are.
public protocol SequenceHost: HostValue {
    var count: Int { get }
    /// The element at `position` (already checked to be inside 0..<count).
    func element(_ position: Int) throws -> Value
    /// The elements at `positions` (each inside 0..<count, in order) as a value of the same kind.
    func subsequence(_ positions: [Int]) throws -> Value
}
