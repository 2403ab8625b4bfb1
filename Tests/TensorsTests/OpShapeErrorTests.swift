import XCTest
@testable import Tensors

/// Every op given shapes that do not fit throws a TensorError (never traps) whose message names
/// the op and the shapes involved, so a user at the REPL can see what to fix.
final class OpShapeErrorTests: XCTestCase {
    func t(_ shape: [Int]) -> Tensor { Tensor(repeating: 0.5, shape: shape) }

    /// `body` throws a TensorError whose description contains `op` and every shape in `shapes`.
    func expectError(
        _ op: String, _ shapes: [[Int]], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any
    ) {
        do {
            _ = try body()
            XCTFail("\(op): expected an error for \(shapes.map(formatShape))", file: file, line: line)
        } catch let error as TensorError {
            let text = error.description
            XCTAssertTrue(text.contains(op), "'\(text)' does not name \(op)", file: file, line: line)
            for s in shapes {
                XCTAssertTrue(text.contains(formatShape(s)), "'\(text)' does not name \(formatShape(s))", file: file, line: line)
            }
        } catch {
            XCTFail("\(op): not a TensorError: \(error)", file: file, line: line)
        }
    }

    func testBinaryOps() {
        let (a, b) = ([2, 3], [4])
        expectError("+", [a, b]) { try self.t(a) + self.t(b) }
        expectError("-", [a, b]) { try self.t(a) - self.t(b) }
        expectError("*", [a, b]) { try self.t(a) * self.t(b) }
        expectError("/", [a, b]) { try self.t(a) / self.t(b) }
        expectError("pow", [a, b]) { try self.t(a).pow(self.t(b)) }
        expectError("maximum", [a, b]) { try Tensor.maximum(self.t(a), self.t(b)) }
        expectError("minimum", [a, b]) { try Tensor.minimum(self.t(a), self.t(b)) }
        expectError("<", [[2, 3, 4], [3, 2, 4]]) { try Tensor.compare(self.t([2, 3, 4]), self.t([3, 2, 4]), op: "<", <) }
        expectError("+", [[3, 1, 5], [2, 4]]) { try self.t([3, 1, 5]) + self.t([2, 4]) }
    }

    func testMatmulAndLinear() {
        expectError("matmul", [[2, 3], [4, 5]]) { try Tensor.matmul(self.t([2, 3]), self.t([4, 5])) }
        expectError("matmul", [[2, 3], [2, 5]]) { try Tensor.matmul(self.t([2, 3]), self.t([2, 5]), transposeA: false, transposeB: true) }
        expectError("matmul", [[2, 3, 4], [3, 4, 5]]) { try Tensor.matmul(self.t([2, 3, 4]), self.t([3, 4, 5])) }
        expectError("matmul", [[4], [4, 5]]) { try Tensor.matmul(self.t([4]), self.t([4, 5])) }
        expectError("linear", [[2, 3], [4, 5]]) { try Tensor.linear(self.t([2, 3]), weight: self.t([4, 5]), bias: nil) }
        expectError("linear", [[4, 3], [5]]) { try Tensor.linear(self.t([2, 3]), weight: self.t([4, 3]), bias: self.t([5])) }
        expectError("linear", [[2, 3], [3]]) { try Tensor.linear(self.t([2, 3]), weight: self.t([3]), bias: nil) }
    }

