import Foundation
import XCTest
@testable import Tensors

/// Reference cases written by scripts/make_op_fixtures.py (PyTorch, float64 references from the
/// float32 inputs): inputs, a fixed cotangent R, f(inputs) and d/d(input) sum(f(inputs) * R).
struct OpFixture: Decodable {
    struct Array: Decodable {
        let shape: [Int]
        let data: [Double]
        var tensor: Tensor {
            get throws { try Tensor(shape: shape, scalars: data.map { Float($0) }) }
        }
    }

    /// Op parameters: numbers, flags or integer lists.
    enum Attr: Decodable {
        case number(Double), flag(Bool), list([Int])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else { self = .list(try c.decode([Int].self)) }
        }
    }

    struct Case: Decodable {
        let name: String
        let op: String
        let attrs: [String: Attr]
        let inputs: [String: Array]
        let cotangent: Array
        let output: Array
        let grads: [String: Array]

        func int(_ key: String) throws -> Int {
            guard case let .number(d)? = attrs[key] else { throw FixtureError.missing("\(name): attr \(key)") }
            return Int(d)
        }
        func float(_ key: String) throws -> Float {
            guard case let .number(d)? = attrs[key] else { throw FixtureError.missing("\(name): attr \(key)") }
            return Float(d)
        }
        func flag(_ key: String, default value: Bool = false) -> Bool {
            guard case let .flag(b)? = attrs[key] else { return value }
            return b
        }
        func list(_ key: String) -> [Int]? {
            guard case let .list(l)? = attrs[key] else { return nil }
            return l
        }
    }

    let generator: String
    let cases: [Case]

    enum FixtureError: Error { case missing(String) }

    @inline(never)
    static func load(_ group: String) throws -> OpFixture {
        let resources = try XCTUnwrap(Bundle.module.resourceURL)
        let url = resources.appendingPathComponent("Fixtures/ops/\(group).json")
        return try JSONDecoder().decode(OpFixture.self, from: Data(contentsOf: url))
    }

    /// The input names that a case's function takes, in the order the Swift op takes them.
    static let groups = ["conv2d", "norm", "softmax", "attention", "matmul", "unary", "binary", "reductions", "shape"]
}

