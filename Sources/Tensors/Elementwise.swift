/// Broadcasting binary arithmetic and comparisons, and scalar-tensor arithmetic.
extension Tensor {
    /// out = f(a, b) with broadcasting.
    static func zipBroadcast<F: BinaryScalarOp>(_ a: Tensor, _ b: Tensor, op: String, _ f: F) throws -> (shape: [Int], scalars: [Float]) {
        if a.shape == b.shape { return (a.shape, zipScalars(a.scalars, b.scalars, f)) }
        let shape = try broadcastShape(a.shape, b.shape, op: op)
        let total = shape.reduce(1, *)
        let loop = BroadcastLoop(shape, broadcastStrides(a.shape, to: shape), broadcastStrides(b.shape, to: shape))
        let out = [Float](unsafeUninitializedCapacity: total) { po, initialized in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    guard total > 0, let pa = pa.baseAddress, let pb = pb.baseAddress, let po = po.baseAddress else { return }
                    loop.run(pa, pb, po, f)
                }
            }
            initialized = total
        }
        return (shape, out)
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: "+", AddOp())
        return result(shape: shape, scalars: out, inputs: [a, b]) { g, _ in
            [try g.sumToShape(a.shape), try g.sumToShape(b.shape)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: "-", SubtractOp())
        return result(shape: shape, scalars: out, inputs: [a, b]) { g, needs in
            [try g.sumToShape(a.shape), needs[1] ? try (-g).sumToShape(b.shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: "*", MultiplyOp())
        let (ca, cb) = (a.detached(), b.detached())
        return result(shape: shape, scalars: out, inputs: [a, b]) { g, needs in
            [needs[0] ? try (g * cb).sumToShape(a.shape) : nil,
             needs[1] ? try (g * ca).sumToShape(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: "/", DivideOp())
        let (ca, cb) = (a.detached(), b.detached())
        return result(shape: shape, scalars: out, inputs: [a, b]) { g, needs in
            // d(a/b)/db = -a / b^2
            [needs[0] ? try (g / cb).sumToShape(a.shape) : nil,
             needs[1] ? try (-(g * ca) / (cb * cb)).sumToShape(b.shape) : nil]
        }
    }

    /// Elementwise power a^b.
    public func pow(_ b: Tensor) throws -> Tensor {
        let a = self
        let (shape, out) = try Tensor.zipBroadcast(a, b, op: "pow", BinaryClosure { Foundation_pow($0, $1) })
        let (ca, cb) = (a.detached(), b.detached())
        let cout = Tensor(uncheckedShape: shape, scalars: out)
        return Tensor.result(shape: shape, scalars: out, inputs: [a, b]) { g, needs in
            // d/da = b a^(b-1); d/db = a^b ln a
            let ga = needs[0] ? try (g * cb * ca.pow(cb - 1)).sumToShape(a.shape) : nil
            let gb = needs[1] ? try (g * cout * ca.log()).sumToShape(b.shape) : nil
            return [ga, gb]
        }
    }

    /// Elementwise maximum/minimum; the gradient goes to the larger/smaller operand (to `a` on ties).
    public static func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try selecting(a, b, op: "maximum") { $0 >= $1 }
    }

    public static func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try selecting(a, b, op: "minimum") { $0 <= $1 }
    }

    private static func selecting(_ a: Tensor, _ b: Tensor, op: String, _ takeA: @escaping (Float, Float) -> Bool) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: op, BinaryClosure { takeA($0, $1) ? $0 : $1 })
        let (ca, cb) = (a.detached(), b.detached())
        return result(shape: shape, scalars: out, inputs: [a, b]) { g, needs in
            let mask = try zipBroadcast(ca, cb, op: op, BinaryClosure { takeA($0, $1) ? 1 : 0 })
            let m = Tensor(uncheckedShape: mask.shape, scalars: mask.scalars)
            return [needs[0] ? try (g * m).sumToShape(a.shape) : nil,
                    needs[1] ? try (g * (1 - m)).sumToShape(b.shape) : nil]
        }
    }

    /// Comparisons give 1 or 0 and carry no gradient.
    public static func compare(_ a: Tensor, _ b: Tensor, op: String, _ f: @escaping (Float, Float) -> Bool) throws -> Tensor {
        let (shape, out) = try zipBroadcast(a, b, op: op, BinaryClosure { f($0, $1) ? 1 : 0 })
        return Tensor(uncheckedShape: shape, scalars: out)
    }

    // Scalar forms: a number broadcasts like a rank-0 tensor.
    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor {
        Tensor.result(shape: a.shape, scalars: mapScalars(a.scalars, UnaryClosure { $0 / s }), inputs: [a]) { g, _ in [g / s] }
    }
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }

    /// scale * x + shift.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let out = mapScalars(scalars, AffineOp(scale: scale, shift: shift))
        return Tensor.result(shape: shape, scalars: out, inputs: [self]) { g, _ in [g * scale] }
    }
}

import Foundation
@inline(__always) func Foundation_pow(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
