/// GPT-2's reversible map from bytes to printable Unicode scalars, which byte-level BPE
/// vocabularies (CLIP's among them) are written in: the printable Latin-1 bytes map to
/// themselves, the other 68 bytes to U+0100 onwards in byte order.
enum ByteToUnicode {
    static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            let value = printable ? UInt32(b) : { defer { next += 1 }; return next }()
            table[b] = Unicode.Scalar(value) ?? " "
        }
        return table
    }()

    static let bytes: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in scalars.enumerated() { inverse[s] = UInt8(b) }
        return inverse
    }()
}
