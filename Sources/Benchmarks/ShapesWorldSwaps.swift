extension ShapesWorld {
    /// Text retrieval on minimal pairs of one kind: each image with [the swapped caption, its own
    /// caption], scored as ARO scores its pairs (accuracy). The probes a model's progress is read
    /// from: colour (attribute) swaps, relation swaps and subject/object order swaps.
    /// Use a world whose seed differs from the training world's: pairs come from the same stream.
    public func swapDataset(_ kind: CaptionSwap, count: Int) throws -> BenchmarkDataset {
        let items = try (0..<Swift.max(0, count)).map { i -> AROItem in
            let (a, b) = try minimalPair(index: i, kind: kind)
            return AROItem(id: String(i), image: .scene(a.scene), captions: [b.caption.text, a.caption.text], trueIndex: 1,
                           group: kind.rawValue)
        }
        return BenchmarkDataset(name: "shapes_swap_\(kind.rawValue)", task: .aro(.vgAttribution, items))
    }
}
