import Foundation
import XCTest
@testable import Tensors

/// The Philox4x32-10 generator and its distributions. References: the Random123 known-answer
/// vectors (kat_vectors, Salmon et al. 2011), Box-Muller recomputed here in Double from its
/// definition, and statistical bounds (stated per test) for the moments.
final class RandomTests: XCTestCase {
    func testPhiloxKnownAnswerVectors() {
        let cases: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8)),
            ((0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF), (0xFFFF_FFFF, 0xFFFF_FFFF),
             (0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD)),
            ((0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
             (0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1)),
        ]
        for (counter, key, want) in cases {
            let got = RandomGenerator.philox(counter: counter, key: key)
            XCTAssertTrue(got == want, "philox(\(counter), \(key)) = \(got), want \(want)")
        }
    }

    func testFirstNormalsAreBoxMullerOfTheFirstBlock() {
        // Seed 0, stream 0: block 0 is philox(counter 0, key 0), the first known-answer vector.
        let lanes: [UInt64] = [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8]
        let u1 = (Double((lanes[0] | lanes[1] << 32) >> 11) + 0.5) / 9_007_199_254_740_992
        let u2 = Double((lanes[2] | lanes[3] << 32) >> 11) / 9_007_199_254_740_992
        let r = (-2 * log(u1)).squareRoot()
        var g = RandomGenerator(seed: 0)
        let z = g.normal(count: 2)
        XCTAssertEqual(z, [Float(r * cos(2 * .pi * u2)), Float(r * sin(2 * .pi * u2))])
        XCTAssertEqual(g.position, 1)
        // Uniforms of seed 0 take the top 24 bits of each lane of that same block.
        var h = RandomGenerator(seed: 0)
        XCTAssertEqual(h.uniform(count: 4), lanes.map { Float($0 >> 8) / 16_777_216 })
    }

    func testSameSeedSameBitsDifferentSeedOrStreamDifferent() throws {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        XCTAssertEqual(try a.normal([4, 8]).scalars.map(\.bitPattern), try b.normal([4, 8]).scalars.map(\.bitPattern))
        XCTAssertEqual(a.uniform(count: 9, lo: -2, hi: 3), b.uniform(count: 9, lo: -2, hi: 3))
        XCTAssertEqual(try a.integers(20, in: -5..<5), try b.integers(20, in: -5..<5))
        XCTAssertEqual(a.permutation(30), b.permutation(30))
        var c = RandomGenerator(seed: 43), d = RandomGenerator(seed: 42, stream: 1)
        let base = RandomGenerator(seed: 42)
        var e = base
        let first = e.normal(count: 64)
        XCTAssertNotEqual(c.normal(count: 64), first)
        XCTAssertNotEqual(d.normal(count: 64), first)
        XCTAssertEqual(try Tensor.randn([8, 8], seed: 42).scalars, first)
    }

    func testCallsConsumeWholeBlocks() {
        var g = RandomGenerator(seed: 7)
        _ = g.normal(count: 3)  // two values per block -> 2 blocks
        XCTAssertEqual(g.position, 2)
        _ = g.uniform(count: 5)  // four per block -> 2 blocks
        XCTAssertEqual(g.position, 4)
        // The next call continues exactly where a fresh generator's 5th block is.
        var fresh = RandomGenerator(seed: 7)
        _ = fresh.normal(count: 8)
        XCTAssertEqual(g.normal(count: 2), Array(fresh.normal(count: 2)))
    }

    func testIndependentOfThreadCount() {
        var one = RandomGenerator(seed: 5), many = RandomGenerator(seed: 5)
        let n = 1 << 20 + 3  // spans many 16k-block chunks, with a ragged end
        let serial = one.normal(count: n, threads: 1)
        let parallel = many.normal(count: n, threads: 8)
        XCTAssertEqual(serial.count, n)
        XCTAssertTrue(serial.elementsEqual(parallel) { $0.bitPattern == $1.bitPattern })
        XCTAssertEqual(one.position, many.position)
    }

    func testNormalMoments() {
        // n = 400k: the standard errors are 1/sqrt(n) = 0.0016 for the mean, sqrt(2/n) = 0.0022
        // for the variance, sqrt(6/n) = 0.0039 for the skewness, sqrt(24/n) = 0.0077 for the
        // excess kurtosis. Bounds are 5 standard errors (fixed seed, so this never flakes).
        var g = RandomGenerator(seed: 123)
        let n = 400_000
        let z = g.normal(count: n).map(Double.init)
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        let skew = z.reduce(0) { $0 + pow($1 - mean, 3) } / Double(n) / pow(variance, 1.5)
        let kurtosis = z.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n) / (variance * variance) - 3
        XCTAssertLessThan(abs(mean), 5 * 0.0016)
        XCTAssertLessThan(abs(variance - 1), 5 * 0.0022)
        XCTAssertLessThan(abs(skew), 5 * 0.0039)
        XCTAssertLessThan(abs(kurtosis), 5 * 0.0077)
        // Tails: P(|z| > 1.96) = 0.05, standard error sqrt(0.05 * 0.95 / n) = 0.00034.
        let tail = Double(z.filter { abs($0) > 1.96 }.count) / Double(n)
        XCTAssertLessThan(abs(tail - 0.05), 5 * 0.00034)
        XCTAssertTrue(z.allSatisfy(\.isFinite))
    }

    func testUniformRangeAndMoments() throws {
        var g = RandomGenerator(seed: 9)
        let n = 400_000
        let u = g.uniform(count: n, lo: -1, hi: 3)
        XCTAssertTrue(u.allSatisfy { $0 >= -1 && $0 < 3 })
        // Mean 1, variance 16/12; standard error of the mean sqrt(16/12/n) = 0.0018.
        let mean = u.reduce(0) { $0 + Double($1) } / Double(n)
        XCTAssertLessThan(abs(mean - 1), 5 * 0.0018)
        let variance = u.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        XCTAssertLessThan(abs(variance - 16.0 / 12), 0.01)
        // A degenerate or tiny interval stays inside [lo, hi).
        XCTAssertTrue(g.uniform(count: 1000, lo: 1, hi: 1.0000001).allSatisfy { $0 >= 1 && $0 < 1.0000001 })
        let t = try Tensor.rand([2, 3], lo: 5, hi: 6, generator: &g)
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertTrue(t.scalars.allSatisfy { $0 >= 5 && $0 < 6 })
    }

    func testIntegersAreUniformAndInRange() throws {
        var g = RandomGenerator(seed: 77)
        let n = 100_000
        let draws = try g.integers(n, in: -3..<7)
        XCTAssertTrue(draws.allSatisfy { (-3..<7).contains($0) })
        var counts = [Int](repeating: 0, count: 10)
        for d in draws { counts[d + 3] += 1 }
        // Chi-square with 9 degrees of freedom: P(chi2 > 33.7) = 1e-4.
        let expected = Double(n) / 10
        let chi2 = counts.reduce(0) { $0 + pow(Double($1) - expected, 2) / expected }
        XCTAssertLessThan(chi2, 33.7, "\(counts)")
        XCTAssertThrowsError(try g.integers(3, in: 5..<5))
        // The full Int range works (width wraps to 2^64 - 1).
        XCTAssertEqual(try g.integers(4, in: Int.min..<Int.max).count, 4)
        XCTAssertEqual(try g.integers(5, in: 0..<1), [0, 0, 0, 0, 0])
    }

    func testPermutation() {
        var g = RandomGenerator(seed: 3)
        let p = g.permutation(1000)
        XCTAssertEqual(p.sorted(), Array(0..<1000))
        XCTAssertNotEqual(p, Array(0..<1000))
        XCTAssertEqual(g.permutation(0), [])
        XCTAssertEqual(g.permutation(1), [0])
        // Each element lands in each position equally often: 3 items, 60k shuffles, 10k per cell;
        // standard error sqrt(60000 * 1/3 * 2/3) = 115, bound 5 standard errors.
        var cells = [[Int]](repeating: [0, 0, 0], count: 3)
        for _ in 0..<60_000 {
            for (position, item) in g.permutation(3).enumerated() { cells[item][position] += 1 }
        }
        for row in cells { for c in row { XCTAssertLessThan(abs(c - 20_000), 5 * 115, "\(cells)") } }
    }
}
