import Foundation

/// Questions about the file system that scripts ask before they read or resume.
public enum FileBuiltins {
    public static let builtins: [Builtin] = [
        Builtin("exists", [.init("path", .string)], returns: "bool",
                doc: "Whether a file or folder exists at path (relative to the script's folder).") { args, ctx in
            .bool(FileManager.default.fileExists(atPath: ctx.interpreter.resolvePath(try args.string("path"))))
        },
    ]
}
