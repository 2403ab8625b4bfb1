@preconcurrency import Glibc

#if _endian(big)
#error("safetensors data is little-endian; the readers below assume a little-endian host")
#endif

/// A safetensors file opened with `mmap`, read one tensor at a time.
///
/// Opening validates the whole header (see `SafeTensorsHeader`) and maps the file; no
/// tensor data is touched until `tensor(_:)` converts it to Float32. Pages of a tensor
/// are released from memory once it is converted, so loading a model tensor by tensor
/// peaks near the size of the Float32 weights themselves.
public final class SafeTensorsFile: @unchecked Sendable {
    // The mapping is read-only and never changes after init, so sharing it is safe.
    public let path: String
    /// The `__metadata__` strings ([:] when the file has none).
    public let metadata: [String: String]
    /// Every tensor name, sorted.
    public let names: [String]
    private let header: SafeTensorsHeader
    private let base: UnsafeRawPointer
    private let mappedLength: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TensorError.file(path: path, message: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw TensorError.file(path: path, message: "cannot stat: \(errnoText())") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw TensorError.file(path: path, message: "not a regular file") }
        let size = Int(status.st_size)
        guard size >= 8 else {
            throw TensorError.file(path: path, message: "file is \(size) bytes; a safetensors file starts with an 8-byte header length")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw TensorError.file(path: path, message: "cannot map into memory: \(errnoText())")
        }
        do {
            header = try SafeTensorsHeader(file: UnsafeRawBufferPointer(start: mapped, count: size), path: path)
        } catch {
            munmap(mapped, size)
            throw error
        }
        base = UnsafeRawPointer(mapped)
        mappedLength = size
        metadata = header.metadata
        names = header.tensors.keys.sorted()
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
    }

    public func contains(_ name: String) -> Bool { header.tensors[name] != nil }

    /// dtype, shape and byte range of one tensor, without reading its data.
    public func info(_ name: String) throws -> SafeTensorsInfo {
        guard let info = header.tensors[name] else {
            throw TensorError.file(path: path, message: "no tensor named '\(name)'")
        }
        return info
    }

    /// One tensor converted to Float32. F32, F16 and BF16 convert exactly; F64 and the
    /// integer types round to the nearest Float32 as PyTorch's `.float()` does.
    public func tensor(_ name: String) throws -> Tensor {
        let info = try info(name)
        let count = info.shape.reduce(1, *)
        let source = base + header.dataStart + info.dataOffsets.lowerBound
        guard let convert = Self.converter(for: info.dtype) else {
            throw TensorError.file(
                path: path,
                message: "tensor '\(name)': dtype \(info.dtype.rawValue) cannot be converted to Float32 (supported: F32, F16, BF16, F64, integers, BOOL)")
        }
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress { convert(source, out, count) }
            initialized = count
        }
        release(source, byteCount: info.dataOffsets.count)
        return Tensor(uncheckedShape: info.shape, scalars: scalars)
    }

    /// Every tensor, by name.
    public func loadAll() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(names.count)
        for name in names { result[name] = try tensor(name) }
        return result
    }

    /// Drops the converted tensor's pages from this process (the file still backs them).
    private func release(_ start: UnsafeRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let last = (Int(bitPattern: start) + byteCount) / page * page
        guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
        madvise(p, last - first, MADV_DONTNEED)
    }

    private typealias Converter = (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void

    private static func converter(for dtype: SafeTensorsDType) -> Converter? {
        switch dtype {
        case .f32: return { src, out, n in UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: n * 4) }
        case .f16:
            return { src, out, n in
                halfToFloat.withUnsafeBufferPointer { table in
                    for i in 0..<n { out[i] = table[Int(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))] }
                }
            }
        case .bf16:
            return { src, out, n in
                for i in 0..<n { out[i] = HalfPrecision.float(fromBFloat16: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            }
        case .f64: return widen(Double.self) { Float($0) }
        case .i64: return widen(Int64.self) { Float($0) }
        case .i32: return widen(Int32.self) { Float($0) }
        case .i16: return widen(Int16.self) { Float($0) }
        case .i8: return widen(Int8.self) { Float($0) }
        case .u64: return widen(UInt64.self) { Float($0) }
        case .u32: return widen(UInt32.self) { Float($0) }
        case .u16: return widen(UInt16.self) { Float($0) }
        case .u8: return widen(UInt8.self) { Float($0) }
        case .bool: return widen(UInt8.self) { $0 == 0 ? 0 : 1 }
        case .f8E4M3, .f8E5M2: return nil
        }
    }

    private static func widen<T: BitwiseCopyable>(_: T.Type, _ f: @escaping (T) -> Float) -> Converter {
        { src, out, n in
            for i in 0..<n { out[i] = f(src.loadUnaligned(fromByteOffset: MemoryLayout<T>.stride * i, as: T.self)) }
        }
    }

    /// Every binary16 value as a Float, indexed by its bit pattern (256 KB, built once).
    private static let halfToFloat: [Float] = (0...UInt16.max).map { HalfPrecision.float(fromHalf: $0) }
}

