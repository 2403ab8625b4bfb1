import Foundation
import XCTest
@testable import Tensors

/// safetensors reading and writing. References: files written by the Python `safetensors`
/// 0.8.0 package with torch 2.15 tensors, and the Float32 bits of torch's `.float()` of each
/// (numpy 2.4.6's IEEE widening for F16 NaNs, whose sign and payload torch drops) in
/// Fixtures/dtypes and Fixtures/writer, made by scripts/make_tensor_fixtures.py. Exact: no tolerance.
final class SafeTensorsTests: XCTestCase {
    typealias Expected = [String: [String: Any]]

    func expected(_ group: String) throws -> Expected {
        let all = try XCTUnwrap(try TensorsFixture.json("dtypes/expected.json") as? [String: Any])
        return try XCTUnwrap(all[group] as? Expected)
    }

    func assertBits(_ tensor: Tensor, _ entry: [String: Any], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let shape = try XCTUnwrap(entry["shape"] as? [Int])
        let bits = try XCTUnwrap(entry["bits"] as? [Int])
        XCTAssertEqual(tensor.shape, shape, label, file: file, line: line)
        XCTAssertEqual(tensor.scalars.map { Int($0.bitPattern) }, bits, label, file: file, line: line)
    }

    func testEachDTypeConvertsBitExactlyLikeTorch() throws {
        for dtype in ["f32", "f16", "bf16"] {
            let file = try SafeTensorsFile(path: TensorsFixture.path("dtypes/\(dtype).safetensors"))
            let want = try expected(dtype)
            XCTAssertEqual(file.names, want.keys.sorted())
            XCTAssertEqual(file.metadata, ["format": "pt", "made_by": "make_tensor_fixtures.py"])
            for name in file.names {
                XCTAssertEqual(try file.info(name).dtype.rawValue, dtype.uppercased())
                try assertBits(try file.tensor(name), try XCTUnwrap(want[name]), "\(dtype) \(name)")
            }
        }
    }

    func testSpecialValuesAreAllThere() throws {
        // Guards the fixture itself: subnormals, infinities, NaN and -0 each occur.
        let t = try SafeTensorsFile(path: TensorsFixture.path("dtypes/f16.safetensors")).tensor("special")
        XCTAssertTrue(t.scalars.contains { $0.isNaN })
        XCTAssertTrue(t.scalars.contains(.infinity) && t.scalars.contains(-.infinity))
        XCTAssertTrue(t.scalars.contains { $0 == 0 && $0.sign == .minus })
        XCTAssertTrue(t.scalars.contains(Float(bitPattern: 0x3380_0000)))  // 2^-24, the smallest F16 subnormal
    }

    func testMixedDTypeFileWrittenByPython() throws {
        let file = try SafeTensorsFile(path: TensorsFixture.path("dtypes/mixed.safetensors"))
        let want = try expected("mixed")
        XCTAssertEqual(Set(file.names), Set(want.keys))
        XCTAssertEqual(try file.info("d.i64").dtype, .i64)
        XCTAssertEqual(try file.info("e.bool").shape, [3])
        for (name, entry) in want { try assertBits(try file.tensor(name), entry, name) }
        // 16777217 = 2^24 + 1 rounds to 2^24 in Float32, as torch's .float() does.
        XCTAssertEqual(try file.tensor("d.i64").scalars.last, 16_777_216)
        let all = try file.loadAll()
        XCTAssertEqual(all.count, 5)
        XCTAssertEqual(all["a.f32"]?.scalars, [0, 0.25, 0.5, 0.75, 1, 1.25])
    }

    /// The tensors of `writer_tensors()` in make_tensor_fixtures.py: value(i) = (i - 7) / 8.
    func writerTensors() throws -> [String: Tensor] {
        func ramp(_ shape: [Int]) throws -> Tensor {
            let n = shape.reduce(1, *)
            return try Tensor(shape: shape, scalars: (0..<n).map { (Float($0) - 7) / 8 })
        }
        return ["up.weight": try ramp([4, 3]), "down.bias": try ramp([5]), "a": try ramp([2, 1, 2]),
                "scalar": try ramp([]), "mid.block.0.norm": try ramp([3, 3])]
    }

