/// The element types the safetensors format names (as in the Python package's `_TYPES`).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
    case bool = "BOOL", f8E4M3 = "F8_E4M3", f8E5M2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8E4M3, .f8E5M2: return 1
        }
    }
}

/// One tensor's entry in a safetensors header: what it is and where its bytes are.
public struct SafeTensorsInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range relative to the start of the data buffer (after the header).
    public let dataOffsets: Range<Int>
}

/// A header that has been checked against the file it came from.
///
/// Everything a later read relies on is established here: every range lies inside
/// the data buffer, matches its shape and dtype, and overlaps no other tensor.
struct SafeTensorsHeader {
    /// Bytes of header JSON beyond this are refused (the Python package's limit).
    static let maxHeaderLength = 100_000_000

    var tensors: [String: SafeTensorsInfo]
    var metadata: [String: String]
    /// Offset of the data buffer from the start of the file.
    var dataStart: Int

    /// Validates the first bytes of a file of `fileSize` bytes; `bytes` covers the whole file.
    init(file bytes: UnsafeRawBufferPointer, path: String) throws(TensorError) {
        func fail(_ message: String) -> TensorError { .file(path: path, message: message) }
        guard bytes.count >= 8 else {
            throw fail("file is \(bytes.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Self.maxHeaderLength) else {
            throw fail("header length \(declared) exceeds the \(Self.maxHeaderLength)-byte limit")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw fail("header length \(headerLength) runs past the end of the file (\(bytes.count) bytes)")
        }
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)]))
        } catch {
            throw fail("header is not valid JSON: \(error.message) at byte \(error.offset + 8)")
        }
        try self.init(json: json, dataLength: bytes.count - 8 - headerLength, path: path)
        dataStart = 8 + headerLength
    }

    init(json: HeaderJSON, dataLength: Int, path: String) throws(TensorError) {
        func fail(_ message: String) -> TensorError { .file(path: path, message: message) }
        guard case let .object(members) = json else { throw fail("header is \(json.kind), not a JSON object") }
        tensors = [:]
        metadata = [:]
        dataStart = 0
        var sawMetadata = false
        for (name, entry) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw fail("__metadata__ appears twice in the header") }
                sawMetadata = true
                metadata = try Self.metadata(entry, fail)
                continue
            }
            guard tensors[name] == nil else { throw fail("tensor '\(name)' appears twice in the header") }
            tensors[name] = try Self.info(name: name, entry: entry, dataLength: dataLength, fail)
        }
        try Self.checkNoOverlap(Array(tensors.values), fail)
    }

    private static func metadata(_ entry: HeaderJSON, _ fail: (String) -> TensorError) throws(TensorError) -> [String: String] {
        guard case let .object(pairs) = entry else { throw fail("__metadata__ is \(entry.kind), not an object of strings") }
        var result: [String: String] = [:]
        for (key, value) in pairs {
            guard case let .string(text) = value else {
                throw fail("__metadata__ entry '\(key)' is \(value.kind); metadata values must be strings")
            }
            result[key] = text
        }
        return result
    }

    private static func info(
        name: String, entry: HeaderJSON, dataLength: Int, _ fail: (String) -> TensorError
    ) throws(TensorError) -> SafeTensorsInfo {
        guard case let .object(fields) = entry else { throw fail("tensor '\(name)': entry is \(entry.kind), not an object") }
        func field(_ key: String) throws(TensorError) -> HeaderJSON {
            guard let value = fields.first(where: { $0.key == key })?.value else {
                throw fail("tensor '\(name)': missing \"\(key)\"")
            }
            return value
        }
        guard case let .string(dtypeName) = try field("dtype") else {
            throw fail("tensor '\(name)': \"dtype\" must be a string")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unknown dtype '\(dtypeName)'")
        }
        let shape = try naturals(try field("shape"), "tensor '\(name)': \"shape\"", fail)
        let offsets = try naturals(try field("data_offsets"), "tensor '\(name)': \"data_offsets\"", fail)
        guard offsets.count == 2 else {
            throw fail("tensor '\(name)': \"data_offsets\" must be [begin, end], got \(offsets.count) numbers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw fail("tensor '\(name)': data_offsets [\(begin),\(end)] end before they begin") }
        var elements = 1
        for size in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("tensor '\(name)': shape \(formatShape(shape)) is too large") }
            elements = product
        }
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, byteCount == end - begin else {
            throw fail("tensor '\(name)': shape \(formatShape(shape)) of \(dtypeName) needs \(overflow ? "more than Int.max" : String(byteCount)) bytes, but data_offsets [\(begin),\(end)] hold \(end - begin)")
        }
        guard end <= dataLength else {
            throw fail("tensor '\(name)': data_offsets [\(begin),\(end)] run past the end of the data (\(dataLength) bytes; file truncated?)")
        }
        return SafeTensorsInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// A JSON array of non-negative integers.
    private static func naturals(_ value: HeaderJSON, _ what: String, _ fail: (String) -> TensorError) throws(TensorError) -> [Int] {
        guard case let .array(items) = value else { throw fail("\(what) must be an array, got \(value.kind)") }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case let .integer(n) = item, n >= 0 else {
                throw fail("\(what) must hold non-negative integers, got \(item.serialized)")
            }
            result.append(n)
        }
        return result
    }

    private static func checkNoOverlap(_ infos: [SafeTensorsInfo], _ fail: (String) -> TensorError) throws(TensorError) {
        // Empty tensors own no bytes, so they cannot overlap anything.
        let sorted = infos.filter { !$0.dataOffsets.isEmpty }
            .sorted { ($0.dataOffsets.lowerBound, $0.name) < ($1.dataOffsets.lowerBound, $1.name) }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw fail("tensors '\(previous.name)' [\(previous.dataOffsets.lowerBound),\(previous.dataOffsets.upperBound)] and '\(next.name)' [\(next.dataOffsets.lowerBound),\(next.dataOffsets.upperBound)] overlap")
        }
    }
}
