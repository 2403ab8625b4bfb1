import XCTest
@testable import Tensors

/// F16/BF16 conversions. References: Swift's native `Float16` (compiler-rt / hardware
/// conversion) for every bit pattern, and torch 2.15's `.half()` / `.bfloat16()` / `.float()`
/// results in Fixtures/dtypes/expected.json (scripts/make_tensor_fixtures.py). Exact: no tolerance.
final class HalfPrecisionTests: XCTestCase {
    func testEveryHalfWidensExactlyLikeNativeFloat16() {
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromHalf: bits)
            let native = Float(Float16(bitPattern: bits))
            if native.isNaN {
                XCTAssertTrue(ours.isNaN, "0x\(String(bits, radix: 16))")
                // The payload survives: narrowing it back gives the same quiet-bit-set pattern.
                XCTAssertEqual(ours.bitPattern & 0x007F_E000, UInt32(bits & 0x03FF) << 13)
            } else {
                XCTAssertEqual(ours.bitPattern, native.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }

    func testNarrowingToHalfMatchesNativeRoundingOnEveryHalfAndTheMidpoints() {
        // Every half value, and the exact midpoints between neighbours (ties to even), and
        // one ulp either side of each midpoint.
        for bits in UInt16(0)...0x7BFF {
            let value = HalfPrecision.float(fromHalf: bits)
            let next = HalfPrecision.float(fromHalf: bits + 1)
            let mid = Float((Double(value) + Double(next)) / 2)
            for probe in [value, mid, mid.nextDown, mid.nextUp, -value, -mid] {
                let native = Float16(probe).bitPattern
                XCTAssertEqual(HalfPrecision.half(from: probe), native, "\(probe) (0x\(String(probe.bitPattern, radix: 16)))")
            }
        }
        for probe: Float in [65504, 65519.99, 65520, 1e10, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude] {
            XCTAssertEqual(HalfPrecision.half(from: probe), Float16(probe).bitPattern, "\(probe)")
        }
    }

    func testNarrowingMatchesTorch() throws {
        let expected = try XCTUnwrap(try TensorsFixture.json("dtypes/expected.json") as? [String: Any])
        let narrowing = try XCTUnwrap(expected["narrowing"] as? [String: [Int]])
        let inputs = try XCTUnwrap(narrowing["input_bits"]), f16 = try XCTUnwrap(narrowing["f16_bits"])
        let bf16 = try XCTUnwrap(narrowing["bf16_bits"])
        XCTAssertEqual(inputs.count, 24)
        for (i, bits) in inputs.enumerated() {
            let value = Float(bitPattern: UInt32(bits))
            if value.isNaN {
                // Which NaN comes out is not specified (torch's vector path gives 0xFFFF for BF16,
                // its scalar path 0x7FC0); it must stay a NaN.
                XCTAssertTrue(HalfPrecision.float(fromHalf: HalfPrecision.half(from: value)).isNaN)
                XCTAssertTrue(HalfPrecision.float(fromBFloat16: HalfPrecision.bfloat16(from: value)).isNaN)
                continue
            }
            XCTAssertEqual(Int(HalfPrecision.half(from: value)), f16[i], "F16 of 0x\(String(bits, radix: 16))")
            XCTAssertEqual(Int(HalfPrecision.bfloat16(from: value)), bf16[i], "BF16 of 0x\(String(bits, radix: 16))")
        }
    }

    func testBFloat16WidensByShifting() {
        for bits in stride(from: 0, through: Int(UInt16.max), by: 1) {
            let ours = HalfPrecision.float(fromBFloat16: UInt16(bits))
            XCTAssertEqual(ours.bitPattern, UInt32(bits) << 16)
        }
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x3F80), 1)
        XCTAssertEqual(HalfPrecision.float(fromBFloat16: 0x0001), Float(bitPattern: 0x0001_0000))  // subnormal
    }
}