    func testWriterProducesTheSameBytesAsPython() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        for dtype in [SafeTensorsDType.f32, .f16, .bf16] {
            let out = dir + "/\(dtype.rawValue).safetensors"
            try SafeTensors.write(try writerTensors(), metadata: ["format": "pt"], dtype: dtype, to: out)
            let python = try TensorsFixture.bytes(TensorsFixture.path("writer/\(dtype.rawValue.lowercased()).safetensors"))
            XCTAssertEqual(try TensorsFixture.bytes(out), python, "\(dtype.rawValue) file differs from Python's")
        }
    }

    func testWrittenLayoutFollowsTheSpec() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        let out = dir + "/w.safetensors"
        let tensors = try writerTensors()
        try SafeTensors.write(tensors, metadata: ["note": "tab\tquote\" é"], to: out)
        let bytes = try TensorsFixture.bytes(out)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to a multiple of 8")
        XCTAssertEqual(bytes[8], UInt8(ascii: "{"))
        let header = try XCTUnwrap(String(validating: bytes[8..<(8 + headerLength)], as: UTF8.self))
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"note\":\"tab\\tquote\\\" é\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,1,2],\"data_offsets\":[0,16]}"))
        XCTAssertTrue(header.hasSuffix("}") || header.hasSuffix(" "))
        XCTAssertEqual(bytes.count, 8 + headerLength + 4 * tensors.values.reduce(0) { $0 + $1.count })
        // Tensors follow in name order, packed.
        let file = try SafeTensorsFile(path: out)
        var offset = 0
        for name in tensors.keys.sorted() {
            let info = try file.info(name)
            XCTAssertEqual(info.dataOffsets.lowerBound, offset, name)
            offset = info.dataOffsets.upperBound
        }
        XCTAssertEqual(file.metadata, ["note": "tab\tquote\" é"])
    }

    func testRoundTripKeepsEveryBit() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1 / 3]
        var generator = RandomGenerator(seed: 11)
        let tensors: [String: Tensor] = [
            "special": Tensor(special), "random": try generator.normal([3, 5, 7]),
            "empty": Tensor.zeros([0, 4]), "scalar": Tensor(2.5),
        ]
        try SafeTensors.write(tensors, metadata: ["k": "v"], to: dir + "/rt.safetensors")
        let (back, metadata) = try SafeTensors.load(dir + "/rt.safetensors")
        XCTAssertEqual(metadata, ["k": "v"])
        XCTAssertEqual(Set(back.keys), Set(tensors.keys))
        for (name, t) in tensors {
            XCTAssertEqual(back[name]?.shape, t.shape, name)
            XCTAssertEqual(back[name]?.scalars.map(\.bitPattern), t.scalars.map(\.bitPattern), name)
        }
        // F16: each value comes back as its nearest half.
        try SafeTensors.write(["special": Tensor(special)], dtype: .f16, to: dir + "/h.safetensors")
        let half = try SafeTensorsFile(path: dir + "/h.safetensors").tensor("special")
        XCTAssertEqual(half.scalars.map(\.bitPattern),
                       special.map { HalfPrecision.float(fromHalf: HalfPrecision.half(from: $0)).bitPattern })
    }

    func testWriteIsAtomicAndRefusesBadInput() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        let out = dir + "/keep.safetensors"
        try SafeTensors.write(["a": Tensor([1, 2])], to: out)
        let before = try TensorsFixture.bytes(out)
        XCTAssertThrowsError(try SafeTensors.write(["__metadata__": Tensor([1])], to: out))
        XCTAssertThrowsError(try SafeTensors.write(["a": Tensor([1])], dtype: .i64, to: out))
        XCTAssertEqual(try TensorsFixture.bytes(out), before, "a refused write leaves the old file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["keep.safetensors"], "no temporary file left")
        // Missing folders are made, as `save` makes them; a folder that is a file is an error naming the path.
        try SafeTensors.write(["a": Tensor([1])], to: dir + "/missing/dir/x.safetensors")
        XCTAssertEqual(try SafeTensors.load(dir + "/missing/dir/x.safetensors").tensors["a"]?.scalars, [1])
        XCTAssertThrowsError(try SafeTensors.write(["a": Tensor([1])], to: out + "/x.safetensors")) { error in
            guard case .file(let path, let message)? = error as? TensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, out + "/x.safetensors")
            XCTAssertTrue(message.contains("keep.safetensors"), message)
        }
    }

    func testLookupErrorsNameTheTensor() throws {
        let file = try SafeTensorsFile(path: TensorsFixture.path("dtypes/f32.safetensors"))
        XCTAssertFalse(file.contains("nope"))
        XCTAssertThrowsError(try file.tensor("nope")) { error in
            XCTAssertTrue("\(error)".contains("no tensor named 'nope'"), "\(error)")
        }
        XCTAssertThrowsError(try SafeTensorsFile(path: TensorsFixture.path("dtypes"))) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
        XCTAssertThrowsError(try SafeTensorsFile(path: "/nonexistent/x.safetensors"))
    }

    /// Every file of the malformed corpus gives the expected error (never a crash); the fixture
    /// script checked that Python's reader refuses them too.
    func testMalformedCorpus() throws {
        let cases = try XCTUnwrap(try TensorsFixture.json("malformed/expected.json") as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        for entry in cases {
            let name = try XCTUnwrap(entry["file"] as? String), fragment = try XCTUnwrap(entry["error"] as? String)
            let path = TensorsFixture.path("malformed/" + name)
            do {
                let file = try SafeTensorsFile(path: path)
                guard entry["stage"] as? String == "tensor", let tensor = entry["tensor"] as? String else {
                    XCTFail("\(name) opened without error")
                    continue
                }
                _ = try file.tensor(tensor)
                XCTFail("\(name): tensor \(tensor) loaded without error")
            } catch let error as TensorError {
                guard case .file(let errorPath, let message) = error else { XCTFail("\(name): \(error)"); continue }
                XCTAssertEqual(errorPath, path)
                XCTAssertTrue(message.contains(fragment), "\(name): got \"\(message)\", expected it to contain \"\(fragment)\"")
            }
        }
    }

    /// Mutated and truncated versions of valid files: each must open and load, or throw a
    /// TensorError. (A crash here ends the test run.) Deterministic: seeded mutations.
    func testFuzzedFilesNeverCrash() throws {
        let dir = try TensorsFixture.scratchDirectory(self)
        let seeds = try ["dtypes/mixed.safetensors", "writer/f32.safetensors", "dtypes/f16.safetensors"]
            .map { try TensorsFixture.bytes(TensorsFixture.path($0)) }
        let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "-1", "1e9", "99999999999999999999", "null",
                                 "\"F64\"", "\"__metadata__\"", "\\u0000", "\u{FF}"].map { Array($0.utf8) }
        var rng = RandomGenerator(seed: 2024)
        var (opened, refused) = (0, 0)
        let iterations = 10_000
        let picks = try rng.integers(iterations * 8, in: 0..<Int(Int32.max))
        for i in 0..<iterations {
            let r = Array(picks[(i * 8)..<(i * 8 + 8)])
            var bytes = seeds[r[0] % seeds.count]
            let headerEnd = min(bytes.count, 8 + Int(bytes[0]) + Int(bytes[1]) << 8)
            switch r[1] % 6 {
            case 0: bytes = Array(bytes.prefix(r[2] % (bytes.count + 1)))
            case 1:
                for j in 0..<(1 + r[3] % 4) { bytes[(r[2] + j * 7919) % bytes.count] ^= UInt8(truncatingIfNeeded: r[4] >> j) }
            case 2:
                for j in 0..<8 { bytes[j] = UInt8(truncatingIfNeeded: r[2 + j % 4] >> (j * 3)) }
            case 3:
                let at = 8 + r[2] % max(headerEnd - 8, 1)
                bytes.insert(contentsOf: tokens[r[3] % tokens.count], at: min(at, bytes.count))
            case 4:
                let at = 8 + r[2] % max(headerEnd - 8, 1)
                if at < bytes.count { bytes[at] = UInt8(ascii: "0") + UInt8(r[3] % 10) }
            default:
                let at = 8 + r[2] % max(headerEnd - 8, 1)
                let length = r[3] % 16
                if at + length <= bytes.count { bytes.removeSubrange(at..<(at + length)) }
            }
            let path = dir + "/fuzz.safetensors"
            try TensorsFixture.write(bytes, to: path)
            do {
                let file = try SafeTensorsFile(path: path)
                for name in file.names {
                    do {
                        let t = try file.tensor(name)
                        XCTAssertEqual(t.count, t.shape.reduce(1, *))
                    } catch is TensorError {}
                }
                opened += 1
            } catch is TensorError {
                refused += 1
            }
        }
        XCTAssertEqual(opened + refused, iterations)
        XCTAssertGreaterThan(refused, iterations / 4, "most mutations break the header")
        XCTAssertGreaterThan(opened, 10, "some mutations only touch data")
    }

    func testHeaderJSONParsesEscapesAndRefusesBadSyntax() throws {
        func parse(_ text: String) throws -> HeaderJSON {
            let bytes = Array(text.utf8)
            return try bytes.withUnsafeBytes { try HeaderJSON.parse($0) }
        }
        XCTAssertEqual(try parse(#" {"a\u00e9\ud83d\ude00\n":[1,-2,0],"b":true} "#),
                       .object([("aé😀\n", .array([.integer(1), .integer(-2), .integer(0)])), ("b", .bool(true))]))
        XCTAssertEqual(try parse("1.5e3"), .number("1.5e3"))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "-", "1.", "\"\\x\"", "\"\\ud800\"", "tru", "[1] 2", "{\"a\":1,}", "\"a\nb\""] {
            XCTAssertThrowsError(try parse(bad), "accepted \(bad.debugDescription)")
        }
        let round = HeaderJSON.object([("k\"\\\u{01}", .string("é\t"))]).serialized
        XCTAssertEqual(round, #"{"k\"\\\u0001":"é\t"}"#)
        XCTAssertEqual(try parse(round), .object([("k\"\\\u{01}", .string("é\t"))]))
    }
}
