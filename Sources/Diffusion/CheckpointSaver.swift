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
        let tensors = weights.parameters.mapValues(\.value)
        try SafeTensors.write(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
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

