import Foundation
import Tensors

/// Writes diffusers component folders: `config.json` under diffusers' key names and the weights as
/// `diffusion_pytorch_model.safetensors` (F32), which `from_pretrained` loads.
public enum CheckpointSaver {
    /// Builds a folder in a temporary sibling of `destination` with `body`, then moves it into place,
    /// so a crash never leaves a half-written checkpoint. An existing folder at `destination` is
    /// replaced only once the new one is complete.
    public static func writeFolderAtomically(_ destination: URL, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let dest = destination.standardizedFileURL
        let parent = dest.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(dest.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError.file(path: dest.path, message: "cannot create a folder next to it: \(error.localizedDescription)")
        }
        do {
            try body(temp)
            if fm.fileExists(atPath: dest.path) {
                // rename(2) cannot replace a non-empty folder: move the old one aside first.
                let old = parent.appendingPathComponent(".\(dest.lastPathComponent).old-\(UInt32.random(in: 0...UInt32.max))")
                try fm.moveItem(at: dest, to: old)
                do { try fm.moveItem(at: temp, to: dest) } catch {
                    try? fm.moveItem(at: old, to: dest)
                    throw error
                }
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: temp, to: dest)
            }
        } catch {
            try? fm.removeItem(at: temp)
            if let e = error as? CheckpointError { throw e }
            throw CheckpointError.file(path: dest.path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes one component (config + weights) into an existing folder, e.g. inside a pipeline being
    /// written by `writeFolderAtomically`.
    public static func writeComponent<Config: Encodable>(config: Config, weights: WeightStore, into folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(config)
        try json.write(to: folder.appendingPathComponent("config.json"))
        let tensors = weights.parameters.map { ($0.key, $0.value.value) }
        try writeSafetensors(tensors, to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }
}

extension UNet2DConditionModel {
    /// Writes a diffusers UNet component folder at `path` (loadable by `UNet2DConditionModel.from_pretrained`).
    public func save(to path: String) throws {
        try CheckpointSaver.writeFolderAtomically(URL(fileURLWithPath: path)) { folder in
            try CheckpointSaver.writeComponent(config: config, weights: weights, into: folder)
        }
    }
}

extension AutoencoderKL {
    /// Writes a diffusers VAE component folder at `path` (loadable by `AutoencoderKL.from_pretrained`).
    public func save(to path: String) throws {
        try CheckpointSaver.writeFolderAtomically(URL(fileURLWithPath: path)) { folder in
            try CheckpointSaver.writeComponent(config: config, weights: weights, into: folder)
        }
    }
}

/// Writes F32 tensors as a `.safetensors` file (header padded to 8 bytes), streaming one tensor at a
/// time so no second copy of the weights is built in memory.
/// The one place that writes the format; it gives way to the Tensors module's writer once that lands.
func writeSafetensors(_ tensors: [(String, Tensor)], to url: URL) throws {
    let sorted = tensors.sorted { $0.0 < $1.0 }
    var header: [String: Any] = ["__metadata__": ["format": "pt"]]
    var offset = 0
    for (name, t) in sorted {
        header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
        offset += 4 * t.count
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
    guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
        throw CheckpointError.file(path: url.path, message: "cannot create")
    }
    defer { try? handle.close() }
    var length = UInt64(json.count).littleEndian
    try handle.write(contentsOf: Data(bytes: &length, count: 8))
    try handle.write(contentsOf: json)
    for (_, t) in sorted {
        let data = t.scalars.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian hosts only (x86-64, arm64)
        try handle.write(contentsOf: data)
    }
}
