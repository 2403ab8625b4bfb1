import Foundation
import Tensors

/// Problems with a checkpoint on disk: each names the file or component and what is wrong.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A file or folder that is missing, unreadable or malformed.
    case file(path: String, message: String)
    /// A config value this implementation cannot build, or that contradicts the rest.
    case config(origin: String, key: String, message: String)

    public var description: String {
        switch self {
        case let .file(path, message): return "\(path): \(message)"
        case let .config(origin, key, message): return "\(origin): config '\(key)' \(message)"
        }
    }
}

/// Finds and reads a diffusers component's weights and config.
///
/// A component folder holds `config.json` and its weights as one `.safetensors` file, a
/// precision variant (`<name>.fp16.safetensors`), or shards listed by `<name>.safetensors.index.json`
/// (`<name>.safetensors.index.fp16.json` for a variant), where `<name>` is
/// `diffusion_pytorch_model` (diffusers) or `model` (transformers).
public enum ComponentFiles {
    static let weightNames = ["diffusion_pytorch_model", "model"]

    /// A pipeline folder's component subfolder, or `path` itself when it already is a component
    /// (has a config.json and no model_index.json).
    public static func componentFolder(_ path: String, component: String) throws -> URL {
        let root = URL(fileURLWithPath: path)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw CheckpointError.file(path: path, message: "no such folder")
        }
        if fm.fileExists(atPath: root.appendingPathComponent("model_index.json").path) {
            let sub = root.appendingPathComponent(component)
            guard fm.fileExists(atPath: sub.appendingPathComponent("config.json").path) else {
                throw CheckpointError.file(path: sub.path, message: "the pipeline has no '\(component)' component (no config.json)")
            }
            return sub
        }
        guard fm.fileExists(atPath: root.appendingPathComponent("config.json").path) else {
            throw CheckpointError.file(path: path, message: "neither a diffusers pipeline (model_index.json) nor a component folder (config.json)")
        }
        return root
    }

    /// Decodes `config.json` in `folder`.
    public static func config<T: Decodable>(_ type: T.Type, in folder: URL) throws -> T {
        let url = folder.appendingPathComponent("config.json")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.file(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let error as DecodingError {
            throw CheckpointError.file(path: url.path, message: describe(error))
        } catch {
            throw CheckpointError.file(path: url.path, message: "\(error)")
        }
    }

    /// The weights in `folder`, converted to Float32 tensor by tensor. `variant` ("fp16") picks a
    /// precision variant; without it the full-precision files are preferred, then any variant.
    public static func weights(in folder: URL, variant: String? = nil) throws -> [String: Tensor] {
        let fm = FileManager.default
        func exists(_ name: String) -> Bool { fm.fileExists(atPath: folder.appendingPathComponent(name).path) }
        let variants: [String?] = variant.map { [$0] } ?? [nil] + availableVariants(in: folder)
        for v in variants {
            for base in weightNames {
                let single = v.map { "\(base).\($0).safetensors" } ?? "\(base).safetensors"
                if exists(single) { return try readSafetensors(folder.appendingPathComponent(single)) }
                let index = v.map { "\(base).safetensors.index.\($0).json" } ?? "\(base).safetensors.index.json"
                if exists(index) { return try readShards(index: folder.appendingPathComponent(index)) }
            }
        }
        let listing = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        let pickled = listing.filter { $0.hasSuffix(".bin") || $0.hasSuffix(".ckpt") || $0.hasSuffix(".pt") }
        let hint = pickled.isEmpty ? "" : " (found \(pickled.joined(separator: ", ")): PyTorch pickles are not read; convert them to safetensors)"
        throw CheckpointError.file(path: folder.path,
                                   message: "no weights\(variant.map { " for variant '\($0)'" } ?? ""): expected diffusion_pytorch_model[.variant].safetensors or a .safetensors.index.json\(hint)")
    }

    /// Variant names present in the folder, e.g. "fp16" from `diffusion_pytorch_model.fp16.safetensors`.
    static func availableVariants(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var found = Set<String>()
        for name in names {
            for base in weightNames {
                let parts = name.split(separator: ".").map(String.init)
                if parts.count == 3, parts[0] == base, parts[2] == "safetensors" { found.insert(parts[1]) }
                if parts.count == 5, parts[0] == base, parts[1] == "safetensors", parts[2] == "index", parts[4] == "json" { found.insert(parts[3]) }
            }
        }
        return found.sorted()
    }

    /// Every shard an index lists, checking that each key is found in the shard it names.
    static func readShards(index: URL) throws -> [String: Tensor] {
        let map: [String: String]
        do {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any]
            guard let m = json?["weight_map"] as? [String: String] else {
                throw CheckpointError.file(path: index.path, message: "no \"weight_map\" object of key -> shard file")
            }
            map = m
        } catch let e as CheckpointError { throw e } catch {
            throw CheckpointError.file(path: index.path, message: "not a valid shard index: \(error.localizedDescription)")
        }
        var all: [String: Tensor] = [:]
        for shard in Set(map.values).sorted() {
            guard !shard.contains("/") else { throw CheckpointError.file(path: index.path, message: "shard '\(shard)' is outside the folder") }
            let url = index.deletingLastPathComponent().appendingPathComponent(shard)
            for (key, tensor) in try readSafetensors(url) {
                guard map[key] == shard else {
                    throw CheckpointError.file(path: url.path, message: "weight '\(key)' is not listed for this shard in \(index.lastPathComponent)")
                }
                all[key] = tensor
            }
        }
        if let missing = map.keys.sorted().first(where: { all[$0] == nil }) {
            throw CheckpointError.file(path: index.path, message: "weight '\(missing)' is listed in shard '\(map[missing] ?? "")' but not found there")
        }
        return all
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String { c.map(\.stringValue).joined(separator: ".") }
        switch error {
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx), let .keyNotFound(_, ctx), let .dataCorrupted(ctx):
            let at = path(ctx.codingPath)
            return at.isEmpty ? ctx.debugDescription : "'\(at)': \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension UNet2DConditionModel {
    /// Loads from a diffusers pipeline folder (its `unet/`) or a UNet component folder.
    public static func load(from path: String, variant: String? = nil) throws -> UNet2DConditionModel {
        let folder = try ComponentFiles.componentFolder(path, component: "unet")
        let config = try ComponentFiles.config(UNetConfig.self, in: folder)
        let weights = try ComponentFiles.weights(in: folder, variant: variant)
        return try UNet2DConditionModel(config: config, weights: WeightStore(weights, origin: folder.path))
    }
}

extension AutoencoderKL {
    /// Loads from a diffusers pipeline folder (its `vae/`) or a VAE component folder.
    public static func load(from path: String, variant: String? = nil) throws -> AutoencoderKL {
        let folder = try ComponentFiles.componentFolder(path, component: "vae")
        let config = try ComponentFiles.config(VAEConfig.self, in: folder)
        let weights = try ComponentFiles.weights(in: folder, variant: variant)
        return try AutoencoderKL(config: config, weights: WeightStore(weights, origin: folder.path))
    }
}

// MARK: - safetensors

/// Every tensor of a `.safetensors` file as Float32 (F32, F16 and BF16 convert exactly), converted
/// one tensor at a time from the mapped file so loading peaks near the Float32 size of the weights.
func readSafetensors(_ url: URL) throws -> [String: Tensor] {
    try SafeTensorsFile(path: url.path).loadAll()
}
