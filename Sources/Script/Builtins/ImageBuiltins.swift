import Tensors

/// Images and tensor files on disk.
public enum ImageBuiltins {
    public static let builtins: [Builtin] = []
}