    func testConv2d() {
        expectError("conv2d", [[1, 3, 8, 8], [4, 2, 3, 3]]) { try Tensor.conv2d(self.t([1, 3, 8, 8]), weight: self.t([4, 2, 3, 3])) }
        expectError("conv2d", [[3, 8, 8], [4, 3, 3, 3]]) { try Tensor.conv2d(self.t([3, 8, 8]), weight: self.t([4, 3, 3, 3])) }
        expectError("conv2d", [[1, 3, 8, 8], [4, 3, 3]]) { try Tensor.conv2d(self.t([1, 3, 8, 8]), weight: self.t([4, 3, 3])) }
        expectError("conv2d", [[4, 3, 3, 3], [3]]) { try Tensor.conv2d(self.t([1, 3, 8, 8]), weight: self.t([4, 3, 3, 3]), bias: self.t([3])) }
        // A kernel larger than the padded input, and a zero stride: errors, not traps.
        expectError("conv2d", [[1, 3, 2, 2], [4, 3, 3, 3]]) { try Tensor.conv2d(self.t([1, 3, 2, 2]), weight: self.t([4, 3, 3, 3])) }
        expectError("conv2d", [[1, 3, 8, 8], [4, 3, 3, 3]]) { try Tensor.conv2d(self.t([1, 3, 8, 8]), weight: self.t([4, 3, 3, 3]), stride: 0) }
        expectError("conv2d", [[1, 3, 8, 8], [4, 3, 3, 3]]) { try Tensor.conv2d(self.t([1, 3, 8, 8]), weight: self.t([4, 3, 3, 3]), padding: -1) }
    }

    func testNormalization() {
        expectError("group_norm", [[2, 6, 4, 4]]) { try self.t([2, 6, 4, 4]).groupNorm(groups: 4, weight: nil, bias: nil, eps: 1e-5) }
        expectError("group_norm", [[5]]) { try self.t([5]).groupNorm(groups: 1, weight: nil, bias: nil, eps: 1e-5) }
        expectError("group_norm", [[2, 6, 4, 4], [4]]) { try self.t([2, 6, 4, 4]).groupNorm(groups: 3, weight: self.t([4]), bias: nil, eps: 1e-5) }
        expectError("group_norm", [[2, 6, 4, 4], [6, 1]]) { try self.t([2, 6, 4, 4]).groupNorm(groups: 3, weight: self.t([6]), bias: self.t([6, 1]), eps: 1e-5) }
        expectError("layer_norm", [[2, 8], [7]]) { try self.t([2, 8]).layerNorm(weight: self.t([7]), bias: nil, eps: 1e-5) }
        expectError("layer_norm", [[2, 8], [2, 8]]) { try self.t([2, 8]).layerNorm(weight: self.t([8]), bias: self.t([2, 8]), eps: 1e-5) }
        expectError("layer_norm", [[2, 0]]) { try self.t([2, 0]).layerNorm(weight: nil, bias: nil, eps: 1e-5) }
        expectError("softmax", [[2, 3]]) { try self.t([2, 3]).softmax(axis: 2) }
    }

    func testAttention() {
        let q = [2, 4, 8]
        expectError("attention", [[2, 5, 8], [2, 6, 8]]) { try Tensor.attention(self.t(q), self.t([2, 5, 8]), self.t([2, 6, 8]), heads: 2) }
        expectError("attention", [q, [2, 5, 6]]) { try Tensor.attention(self.t(q), self.t([2, 5, 6]), self.t([2, 5, 6]), heads: 2) }
        expectError("attention", [q, [3, 5, 8]]) { try Tensor.attention(self.t(q), self.t([3, 5, 8]), self.t([3, 5, 8]), heads: 2) }
        expectError("attention", [[2, 8], [2, 5, 8]]) { try Tensor.attention(self.t([2, 8]), self.t([2, 5, 8]), self.t([2, 5, 8]), heads: 2) }
        expectError("attention", [[2, 2, 4, 5], [4, 4]]) {
            try Tensor.attention(self.t(q), self.t([2, 5, 8]), self.t([2, 5, 8]), heads: 2, mask: self.t([4, 4]))
        }
        // A mask that would broadcast the scores up to a bigger shape is refused too.
        expectError("attention", [[2, 2, 4, 5], [3, 1, 1, 1, 5]]) {
            try Tensor.attention(self.t(q), self.t([2, 5, 8]), self.t([2, 5, 8]), heads: 2, mask: self.t([3, 1, 1, 1, 5]))
        }
        expectError("attention", []) { try Tensor.attention(self.t(q), self.t([2, 5, 8]), self.t([2, 5, 8]), heads: 3) }
    }