/// Runs the Swift op a fixture case names, on the given inputs (constants or parameters).
@inline(never)
func evaluate(_ c: OpFixture.Case, _ x: [String: Tensor]) throws -> Tensor {
    func input(_ name: String) throws -> Tensor {
        guard let t = x[name] else { throw OpFixture.FixtureError.missing("\(c.name): input \(name)") }
        return t
    }
    let a = { try input("a") }, b = { try input("b") }, t = { try input("x") }
    switch c.op {
    case "conv2d":
        return try Tensor.conv2d(t(), weight: input("weight"), bias: x["bias"], stride: c.int("stride"), padding: c.int("padding"))
    case "group_norm":
        return try t().groupNorm(groups: c.int("groups"), weight: x["weight"], bias: x["bias"], eps: c.float("eps"))
    case "layer_norm":
        return try t().layerNorm(weight: x["weight"], bias: x["bias"], eps: c.float("eps"))
    case "softmax":
        return try t().softmax(axis: c.int("axis"))
    case "attention":
        return try Tensor.attention(input("q"), input("k"), input("v"), heads: c.int("heads"), mask: x["mask"])
    case "matmul":
        return try Tensor.matmul(a(), b(), transposeA: c.flag("transposeA"), transposeB: c.flag("transposeB"))
    case "linear":
        return try Tensor.linear(t(), weight: input("weight"), bias: x["bias"])
    case "gelu": return try t().gelu()
    case "quick_gelu": return try t().quickGelu()
    case "silu": return try t().silu()
    case "sigmoid": return try t().sigmoid()
    case "tanh": return try t().tanh()
    case "exp": return try t().exp()
    case "log": return try t().log()
    case "sqrt": return try t().sqrt()
    case "abs": return try t().abs()
    case "relu": return try t().relu()
    case "sin": return try t().sin()
    case "cos": return try t().cos()
    case "square": return try t().square()
    case "neg": return try -t()
    case "clamp": return try t().clamped(-0.5, 0.75)
    case "affine": return try t().affine(scale: 1.5, shift: -0.25)
    case "add_scalar": return try t() + 0.75
    case "rsub_scalar": return try 0.75 - t()
    case "mul_scalar": return try t() * -2.5
    case "div_scalar": return try t() / 3
    case "add": return try a() + b()
    case "sub": return try a() - b()
    case "mul": return try a() * b()
    case "div": return try a() / b()
    case "pow": return try a().pow(b())
    case "maximum": return try Tensor.maximum(a(), b())
    case "minimum": return try Tensor.minimum(a(), b())
    case "sum": return try t().sum(axes: c.list("axes"), keepDims: c.flag("keepDims"))
    case "mean": return try t().mean(axes: c.list("axes"), keepDims: c.flag("keepDims"))
    case "variance": return try t().variance(axes: c.list("axes"), keepDims: c.flag("keepDims"), unbiased: c.flag("unbiased"))
    case "max": return try t().max(axes: c.list("axes"), keepDims: c.flag("keepDims"))
    case "min": return try t().min(axes: c.list("axes"), keepDims: c.flag("keepDims"))
    case "argmax": return try t().argmax(axis: c.int("axis"))
    case "reshape": return try t().reshaped(XCTUnwrap(c.list("shape")))
    case "permute": return try t().permuted(XCTUnwrap(c.list("order")))
    case "transpose": return try t().transposed(c.int("a"), c.int("b"))
    case "slice": return try t().sliced(axis: c.int("axis"), start: c.int("start"), end: c.int("end"), step: c.int("step"))
    case "cat": return try Tensor.cat([a(), b(), input("c")], axis: c.int("axis"))
    case "stack": return try Tensor.stack([a(), b()], axis: c.int("axis"))
    case "split", "chunk":
        // The fixture scales piece i by i + 1 and joins them again, so each piece's gradient differs.
        let pieces = c.op == "split" ? try t().split(sizes: XCTUnwrap(c.list("sizes")), axis: c.int("axis"))
            : try t().chunked(c.int("chunks"), axis: c.int("axis"))
        return try Tensor.cat(pieces.enumerated().map { $0.element * Float($0.offset + 1) }, axis: c.int("axis"))
    case "broadcast": return try t().broadcast(to: XCTUnwrap(c.list("shape")))
    case "embedding":
        return try Tensor.embedding(input("table"), ids: XCTUnwrap(c.list("ids")), idsShape: XCTUnwrap(c.list("idsShape")))
    case "upsample_nearest2x": return try t().upsampleNearest2x()
    default: throw OpFixture.FixtureError.missing("no Swift op for \(c.op)")
    }
}

/// max |actual - expected| / max(1, max |expected|): the error relative to the result's magnitude.
func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    guard actual.count == expected.count else { return .infinity }
    var worst = 0.0, scale = 1.0
    for (a, e) in zip(actual, expected) {
        worst = Swift.max(worst, Swift.abs(Double(a) - e))
        scale = Swift.max(scale, Swift.abs(e))
    }
    return worst / scale
}

final class OpFixtureTests: XCTestCase {
    /// Every fixture file decodes and names ops the Swift side knows, so a typo cannot skip cases.
    func testEveryFixtureCaseHasAnOp() throws {
        var total = 0
        for group in OpFixture.groups {
            let fixture = try OpFixture.load(group)
            XCTAssertTrue(fixture.generator.contains("torch"), group)
            XCTAssertFalse(fixture.cases.isEmpty, group)
            for c in fixture.cases {
                let inputs = try c.inputs.mapValues { try $0.tensor }
                XCTAssertNoThrow(try evaluate(c, inputs), "\(group)/\(c.name)")
                total += 1
            }
        }
        XCTAssertGreaterThan(total, 100)
    }
}
