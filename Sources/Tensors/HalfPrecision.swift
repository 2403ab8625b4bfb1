/// Bit-exact conversions between Float32 and the two 16-bit float formats in checkpoints.
///
/// Written with integer operations so the result does not depend on the compiler or CPU
/// having a native half type: every F16 and BF16 value (subnormals, infinities, NaN
/// payloads, -0) widens exactly, and narrowing rounds to nearest, ties to even, as
/// PyTorch's `tensor.half()` / `tensor.bfloat16()` do.
public enum HalfPrecision {
    /// IEEE 754 binary16 -> binary32. Exact for every bit pattern.
    @inline(__always)
    public static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0x1F:
            // Infinity or NaN: keep the payload in the top mantissa bits.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        case 0:
            guard mantissa != 0 else { return Float(bitPattern: sign) }
            // Subnormal half: normalise; every one is a normal float.
            var m = mantissa
            var e: UInt32 = 127 - 15 + 1
            while m & 0x0400 == 0 {
                m <<= 1
                e -= 1
            }
            return Float(bitPattern: sign | (e << 23) | ((m & 0x03FF) << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
        }
    }

    /// binary32 -> binary16, round to nearest even; overflow gives infinity, NaN stays NaN.
    @inline(__always)
    public static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            // NaN becomes the canonical quiet NaN, sign kept, as PyTorch's conversion does.
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00
        }
        let e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            // Result is subnormal or zero: shift the full significand into place, then round.
            if e < -10 { return sign }
            let significand = mantissa | 0x0080_0000
            let shift = UInt32(14 - e)
            let truncated = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            let roundUp = remainder > halfway || (remainder == halfway && truncated & 1 == 1)
            // A carry out of the subnormal range lands exactly on the smallest normal.
            return sign | UInt16(truncated + (roundUp ? 1 : 0))
        }
        let truncated = UInt32(e) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        let roundUp = remainder > 0x1000 || (remainder == 0x1000 && truncated & 1 == 1)
        // A carry may ripple into the exponent, up to infinity: both are the right answer.
        return sign | UInt16(truncated + (roundUp ? 1 : 0))
    }

    /// bfloat16 -> binary32: the top half of the float's bits. Exact.
    @inline(__always)
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// binary32 -> bfloat16, round to nearest even; every NaN becomes PyTorch's 0x7FC0.
    @inline(__always)
    public static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return 0x7FC0 }
        let roundingBias = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }
}