    func testReductions() {
        let s = [2, 3]
        expectError("sum", [s]) { try self.t(s).sum(axes: [2]) }
        expectError("mean", [s]) { try self.t(s).mean(axes: [-3]) }
        expectError("variance", [s]) { try self.t(s).variance(axes: [5]) }
        expectError("max", [s]) { try self.t(s).max(axes: [2]) }
        expectError("min", [[0]]) { try self.t([0]).min() }
        expectError("argmax", [s]) { try self.t(s).argmax(axis: 2) }
        expectError("argmax", [[0, 2]]) { try self.t([0, 2]).argmax(axis: 1) }
        expectError("sum", []) { try self.t(s).sum(axes: [1, -1]) }
        expectError("broadcast", [[2, 3], [3, 3]]) { try self.t(s).broadcast(to: [3, 3]) }
        expectError("broadcast", [[2, 3], [3]]) { try self.t(s).broadcast(to: [3]) }
        expectError("item", [s]) { try self.t(s).item() }
    }

    func testShapeOps() {
        let s = [2, 3, 4]
        expectError("reshape", [s, [5, -1]]) { try self.t(s).reshaped([5, -1]) }
        expectError("reshape", [s, [2, 3]]) { try self.t(s).reshaped([2, 3]) }
        expectError("reshape", [[-1, -1]]) { try self.t(s).reshaped([-1, -1]) }
        expectError("unsqueeze", [s]) { try self.t(s).unsqueezed(5) }
        expectError("squeeze", []) { try self.t(s).squeezed([0]) }
        expectError("permute", [s]) { try self.t(s).permuted([0, 1]) }
        expectError("permute", [s]) { try self.t(s).permuted([0, 1, 1]) }
        expectError("transpose", [[4]]) { try self.t([4]).transposed() }
        expectError("slice", [s]) { try self.t(s).sliced(axis: 1, start: 2, end: 4) }
        expectError("slice", [s]) { try self.t(s).sliced(axis: 1, start: 0, end: 2, step: 0) }
        expectError("cat", [s, [2, 4, 4]]) { try Tensor.cat([self.t(s), self.t([2, 4, 4])], axis: 2) }
        expectError("cat", [s, [2, 3]]) { try Tensor.cat([self.t(s), self.t([2, 3])], axis: 0) }
        expectError("cat", []) { try Tensor.cat([], axis: 0) }
        expectError("stack", [s, [2, 3, 5]]) { try Tensor.stack([self.t(s), self.t([2, 3, 5])]) }
        expectError("split", [s]) { try self.t(s).split(sizes: [1, 2], axis: 2) }
        expectError("split", [s]) { try self.t(s).split(sizes: [5, -1], axis: 2) }
        expectError("chunk", [s]) { try self.t(s).chunked(3, axis: 2) }
        expectError("chunk", [s]) { try self.t(s).chunked(0, axis: 2) }
        expectError("embedding", [[5]]) { try Tensor.embedding(self.t([5]), ids: [0], idsShape: [1]) }
        expectError("embedding", []) { try Tensor.embedding(self.t([5, 2]), ids: [0, 5], idsShape: [2]) }
        expectError("embedding", []) { try Tensor.embedding(self.t([5, 2]), ids: [0, -1], idsShape: [2]) }
        expectError("embedding", [[3]]) { try Tensor.embedding(self.t([5, 2]), ids: [0, 1], idsShape: [3]) }
        expectError("upsample", [[2, 3, 4]]) { try self.t([2, 3, 4]).upsampleNearest2x() }
    }

    func testConstructionAndBackward() {
        expectError("tensor", [[2, 3]]) { try Tensor(shape: [2, 3], scalars: [1, 2]) }
        expectError("tensor", [[2, -3]]) { try Tensor(shape: [2, -3], scalars: []) }
        let w = Parameter(Tensor([1, 2]), requiresGrad: true)
        expectError("backward", [[2], [3]]) { try (w.tensor * 2).backward(Tensor([1, 2, 3])) }
        expectError("backward", [[2]]) { try (w.tensor * 2).backward() }
    }
}
