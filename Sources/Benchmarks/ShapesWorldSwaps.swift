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

extension ShapesWorld {
    /// Text retrieval where one named colour becomes a colour no object in the scene has ("a red
    /// square left of a blue circle" -> "a green square left of a blue circle"), image unchanged.
    /// The words differ, so reading them without binding them to objects passes: the colour
    /// probe of a bag-of-words model. (`swapDataset(.attributes)` exchanges the two colours
    /// instead, which only binding can tell apart.)
    public func colourReplacementDataset(count: Int) throws -> BenchmarkDataset {
        let items = try (0..<Swift.max(0, count)).map { i -> AROItem in
            var rng = generator(.training, i)
            for _ in 0..<Self.attempts {
                guard let a = sampler.labeledScene(&rng), case .relation(var subject, let r, var object) = a.caption.meaning,
                      subject.color != nil, object.color != nil else { continue }
                let absent = ShapeColor.allCases.filter { c in !a.scene.objects.contains { $0.color == c } }
                guard let colour = rng.pick(absent) else { continue }
                if rng.below(2) == 0 { subject.color = colour } else { object.color = colour }
                let meaning = CaptionMeaning.relation(subject, r, object)
                guard a.scene.truth(of: meaning) == .isFalse else { continue }
                return AROItem(id: String(i), image: .scene(a.scene), captions: [a.caption.with(meaning).text, a.caption.text],
                               trueIndex: 1, group: "replace_colour")
            }
            throw failure("replace_colour pair", i)
        }
        return BenchmarkDataset(name: "shapes_replace_colour", task: .aro(.vgAttribution, items))
    }
}