/// Whole-file reading and atomic writing of safetensors.
public enum SafeTensors {
    /// All tensors of a file, with its metadata.
    public static func load(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let file = try SafeTensorsFile(path: path)
        return (try file.loadAll(), file.metadata)
    }

    /// Writes `tensors` as a safetensors file, atomically, in the layout the Python package
    /// writes: tensors in name order, data packed without gaps, header JSON padded with
    /// spaces to a multiple of 8 bytes. `dtype` is F32 (exact), F16 or BF16 (rounded to
    /// nearest even).
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], dtype: SafeTensorsDType = .f32, to path: String
    ) throws {
        guard [.f32, .f16, .bf16].contains(dtype) else {
            throw TensorError.file(path: path, message: "cannot write dtype \(dtype.rawValue); use F32, F16 or BF16")
        }
        guard tensors["__metadata__"] == nil else {
            throw TensorError.file(path: path, message: "'__metadata__' is reserved and cannot name a tensor")
        }
        let names = tensors.keys.sorted()
        let headerBytes = header(names.map { ($0, tensors[$0]?.shape ?? []) }, metadata: metadata, dtype: dtype)
        try AtomicFile.write(to: path) { out in
            try out.write(headerBytes)
            for name in names {
                guard let tensor = tensors[name] else { continue }
                try writeData(tensor.scalars, dtype: dtype, to: &out)
            }
        }
    }

    /// The 8-byte length followed by the padded header JSON, for tensors in file order.
    static func header(_ entries: [(name: String, shape: [Int])], metadata: [String: String], dtype: SafeTensorsDType) -> [UInt8] {
        var members: [(key: String, value: HeaderJSON)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.keys.sorted().map { ($0, .string(metadata[$0] ?? "")) })))
        }
        var offset = 0
        for (name, shape) in entries {
            let end = offset + shape.reduce(1, *) * dtype.byteSize
            members.append((name, .object([
                ("dtype", .string(dtype.rawValue)),
                ("shape", .array(shape.map { .integer($0) })),
                ("data_offsets", .array([.integer(offset), .integer(end)])),
            ])))
            offset = end
        }
        var json = Array(HeaderJSON.object(members).serialized.utf8)
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json
    }

    private static func writeData(_ scalars: [Float], dtype: SafeTensorsDType, to out: inout FileOutput) throws {
        if dtype == .f32 {
            try scalars.withUnsafeBytes { try out.write($0) }
            return
        }
        // Narrow in chunks so a large tensor needs no second full-size buffer.
        let chunk = 1 << 16
        var halves = [UInt16](repeating: 0, count: chunk)
        var start = 0
        while start < scalars.count {
            let n = min(chunk, scalars.count - start)
            for i in 0..<n {
                let v = scalars[start + i]
                halves[i] = (dtype == .f16 ? HalfPrecision.half(from: v) : HalfPrecision.bfloat16(from: v)).littleEndian
            }
            try halves.withUnsafeBytes { try out.write(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) }
            start += n
        }
    }
}
