extension BenchmarkDataset {
    /// The units at `positions` (items; for retrieval, gallery images with their captions), in
    /// that order, as a dataset of the same task and name: what `ds[2:10]` and `ds[mask]` give.
    public func subset(_ positions: [Int]) throws -> BenchmarkDataset {
        let n = task.count
        if let bad = positions.first(where: { $0 < 0 || $0 >= n }) {
            throw BenchmarkError.invalidArgument(op: "subset", message: "position \(bad) outside 0..<\(n) of \(name)")
        }
        func pick<T>(_ xs: [T]) -> [T] { positions.map { xs[$0] } }
        let subsetTask: BenchmarkTask
        switch task {
        case let .winoground(xs): subsetTask = .winoground(pick(xs))
        case let .imageCoDe(xs): subsetTask = .imageCoDe(pick(xs))
        case let .aro(variant, xs): subsetTask = .aro(variant, pick(xs))
        case let .training(xs): subsetTask = .training(pick(xs))
        case let .editing(xs): subsetTask = .editing(pick(xs))
        case let .retrieval(r):
            // Each kept image brings its own captions; the captions are renumbered in order.
            let owned = r.imageCaptions
            var captions: [String] = [], captionImage: [Int] = []
            for (newIndex, old) in positions.enumerated() {
                for k in owned[old] {
                    captions.append(r.captions[k])
                    captionImage.append(newIndex)
                }
            }
            let ids = positions.map { $0 < r.imageIDs.count ? r.imageIDs[$0] : String($0) }
            subsetTask = .retrieval(RetrievalDataset(imageIDs: ids, images: pick(r.images), captions: captions, captionImage: captionImage))
        }
        return BenchmarkDataset(name: name, task: subsetTask)
    }
}
